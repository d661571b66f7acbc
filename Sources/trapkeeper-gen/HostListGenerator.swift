/// Writes a list of IPv4 host addresses, one per line, clustered the way trapped hosts are:
/// about 20 % in completely filled /24s (a rented block), 30 % in runs of 2–64 neighbours
/// (a botnet in one provider's pool), the rest scattered, with about 1 % repeated. The order is
/// shuffled, as in a spamd dump (hash order).
struct HostListGenerator {
    static let fullBlockShare = 0.2
    static let runShare = 0.3
    static let duplicateShare = 0.01

    let count: Int
    let seed: UInt64

    func run(to w: ByteWriter) throws {
        var rng = SplitMix64(seed: seed ^ 0x686f_7374)
        var hosts: [UInt32] = []
        hosts.reserveCapacity(count)
        func publicAddress() -> UInt32 {
            let first = Vocabulary.publicFirstOctets[rng.below(Vocabulary.publicFirstOctets.count)]
            return first << 24 | UInt32(truncatingIfNeeded: rng.next()) & 0x00ff_ffff
        }
        let blockTarget = Int(Double(count) * HostListGenerator.fullBlockShare)
        while hosts.count + 256 <= blockTarget {
            let base = publicAddress() & 0xffff_ff00
            for i in 0..<256 { hosts.append(base | UInt32(i)) }
        }
        let runTarget = hosts.count + Int(Double(count) * HostListGenerator.runShare)
        while hosts.count < runTarget {
            let length = min(2 + rng.below(63), runTarget - hosts.count)
            let start = publicAddress()
            for i in 0..<length { hosts.append(start + UInt32(i)) }  // first octet ≤ 217: no overflow
        }
        let duplicates = Int(Double(count) * HostListGenerator.duplicateShare)
        while hosts.count < count - duplicates {
            hosts.append(publicAddress())
        }
        while hosts.count < count, !hosts.isEmpty {
            hosts.append(hosts[rng.below(hosts.count)])
        }
        if hosts.count > count { hosts.removeLast(hosts.count - count) }
        for i in stride(from: hosts.count - 1, to: 0, by: -1) {
            hosts.swapAt(i, rng.below(i + 1))
        }
        for h in hosts {
            w.ipv4(h)
            try w.newline()
        }
    }
}
