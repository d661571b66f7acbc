/// `traplist.nft`, loaded with `nft -f traplist.nft`.
///
/// The file is one nft transaction: every line applies or nothing changes. It declares table
/// `inet <table>` with two interval sets `<set>4` and `<set>6` (declaring them again is harmless),
/// flushes both, and adds the exported blocks. An empty family gets no `add element` line
/// (`{ }` is a syntax error), so loading an empty list empties the set.
public enum NftWriter {
    public static let file = "traplist.nft"
    /// Elements per `add element` line: nft reads one line at a time; a few thousand keep the
    /// lines short without multiplying them (still one transaction).
    public static let elementsPerLine = 4096

    /// The whole file. `blocks`: the exported cover (sorted, IPv4 first); `hosts`: how many
    /// exported hosts it covers (for the header).
    public static func render(
        blocks: [CIDR], hosts: Int, domains: [String], now: Int64, ttlHours: Int, config: NftConfig
    ) -> [UInt8] {
        let table = config.table
        let set4 = config.set + "4"
        let set6 = config.set + "6"
        var out = Array("#!/usr/sbin/nft -f\n".utf8)
        out +=
            HostListWriter.header(
                title: "\(file) — load with: nft -f \(file) (table inet \(table), sets @\(set4) and @\(set6))",
                blocks: blocks, hosts: hosts, domains: domains, now: now, ttlHours: ttlHours
            ).utf8
        out +=
            """
            table inet \(table) {
                set \(set4) { type ipv4_addr; flags interval; auto-merge; }
                set \(set6) { type ipv6_addr; flags interval; auto-merge; }
            }
            flush set inet \(table) \(set4)
            flush set inet \(table) \(set6)

            """.utf8
        out.reserveCapacity(out.count + blocks.count * 20)
        for (set, family) in [
            (set4, blocks.filter { $0.address.isIPv4 }), (set6, blocks.filter { !$0.address.isIPv4 }),
        ] {
            var start = 0
            while start < family.count {
                let end = min(start + elementsPerLine, family.count)
                out += "add element inet \(table) \(set) { ".utf8
                for i in start..<end {
                    if i > start { out += ", ".utf8 }
                    out += family[i].description.utf8
                }
                out += " }\n".utf8
                start = end
            }
        }
        return out
    }
}
