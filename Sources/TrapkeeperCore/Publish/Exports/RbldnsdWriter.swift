/// `traplist.rbldnsd` (an ip4set dataset) and `traplist6.rbldnsd` (an ip6trie dataset), served by
/// `rbldnsd … zone:ip4set:traplist.rbldnsd zone:ip6trie:traplist6.rbldnsd`.
///
/// Each file starts with the optional `$SOA` and `$NS` lines, then `$TIMESTAMP <run time, UTC>
/// +<valid_hours>h`: a zone whose publisher stopped refreshing it answers SERVFAIL once that has
/// passed, instead of blocking on stale data (rbldnsd also refuses a file stamped in the
/// future). Then the default answer line `:<a>:<txt>` and one address or CIDR per line.
public enum RbldnsdWriter {
    public static let file4 = "traplist.rbldnsd"
    public static let file6 = "traplist6.rbldnsd"
    /// TTL of the `$SOA` and `$NS` records, and the SOA timers (refresh, retry, expire, minimum).
    static let soaTail = "3600 600 86400 300"
    static let recordTTL = 3600

    /// The two files: (IPv4 file, IPv6 file). `hosts4`, `hosts6`: the exported hosts of each
    /// family (for the headers).
    public static func render(
        blocks: [CIDR], hosts4: Int, hosts6: Int, domains: [String], now: Int64, ttlHours: Int,
        config: RbldnsdConfig
    ) -> (v4: [UInt8], v6: [UInt8]) {
        let serve =
            "rbldnsd -r <publish_dir> -b <addr>/<port> \(config.zone):ip4set:\(file4) \(config.zone):ip6trie:\(file6)"
        let v4 = blocks.filter { $0.address.isIPv4 }
        let v6 = blocks.filter { !$0.address.isIPv4 }
        func one(_ file: String, _ family: [CIDR], _ hosts: Int, _ what: String) -> [UInt8] {
            var out = Array(
                HostListWriter.header(
                    title: "\(file) — \(what) of the DNSBL \(config.zone); serve with: \(serve)", blocks: family,
                    hosts: hosts, domains: domains, now: now, ttlHours: ttlHours
                ).utf8)
            out += specials(now: now, config: config).utf8
            out.reserveCapacity(out.count + family.count * 18)
            for b in family {
                out += b.description.utf8
                out.append(10)
            }
            return out
        }
        return (one(file4, v4, hosts4, "the IPv4 hosts"), one(file6, v6, hosts6, "the IPv6 hosts"))
    }

    /// The `$` lines and the default answer, each ending in a newline.
    static func specials(now: Int64, config: RbldnsdConfig) -> String {
        var s = ""
        if let soa = config.soa {
            s += "$SOA \(recordTTL) \(soa.origin) \(soa.person) \(UInt32(clamping: now)) \(soaTail)\n"
        }
        if !config.ns.isEmpty { s += "$NS \(recordTTL) \(config.ns.joined(separator: " "))\n" }
        s += "$TIMESTAMP \(timestamp(now)) +\(config.validHours)h\n"
        s += ":\(config.a):\(config.txt)\n"
        return s
    }

    /// `YYYYMMDDhhmmss` in UTC, the form rbldnsd's `$TIMESTAMP` reads.
    static func timestamp(_ epoch: Int64) -> String {
        String(TimeText.utc(epoch).filter(\.isNumber))
    }
}
