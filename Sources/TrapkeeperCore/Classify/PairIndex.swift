import CScan

/// The harvest's (host, address) pairs by key (host index << 32 | address index) → pair slot:
/// an open-addressing hash table of plain integers. A `[UInt64: Int32]` dictionary did the same
/// with SipHash: a 1 M-line dump makes ~800 000 lookups, and hashing, probing and growing that
/// dictionary were 13 % of the instructions of a dry run (2.672 G → 2.359 G with this table;
/// CPU time 391 → 383 ms, median of 7 — bench/README.md). Keeping the hit times in the slots
/// too (one table instead of this and an array) saved 3.5 % more instructions but cost 20 MB and
/// a quarter more page faults, and 6 % more CPU time: not kept.
///
/// Keys are never removed. Slots hold the key and the value; `emptyKey` marks a free slot (no
/// real key has it: host and address indexes are far below 2³²−1).
struct PairIndex {
    private static let emptyKey = UInt64.max
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    /// 64 − log₂(size): the home slot is the top bits of the product.
    private var shift: UInt64
    private(set) var count = 0

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        keys = [UInt64](repeating: PairIndex.emptyKey, count: size)
        values = [Int32](repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// The home slot of `key`: a multiplicative (Fibonacci) hash, the top bits of the product.
    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The value of `key`, or nil.
    @inline(__always)
    func find(_ key: UInt64) -> Int32? {
        var slot = home(key)
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == PairIndex.emptyKey { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Asks the CPU to bring `key`'s home slot into the cache (a hint: lookups a few steps
    /// later then find it there).
    @inline(__always)
    func prefetch(_ key: UInt64) {
        let slot = home(key)
        keys.withUnsafeBufferPointer { tk_prefetch($0.baseAddress! + slot) }
        values.withUnsafeBufferPointer { tk_prefetch($0.baseAddress! + slot) }
    }

    /// Stores `value` for `key`, which must not be present (`find` first).
    mutating func insert(_ key: UInt64, _ value: Int32) {
        precondition(key != PairIndex.emptyKey, "PairIndex: the empty key cannot be stored")
        if 2 * (count + 1) > keys.count { grow() }
        var slot = home(key)
        while keys[slot] != PairIndex.emptyKey { slot = (slot + 1) & mask }
        keys[slot] = key
        values[slot] = value
        count += 1
    }

    /// Doubles the table (load stays at most ½) and re-inserts every key.
    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = [UInt64](repeating: PairIndex.emptyKey, count: oldKeys.count * 2)
        values = [Int32](repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        shift -= 1
        for (k, v) in zip(oldKeys, oldValues) where k != PairIndex.emptyKey {
            var slot = home(k)
            while keys[slot] != PairIndex.emptyKey { slot = (slot + 1) & mask }
            keys[slot] = k
            values[slot] = v
        }
    }
}
