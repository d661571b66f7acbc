/// A hash set of byte strings that hands out dense indexes, looked up by a borrowed buffer so
/// the hot path allocates nothing for keys it has seen before.
struct ByteKeyTable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = []
    private var lengths: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]  // -1 empty, else index
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        arena.reserveCapacity(capacity * 24)
    }

    var count: Int { offsets.count }

    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        let n = key.count
        while i + 8 <= n {
            let w = key.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h
    }

    /// The index of `key`, inserting it when new; `inserted` tells which.
    @inline(__always)
    mutating func index(of key: UnsafeRawBufferPointer) -> (index: Int, inserted: Bool) {
        let h = ByteKeyTable.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s < 0 { break }
            let idx = Int(s)
            if hashes[idx] == h && Int(lengths[idx]) == key.count {
                let equal = arena.withUnsafeBytes { a in
                    key.count == 0 || memcmp(a.baseAddress! + offsets[idx], key.baseAddress!, key.count) == 0
                }
                if equal { return (idx, false) }
            }
            slot = (slot + 1) & mask
        }
        let idx = offsets.count
        offsets.append(arena.count)
        lengths.append(Int32(key.count))
        hashes.append(h)
        arena.append(contentsOf: key)
        slots[slot] = Int32(idx)
        if offsets.count * 2 > slots.count { grow() }
        return (idx, true)
    }

    /// The index of `key` if present.
    func find(_ key: UnsafeRawBufferPointer) -> Int? {
        let h = ByteKeyTable.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s < 0 { return nil }
            let idx = Int(s)
            if hashes[idx] == h && Int(lengths[idx]) == key.count {
                let equal = arena.withUnsafeBytes { a in
                    key.count == 0 || memcmp(a.baseAddress! + offsets[idx], key.baseAddress!, key.count) == 0
                }
                if equal { return idx }
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for idx in 0..<offsets.count {
            var slot = Int(truncatingIfNeeded: hashes[idx]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(idx)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
