/// A hash map from IP address to a dense index, with a cheap multiplicative hash: the host
/// lookup happens once per tuple line, and Swift's seeded `Hasher` costs more than the rest of
/// the lookup.
struct IPKeyTable {
    private var keys: [IPAddress] = []
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        keys.reserveCapacity(capacity)
    }

    var count: Int { keys.count }
    var all: [IPAddress] { keys }

    @inline(__always)
    static func hash(_ ip: IPAddress) -> Int {
        var h = (ip.low ^ (ip.high &* 0x9E37_79B9_7F4A_7C15)) &+ (ip.isIPv4 ? 1 : 2)
        h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
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
        if keys.count * 2 > slots.count { grow() }
        return (idx, true)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for (idx, ip) in keys.enumerated() {
            var slot = IPKeyTable.hash(ip) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(idx)
        }
    }
}
