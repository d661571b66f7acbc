import CScan

/// A hash map from IP address to a dense index, with a cheap multiplicative hash: the host
/// lookup happens once per tuple line, and Swift's seeded `Hasher` costs more than the rest of
/// the lookup. Storage in `PlainArray`s (no uniqueness checks on the hot path); not copyable:
/// it owns them, freed with it.
///
/// A slot holds the index and, for IPv4, the address itself (for IPv6, 32 bits of its hash):
/// looking up a known IPv4 host touches one slot and nothing else.
struct IPKeyTable: ~Copyable {
    private var keys: PlainArray<IPAddress>
    /// 0 empty; else high 32 bits: IPv4 value or IPv6 hash tag; bit 31: IPv4; low 31: index + 1.
    private var slots: PlainArray<UInt64>
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = PlainArray(zeros: size)
        mask = size - 1
        keys = PlainArray(capacity: capacity)
    }

    var count: Int { keys.count }
    @inline(__always) func key(_ idx: Int) -> IPAddress { keys[idx] }

    @inline(__always)
    static func hash(_ ip: IPAddress) -> UInt64 {
        var h = (ip.low ^ (ip.high &* 0x9E37_79B9_7F4A_7C15)) &+ (ip.isIPv4 ? 1 : 2)
        h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 29
        return h
    }

    private static let matchMask: UInt64 = 0xFFFF_FFFF_8000_0000

    /// The part of a slot that must match for `ip`.
    @inline(__always)
    private static func tag(_ ip: IPAddress, _ h: UInt64) -> UInt64 {
        ip.isIPv4 ? (ip.low << 32) | 0x8000_0000 : h & 0xFFFF_FFFF_0000_0000
    }

    /// The index of `ip`, or nil.
    @inline(__always)
    func find(_ ip: IPAddress) -> Int? {
        let h = IPKeyTable.hash(ip)
        let want = IPKeyTable.tag(ip, h)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { return nil }
            if s & IPKeyTable.matchMask == want {
                let idx = Int(s & 0x7FFF_FFFF) - 1
                if ip.isIPv4 || keys[idx] == ip { return idx }
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    func prefetchSlot(_ h: UInt64) { slots.prefetch(Int(truncatingIfNeeded: h) & mask) }

    /// The index in the first slot that matches `ip` (IPv4 exactly, IPv6 by tag), or -1.
    @inline(__always)
    func candidate(_ ip: IPAddress, hash h: UInt64) -> Int {
        let want = IPKeyTable.tag(ip, h)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { return -1 }
            if s & IPKeyTable.matchMask == want { return Int(s & 0x7FFF_FFFF) - 1 }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    mutating func index(of ip: IPAddress) -> (index: Int, inserted: Bool) {
        index(of: ip, hash: IPKeyTable.hash(ip))
    }

    /// `index(of:)` with `IPKeyTable.hash(ip)` already computed.
    @inline(__always)
    mutating func index(of ip: IPAddress, hash h: UInt64) -> (index: Int, inserted: Bool) {
        let want = IPKeyTable.tag(ip, h)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { break }
            if s & IPKeyTable.matchMask == want {
                let idx = Int(s & 0x7FFF_FFFF) - 1
                if ip.isIPv4 || keys[idx] == ip { return (idx, false) }
            }
            slot = (slot + 1) & mask
        }
        let idx = keys.count
        precondition(idx < 0x7FFF_FFFE, "more than 2^31 hosts")
        keys.append(ip)
        slots[slot] = want | UInt64(idx + 1)
        if keys.count * 2 > mask + 1 { grow() }
        return (idx, true)
    }

    private mutating func grow() {
        let size = (mask + 1) * 2
        slots = PlainArray(zeros: size)  // the old slots are freed here
        mask = size - 1
        for idx in 0..<keys.count {
            let ip = keys[idx]
            let h = IPKeyTable.hash(ip)
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = IPKeyTable.tag(ip, h) | UInt64(idx + 1)
        }
    }
}
