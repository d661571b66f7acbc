import CScan

/// What the address alone says, before the tuple it came in is looked at.
public enum AddressClass: Sendable, Equatable {
    /// Not in one of our exact domains: never a trap.
    case notOurs
    /// In our domain but not publishable (control bytes, invalid UTF-8, empty local part).
    case malformed(String)
    /// Rule 1: a real user, alias or catch-all.
    case valid(String)
    /// Rule 2: a role mailbox or configured protected name.
    case protected(String)
    /// Unknown: a trap, unless the tuple turns out to be a callback probe of this shape.
    case unknown(probeShape: ProbeShape?)
}

/// The classification rules of cli.md, first match wins: not ours → valid → protected →
/// callback probe → trap.
public struct Classifier: Sendable {
    public let domains: [String]
    public let book: AddressBook
    public let detector: ProbeDetector
    public let harvestSenders: Bool
    /// Rules 1 and 2's names as exact byte sets, for `quickClass`.
    let names: ListedNames
    let domainBytes: [[UInt8]]
    /// Recipient delimiter bytes as a 256-entry table.
    let delimiterTable: [Bool]

    public init(domains: [String], book: AddressBook, probeWindowDays: Int, harvestSenders: Bool) {
        self.domains = domains.map(AddressBook.lower)
        self.book = book
        self.detector = ProbeDetector(windowDays: probeWindowDays)
        self.harvestSenders = harvestSenders
        names = ListedNames(book)
        domainBytes = self.domains.map { Array($0.utf8) }
        var table = [Bool](repeating: false, count: 256)
        for d in book.delimiters { table[Int(d)] = true }
        delimiterTable = table
    }

    public init(config: Config, book: AddressBook) {
        self.init(
            domains: config.domains, book: book, probeWindowDays: config.probeWindowDays,
            harvestSenders: config.harvestSenders)
    }

    /// spamd's `dequotetolower`: strip one leading `<` and one trailing `>`, lower-case ASCII.
    public static func normalize(_ raw: String) -> String {
        var u = Substring(raw)
        if u.hasPrefix("<") { u = u.dropFirst() }
        if u.hasSuffix(">") { u = u.dropLast() }
        return AddressBook.lower(String(u))
    }

    /// Byte version of `normalize` into `out` (capacity ≥ raw.count); returns the length.
    @inline(__always)
    static func normalize(_ raw: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        var s = 0
        var e = raw.count
        if e > 0 && raw[0] == 60 { s = 1 }
        if e > s && raw[e - 1] == 62 { e -= 1 }
        let n = e - s
        if n > 0 {
            tk_lower(
                raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + s, n,
                out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return n
    }

    /// Classifies a normalised address by itself (rules: our domain, 1 valid, 2 protected, shape).
    /// `probeShapes: false` skips the probe-shape check (publishing needs only rules 1 and 2).
    public func classify(address: String, probeShapes: Bool = true) -> AddressClass {
        let u = address.utf8
        guard let at = u.lastIndex(of: 64) else { return .notOurs }
        let domain = String(address[u.index(after: at)...])
        guard domains.contains(domain) else { return .notOurs }
        let local = address[..<at]
        if local.isEmpty { return .malformed("empty local part") }
        if u.contains(where: { $0 < 0x20 || $0 == 0x7f }) {
            return .malformed("control characters in the address")
        }
        if let v = book.validity(of: address) { return .valid(v) }
        if let p = book.protection(of: address) { return .protected(p) }
        // Checked after rule 1 and 2: a real user's address is valid whatever its bytes.
        if !Classifier.isValidUTF8(address) {
            return .malformed("not valid UTF-8")
        }
        guard probeShapes else { return .unknown(probeShape: nil) }
        let shape = ProbeDetector.shape(localPart: local) { real in
            book.validity(of: "\(real)@\(domain)") != nil
        }
        return .unknown(probeShape: shape)
    }

    static func isValidUTF8(_ s: String) -> Bool {
        // String(decoding:) repairs invalid input with U+FFFD; a repaired string differs.
        !s.unicodeScalars.contains("\u{FFFD}")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
