/// A hash map from IP address to a dense index, with a cheap multiplicative hash: the host
/// lookup happens once per tuple line, and Swift's seeded `Hasher` costs more than the rest of
/// the lookup. Storage behind plain pointers (no uniqueness checks on the hot path); the owner
/// calls `release()` once.
struct IPKeyTable {
    private var keys: PlainArray<IPAddress>
    private var slots: UnsafeMutablePointer<Int32>  // -1 empty, else index
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        mask = size - 1
        keys = PlainArray(capacity: capacity)
    }

    func release() {
        keys.release()
        slots.deallocate()
    }

    var count: Int { keys.count }
    var all: [IPAddress] { (0..<keys.count).map { keys[$0] } }
    @inline(__always) func key(_ idx: Int) -> IPAddress { keys[idx] }

    @inline(__always)
    static func hash(_ ip: IPAddress) -> Int {
        var h = (ip.low ^ (ip.high &* 0x9E37_79B9_7F4A_7C15)) &+ (ip.isIPv4 ? 1 : 2)
        h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// The index of `ip`, or nil.
    @inline(__always)
    func find(_ ip: IPAddress) -> Int? {
        var slot = IPKeyTable.hash(ip) & mask
        while true {
            let s = slots[slot]
            if s < 0 { return nil }
            if keys[Int(s)] == ip { return Int(s) }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    mutating func index(of ip: IPAddress) -> (index: Int, inserted: Bool) {
        var slot = IPKeyTable.hash(ip) & mask
        while true {
            let s = slots[slot]
            if s < 0 { break }
            if keys[Int(s)] == ip { return (Int(s), false) }
            slot = (slot + 1) & mask
        }
        let idx = keys.count
        keys.append(ip)
        slots[slot] = Int32(idx)
        if keys.count * 2 > mask + 1 { grow() }
        return (idx, true)
    }

    private mutating func grow() {
        let size = (mask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        mask = size - 1
        for idx in 0..<keys.count {
            var slot = IPKeyTable.hash(keys[idx]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(idx)
        }
    }
}
