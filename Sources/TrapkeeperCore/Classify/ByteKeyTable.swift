/// A hash set of byte strings that hands out dense indexes, looked up by a borrowed buffer so
/// the hot path allocates nothing for keys it has seen before. Keys live in one growing arena.
struct ByteKeyTable {
    private var arena: UnsafeMutableRawPointer
    private var arenaUsed = 0
    private var arenaCapacity: Int
    /// Per entry: offset into the arena, length, full hash.
    private var offsets: UnsafeMutablePointer<Int>
    private var lengths: UnsafeMutablePointer<Int32>
    private var hashes: UnsafeMutablePointer<UInt64>
    private var entryCapacity: Int
    private(set) var count = 0
    private var slots: UnsafeMutablePointer<Int32>  // -1 empty, else index
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        mask = size - 1
        entryCapacity = max(16, capacity)
        offsets = .allocate(capacity: entryCapacity)
        lengths = .allocate(capacity: entryCapacity)
        hashes = .allocate(capacity: entryCapacity)
        arenaCapacity = max(1024, capacity * 32)
        arena = .allocate(byteCount: arenaCapacity, alignment: 8)
    }

    /// Frees the memory; the table must not be used afterwards.
    func release() {
        slots.deallocate()
        offsets.deallocate()
        lengths.deallocate()
        hashes.deallocate()
        arena.deallocate()
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
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h
    }

    @inline(__always)
    private func equal(_ idx: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        Int(lengths[idx]) == key.count
            && (key.count == 0 || memcmp(arena + offsets[idx], key.baseAddress!, key.count) == 0)
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
            if hashes[idx] == h && equal(idx, key) { return (idx, false) }
            slot = (slot + 1) & mask
        }
        let idx = count
        if idx == entryCapacity { growEntries() }
        if arenaUsed + key.count > arenaCapacity { growArena(key.count) }
        if key.count > 0 { (arena + arenaUsed).copyMemory(from: key.baseAddress!, byteCount: key.count) }
        offsets[idx] = arenaUsed
        lengths[idx] = Int32(key.count)
        hashes[idx] = h
        arenaUsed += key.count
        slots[slot] = Int32(idx)
        count += 1
        if count * 2 > mask + 1 { growSlots() }
        return (idx, true)
    }

    private mutating func growEntries() {
        let n = entryCapacity * 2
        func grow<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let q = UnsafeMutablePointer<T>.allocate(capacity: n)
            q.moveInitialize(from: p, count: count)
            p.deallocate()
            return q
        }
        offsets = grow(offsets)
        lengths = grow(lengths)
        hashes = grow(hashes)
        entryCapacity = n
    }

    private mutating func growArena(_ need: Int) {
        var n = arenaCapacity * 2
        while n < arenaUsed + need { n *= 2 }
        let a = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 8)
        a.copyMemory(from: arena, byteCount: arenaUsed)
        arena.deallocate()
        arena = a
        arenaCapacity = n
    }

    private mutating func growSlots() {
        let size = (mask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        mask = size - 1
        for idx in 0..<count {
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
