/// The harvest's trap hits per (host, address): first, last and last non-verifier hit of each
/// pair, found by key (host index << 32 | address index) in an open-addressing hash table whose
/// slots hold the values themselves.
///
/// It replaces a `[UInt64: Int32]` dictionary into an array of pairs, whose SipHash hashing,
/// probing and growing were 13 % of the instructions of the 1 M-line dry run: 2.672 G → 2.276 G
/// instructions (bench/README.md). One table instead of an index and an array is also one
/// random memory access per hit instead of two; the time saved by that was within the noise of
/// this machine.
///
/// Pairs are never removed; they are numbered in the order they were first hit (`subscript`).
struct PairTable {
    /// One host's hits to one address (`lastNonVerifier` .min: every one was a verifier's).
    struct Slot {
        var key: UInt64
        var first: Int64
        var last: Int64
        var lastNonVerifier: Int64
    }

    /// Marks a free slot; no real key has it (host and address indexes are far below 2³²−1).
    private static let emptyKey = UInt64.max
    private var slots: [Slot]
    private var mask: Int
    /// 64 − log₂(size): the home slot is the top bits of the key times a constant.
    private var shift: UInt64
    /// The slot of pair `i` (pairs in the order they were first hit).
    private var order: [Int32] = []

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        slots = [Slot](repeating: Slot(key: PairTable.emptyKey, first: 0, last: 0, lastNonVerifier: 0), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// Number of pairs.
    var count: Int { order.count }

    /// The key of host `host`'s hits to address `address`.
    static func key(host: Int, address: Int) -> UInt64 { UInt64(UInt32(host)) << 32 | UInt64(UInt32(address)) }

    /// Pair `i`: host and address index, first, last and last non-verifier hit.
    subscript(i: Int) -> (host: Int, address: Int, first: Int64, last: Int64, lastNonVerifier: Int64) {
        let s = slots[Int(order[i])]
        return (Int(s.key >> 32), Int(s.key & 0xFFFF_FFFF), s.first, s.last, s.lastNonVerifier)
    }

    /// Calls `body` with every pair (host, address, first, last, last non-verifier hit), in the
    /// table's memory order: one sequential pass, for the merge, which sorts them anyway.
    func forEachPair(_ body: (Int, Int, Int64, Int64, Int64) throws -> Void) rethrows {
        for s in slots where s.key != PairTable.emptyKey {
            try body(Int(s.key >> 32), Int(s.key & 0xFFFF_FFFF), s.first, s.last, s.lastNonVerifier)
        }
    }

    /// Adds hits to the pair `key`: its first hit only moves earlier, its last and last
    /// non-verifier hits only later; a new pair is numbered after the others.
    @inline(__always)
    mutating func note(_ key: UInt64, first: Int64, last: Int64, lastNonVerifier: Int64) {
        var slot = home(key)
        while true {
            let k = slots[slot].key
            if k == key {
                if first < slots[slot].first { slots[slot].first = first }
                if last > slots[slot].last { slots[slot].last = last }
                if lastNonVerifier > slots[slot].lastNonVerifier { slots[slot].lastNonVerifier = lastNonVerifier }
                return
            }
            if k == PairTable.emptyKey { break }
            slot = (slot + 1) & mask
        }
        precondition(key != PairTable.emptyKey, "PairTable: the empty key cannot be stored")
        if 2 * (order.count + 1) > slots.count {
            grow()
            slot = freeSlot(key)
        }
        slots[slot] = Slot(key: key, first: first, last: last, lastNonVerifier: lastNonVerifier)
        order.append(Int32(slot))
    }

    /// The home slot of `key`: a multiplicative (Fibonacci) hash.
    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The first free slot from `key`'s home on.
    private func freeSlot(_ key: UInt64) -> Int {
        var slot = home(key)
        while slots[slot].key != PairTable.emptyKey { slot = (slot + 1) & mask }
        return slot
    }

    /// Doubles the table (load stays at most ½) and re-inserts every pair in its order.
    private mutating func grow() {
        let old = slots
        slots = [Slot](
            repeating: Slot(key: PairTable.emptyKey, first: 0, last: 0, lastNonVerifier: 0), count: old.count * 2)
        mask = slots.count - 1
        shift -= 1
        for i in order.indices {
            let s = old[Int(order[i])]
            let slot = freeSlot(s.key)
            slots[slot] = s
            order[i] = Int32(slot)
        }
    }
}
