#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hash table of byte strings, each with an `Int` value (a valid-list entry's line), looked
/// up by a borrowed buffer (no String per lookup) and filled the same way (no String per entry
/// of a 100 000-line list).
///
/// Names live end to end in one byte array; setting a name that is there replaces its value
/// and keeps its place, as a dictionary's subscript does. A plain value type: copies share
/// storage until one of them changes (the address book and the classifier hold the same table).
struct ByteNameTable: Sendable {
    /// Every name's bytes, end to end, in the order the names were first set.
    private var bytes: [UInt8] = []
    /// Per name: where its bytes end in `bytes` (they start where the one before ends).
    private var ends: [Int] = []
    /// Per name: its value.
    private var values: [Int] = []
    /// 0 empty, else index + 1; slot chosen by `ByteKeyTable.hash`, then the next free one.
    /// 32 bits: a 100 000-name table's slots are 1 MiB, written whole when made.
    private var slots: [Int32]
    private var mask: Int

    /// How many distinct names the table holds.
    var count: Int { ends.count }
    var isEmpty: Bool { ends.isEmpty }

    /// An empty table with room for `capacity` names of `byteCapacity` bytes in all before it
    /// grows. Room not used costs address space, not memory: only the slots are written.
    init(capacity: Int = 0, byteCapacity: Int? = nil) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        ends.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
        bytes.reserveCapacity(byteCapacity ?? capacity * 24)
    }

    /// The UTF-8 bytes of `names`, each with the value 0.
    init(_ names: some Collection<String>) {
        self.init(capacity: names.count)
        for name in names { set(name, to: 0) }
    }

    /// Sets the value of `name`: appends the name when it is new, else replaces its value.
    mutating func set(_ name: UnsafeRawBufferPointer, to value: Int) {
        let hash = ByteKeyTable.hash(name)
        if let i = index(of: name, hash: hash) {
            values[i] = value
            return
        }
        if 2 * (ends.count + 1) > slots.count { grow() }
        bytes.append(contentsOf: name)
        ends.append(bytes.count)
        values.append(value)
        place(ends.count - 1, hash: hash)
    }

    /// `set` for a String's UTF-8 bytes.
    mutating func set(_ name: String, to value: Int) {
        var name = name
        name.withUTF8 { set(UnsafeRawBufferPointer($0), to: value) }
    }

    /// Whether the table holds `name` (the classifier asks for every distinct address).
    @inline(__always)
    func contains(_ name: UnsafeRawBufferPointer) -> Bool {
        !ends.isEmpty && index(of: name, hash: ByteKeyTable.hash(name)) != nil
    }

    /// The value of `name`, or nil when the table does not hold it.
    func value(of name: UnsafeRawBufferPointer) -> Int? {
        index(of: name, hash: ByteKeyTable.hash(name)).map { values[$0] }
    }

    /// `value(of:)` for a String's UTF-8 bytes.
    func value(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { value(of: UnsafeRawBufferPointer($0)) }
    }

    /// Every name with its value, in the order the names were first set.
    var entries: [(name: String, value: Int)] {
        var start = 0
        return ends.indices.map { i in
            defer { start = ends[i] }
            return (String(decoding: bytes[start..<ends[i]], as: UTF8.self), values[i])
        }
    }

    /// The index of `name`, whose hash is `hash` (`ByteKeyTable.hash`), or nil.
    @inline(__always)
    private func index(of name: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        return bytes.withUnsafeBytes { all in
            while true {
                let s = Int(slots[slot])
                if s == 0 { return nil }
                let start = s == 1 ? 0 : ends[s - 2]
                let length = ends[s - 1] - start
                if length == name.count
                    && (length == 0 || memcmp(all.baseAddress! + start, name.baseAddress!, length) == 0)
                {
                    return s - 1
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Puts name `i` in the first free slot from its hash on (the table has free slots: it is
    /// kept at most half full). More than 2³¹ - 1 names (a list of 8 GiB or more) stop here.
    private mutating func place(_ i: Int, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(i + 1)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        var start = 0
        for i in ends.indices {
            let h = bytes.withUnsafeBytes { ByteKeyTable.hash(UnsafeRawBufferPointer(rebasing: $0[start..<ends[i]])) }
            place(i, hash: h)
            start = ends[i]
        }
    }
}
