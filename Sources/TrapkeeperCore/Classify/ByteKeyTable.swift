import CScan

/// One address of a harvest: where its key bytes are, and its per-run data, side by side so a
/// line's lookup and update touch one cache line.
struct AddressEntry {
    /// Arena offset << 20 | length (keys are at most one line, < 1 MiB).
    var span: UInt64
    var first: Int64 = .max
    var last: Int64 = .min
    /// Time of the sighting whose evidence is kept (.max: none yet).
    var evidenceTime: Int64 = .max
    /// Offset of the evidence record in the harvest's evidence arena, -1 none.
    var evidence: Int = -1
    /// `AddressRoles` bits.
    var roles: UInt8 = 0
    /// What the rules say of the address, decided when it is first seen.
    var code: Code = .notOurs

    init(span: UInt64) { self.span = span }

    /// An address's class as the harvest's per-line path needs it: `AddressClass` without its
    /// wording (kept beside, in `Harvest.addressClass`, when a message needs it). One byte,
    /// stored in the entry.
    enum Code: UInt8 {
        /// Not ours after all (the rules' `notOurs`): a tuple to it counts for nothing.
        case notOurs = 0
        /// In our domain but not usable: its lines are counted and the first few reported.
        case malformed = 1
        /// Valid or protected (rules 1 and 2): a sighting, never a trap hit.
        case listed = 2
        /// Unknown without a probe shape: a tuple to it is a trap hit.
        case unknown = 3
        /// Unknown with a callback probe shape: a tuple to it is a probe when the sender and
        /// helo match the shape, else a trap hit.
        case probeShaped = 4

        init(_ c: AddressClass) {
            switch c {
            case .notOurs: self = .notOurs
            case .malformed: self = .malformed
            case .valid, .protected: self = .listed
            case .unknown(let shape): self = shape == nil ? .unknown : .probeShaped
            }
        }

        /// Unknown, with a probe shape or without: a trap candidate.
        var isUnknown: Bool { self == .unknown || self == .probeShaped }
        /// Ours and usable (listed or unknown): a sender sighting of it is kept.
        var isUsable: Bool { self == .listed || isUnknown }
    }
}

/// A hash set of byte strings that hands out dense indexes, looked up by a borrowed buffer so
/// the hot path allocates nothing for keys it has seen before. Keys live in one growing arena;
/// each has an `AddressEntry` for its owner's data.
///
/// A slot holds the entry's index and 32 bits of its hash, so a probe that meets another key
/// is almost always rejected without touching the entry or the arena (one cache miss per
/// lookup of a known key instead of three).
///
/// Not copyable: it owns its arrays, freed with it.
struct ByteKeyTable: ~Copyable {
    private var arena: ByteArena
    /// Per key: its span and its owner's data.
    private var entries: PlainArray<AddressEntry>
    /// Per entry: the full hash, for re-slotting when the table grows.
    private var hashes: PlainArray<UInt64>
    /// 0 empty, else (hash >> 32) << 32 | (index + 1).
    private var slots: PlainArray<UInt64>
    private var mask: Int

    var count: Int { entries.count }

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = PlainArray(zeros: size)
        mask = size - 1
        entries = PlainArray(capacity: capacity)
        hashes = PlainArray(capacity: capacity)
        arena = ByteArena(capacity: capacity * 32)
    }

    /// The owner's data of key `idx` (an index the table handed out). Its `span` is the table's
    /// and never changes.
    @inline(__always)
    subscript(entry idx: Int) -> AddressEntry {
        get { entries[idx] }
        set {
            assert(newValue.span == entries[idx].span, "an entry's span is the table's")
            entries[idx] = newValue
        }
    }

    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        let n = key.count
        guard let base = key.baseAddress else { return h }
        while i + 8 <= n {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0xBF58_476D_1CE4_E5B9
        }
        h = (h ^ (h >> 29)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        return h
    }

    /// Calls `body` with the bytes of key `idx`.
    @inline(__always)
    func withKey<R>(_ idx: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let s = entries[idx].span
        return try arena.withBytes(at: Int(s >> 20), count: Int(s & 0xFFFFF), body)
    }

    @inline(__always)
    private func equal(_ idx: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let s = entries[idx].span
        guard Int(s & 0xFFFFF) == key.count else { return false }
        guard key.count > 0 else { return true }
        return arena.withBytes(at: Int(s >> 20), count: key.count) {
            bytesEqual($0.baseAddress!, key.baseAddress!, key.count)  // both hold key.count bytes
        }
    }

    /// The index of `key`, or nil when it is not in the table.
    @inline(__always)
    func find(_ key: UnsafeRawBufferPointer) -> Int? {
        let h = ByteKeyTable.hash(key)
        let tag = h & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { return nil }
            if s & 0xFFFF_FFFF_0000_0000 == tag {
                let idx = Int(s & 0xFFFF_FFFF) - 1
                if equal(idx, key) { return idx }
            }
            slot = (slot + 1) & mask
        }
    }

    // Prefetch stages (Harvest's pipeline): hints only, they never change the table.

    @inline(__always)
    func prefetchSlot(_ h: UInt64) { slots.prefetch(Int(truncatingIfNeeded: h) & mask) }

    /// The index in the first slot whose tag matches `h`, or -1 (a guess, not a lookup).
    @inline(__always)
    func candidate(_ h: UInt64) -> Int {
        let tag = h & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { return -1 }
            if s & 0xFFFF_FFFF_0000_0000 == tag { return Int(s & 0xFFFF_FFFF) - 1 }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    func prefetchEntry(_ idx: Int) { entries.prefetch(idx) }

    /// The full hash entry `idx` was inserted with (`ByteKeyTable.hash` of its key).
    @inline(__always)
    func storedHash(_ idx: Int) -> UInt64 { hashes[idx] }

    @inline(__always)
    func prefetchKey(_ idx: Int) { arena.prefetch(at: Int(entries[idx].span >> 20)) }

    /// The index of `key`, inserting it when new; `inserted` tells which.
    @inline(__always)
    mutating func index(of key: UnsafeRawBufferPointer) -> (index: Int, inserted: Bool) {
        index(of: key, hash: ByteKeyTable.hash(key))
    }

    /// `index(of:)` with the key's hash already computed (`ByteKeyTable.hash(key)`).
    @inline(__always)
    mutating func index(of key: UnsafeRawBufferPointer, hash h: UInt64) -> (index: Int, inserted: Bool) {
        let tag = h & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { break }
            if s & 0xFFFF_FFFF_0000_0000 == tag {
                let idx = Int(s & 0xFFFF_FFFF) - 1
                if equal(idx, key) { return (idx, false) }
            }
            slot = (slot + 1) & mask
        }
        let idx = entries.count
        let offset = arena.append(key)
        entries.append(AddressEntry(span: UInt64(offset) << 20 | UInt64(key.count)))
        hashes.append(h)
        slots[slot] = tag | UInt64(idx + 1)
        if entries.count * 2 > mask + 1 { growSlots() }
        return (idx, true)
    }

    private mutating func growSlots() {
        let size = (mask + 1) * 2
        slots = PlainArray(zeros: size)  // the old slots are freed here
        mask = size - 1
        for idx in 0..<entries.count {
            let h = hashes[idx]
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(idx + 1)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
