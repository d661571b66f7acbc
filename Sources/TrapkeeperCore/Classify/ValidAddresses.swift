/// The addresses of the valid-address list (catch-alls aside), each with the line it is listed
/// on: `self["peter@bsdly.com"]` is `"valid-addresses.txt:2"`.
///
/// A key is the address in ASCII lower case with its domain in ASCII form (`AddressBook`'s
/// keys). The file name is held once and each address's line as a number: a 100 000-address
/// list is one byte table, not 100 000 strings and origins. An address listed twice has the
/// later line, as a dictionary keeps the last value set.
///
/// Spellings Swift's `String` calls equal are one address, as they were when the list was a
/// dictionary: `josé@` listed with `é` as `e` + U+0301 is found for mail to `josé@` with the
/// precomposed `é`, and `ab\u{37E}cd@` (GREEK QUESTION MARK, which decomposes to `;`) for
/// mail to `ab;cd@`. Never trapping a real user comes first: a mail server may pass either
/// spelling. Only entries with a byte above 0x7F can have another spelling; those few are also
/// kept in a dictionary (`canonical`), asked when the bytes are not listed.
public struct ValidAddresses: Sendable, CustomStringConvertible {
    /// The list file's name as origins show it (`valid-addresses.txt`); for addresses added in
    /// code (`AddressBook.addValid`) the whole origin.
    public let fileName: String
    /// Key bytes → line (0: added in code).
    private(set) var lines: ByteNameTable
    /// The keys with a byte above 0x7F → line, by Swift's canonical equivalence.
    private(set) var canonical: [String: Int] = [:]

    init(fileName: String, capacity: Int = 0, byteCapacity: Int? = nil) {
        self.fileName = fileName
        lines = ByteNameTable(capacity: capacity, byteCapacity: byteCapacity)
    }

    /// How many distinct addresses the list holds.
    public var count: Int { lines.count }
    public var isEmpty: Bool { lines.isEmpty }

    /// Where `address` (a key: lower case, domain in ASCII form) is listed, as
    /// `"file:line"`, or nil when it is not.
    public subscript(address: String) -> String? {
        if let line = lines.value(of: address) { return origin(line) }
        return canonical.isEmpty ? nil : canonical[address].map(origin)
    }

    /// Every listed address (its key), in no particular order.
    public var keys: [String] { lines.entries.map(\.name) }

    /// Lists `key` (its bytes) as on `line`; an address listed before gets the new line.
    mutating func set(_ key: UnsafeRawBufferPointer, line: Int) {
        lines.set(key, to: line)
        if key.contains(where: { $0 >= 0x80 }) { canonical[String(decoding: key, as: UTF8.self)] = line }
    }

    /// `set` for a key the caller knows is ASCII (no byte above 0x7F: no other spelling).
    mutating func setASCII(_ key: UnsafeRawBufferPointer, line: Int) {
        assert(!key.contains { $0 >= 0x80 }, "setASCII: a byte above 0x7F")
        lines.set(key, to: line)
    }

    /// Lists `key` as on `line`; an address listed before gets the new line.
    mutating func set(_ key: String, line: Int) {
        lines.set(key, to: line)
        if key.utf8.contains(where: { $0 >= 0x80 }) { canonical[key] = line }
    }

    /// `"file:line"`, or the file name alone for line 0 (added in code).
    func origin(_ line: Int) -> String { line > 0 ? "\(fileName):\(line)" : fileName }

    /// Every address with its origin, in the order first listed, printed as a dictionary prints
    /// (`["peter@bsdly.com": "valid.txt:2"]`). Not made through a `Dictionary`: two addresses
    /// whose bytes differ but that Swift's `String` calls equal (`é` precomposed and decomposed)
    /// are two entries here, and would be duplicate keys there.
    public var description: String {
        let entries = lines.entries
        guard !entries.isEmpty else { return "[:]" }
        let pairs = entries.map { "\($0.name.debugDescription): \(origin($0.value).debugDescription)" }
        return "[\(pairs.joined(separator: ", "))]"
    }
}
