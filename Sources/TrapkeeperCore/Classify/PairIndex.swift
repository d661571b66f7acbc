import CScan

/// The harvest's (host, address) pairs by key (host index << 32 | address index) → pair slot:
/// an open-addressing hash table of plain integers. A `[UInt64: Int32]` dictionary did the same
/// with SipHash: a 1 M-line dump makes ~800 000 lookups, and hashing, probing and growing that
/// dictionary were 13 % of the instructions of a dry run (2.672 G → 2.359 G with this table;
/// CPU time 391 → 383 ms, median of 7 — bench/README.md). Keeping the hit times in the slots
/// too (one table instead of this and an array) saved 3.5 % more instructions but cost 20 MB and
/// a quarter more page faults, and 6 % more CPU time: not kept.
///
/// Keys are never removed. A slot holds the key and its value side by side (one cache line
/// per probe; two arrays cost two misses per lookup), in `PlainArray`'s `RawMemory` (huge
/// pages for a big table). A slot stores the key inverted: zero bytes are an empty slot (no real
/// key is all ones: host and address indexes are far below 2³²−1), so a fresh table needs no fill.
struct PairIndex: ~Copyable {
    private struct Slot {
        /// `~key`; 0: empty.
        var invertedKey: UInt64
        var value: Int32
        var unused: Int32
    }
    private var slots: PlainArray<Slot>
    private var mask: Int
    /// 64 − log₂(size): the home slot is the top bits of the product.
    private var shift: UInt64
    private(set) var count = 0

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        slots = PlainArray(zeros: size)
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
        let stored = ~key
        var slot = home(key)
        while true {
            let s = slots[slot]
            if s.invertedKey == stored { return s.value }
            if s.invertedKey == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Asks the CPU to bring `key`'s home slot into the cache (a hint: lookups a few steps
    /// later then find it there).
    @inline(__always)
    func prefetch(_ key: UInt64) { slots.prefetch(home(key)) }

    /// Stores `value` for `key`, which must not be present (`find` first).
    mutating func insert(_ key: UInt64, _ value: Int32) {
        precondition(key != UInt64.max, "PairIndex: the key with every bit set cannot be stored")
        if 2 * (count + 1) > mask + 1 { grow() }
        var slot = home(key)
        while slots[slot].invertedKey != 0 { slot = (slot + 1) & mask }
        slots[slot] = Slot(invertedKey: ~key, value: value, unused: 0)
        count += 1
    }

    /// Doubles the table (load stays at most ½) and re-inserts every key.
    private mutating func grow() {
        let size = (mask + 1) * 2
        var old = PlainArray<Slot>(zeros: size)
        swap(&old, &slots)
        mask = size - 1
        shift -= 1
        for i in 0..<old.count where old[i].invertedKey != 0 {
            var slot = home(~old[i].invertedKey)
            while slots[slot].invertedKey != 0 { slot = (slot + 1) & mask }
            slots[slot] = old[i]
        }
    }  // the old slots are freed here
}
