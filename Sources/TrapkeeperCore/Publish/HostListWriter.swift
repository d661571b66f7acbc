/// The two host lists: `traplist.pf` (pfctl -T replace -f; IPv4 and IPv6) and
/// `traplist.spamd` (spamd-setup; IPv4 only, bare addresses and CIDRs, comments only on `#` lines).
public enum HostListWriter {
    /// Number of addresses a block covers, saturating (IPv6 blocks wider than /64 count as 2^63).
    public static func addressCount(_ b: CIDR) -> UInt64 {
        let bits = (b.address.isIPv4 ? 32 : 128) - b.prefix
        return bits >= 63 ? UInt64(1) << 63 : UInt64(1) << UInt64(bits)
    }

    static func header(
        title: String, blocks: [CIDR], hosts: Int, domains: [String], now: Int64, ttlHours: Int
    ) -> String {
        var covered: UInt64 = 0
        for b in blocks { covered = covered.addingReportingOverflow(addressCount(b)).partialValue }
        return """
            # \(title)
            # hosts that sent mail to spamtrap addresses of \(domains.joined(separator: ", "))
            # (trap hit within \(ttlHours) h, or trapped by spamd), never-block ranges and callback verifiers excluded
            # generated \(TimeText.utc(now)) by trapkeeper
            # \(blocks.count) entries covering \(hosts) trapped hosts (\(covered) addresses)

            """
    }

    /// pf table file: header, then one address or CIDR per line, IPv4 first.
    public static func pf(blocks: [CIDR], hosts: Int, domains: [String], now: Int64, ttlHours: Int) -> String {
        var out = header(
            title: "traplist.pf — load with: pfctl -t spamd-traps -T replace -f traplist.pf", blocks: blocks,
            hosts: hosts, domains: domains, now: now, ttlHours: ttlHours)
        out.reserveCapacity(out.utf8.count + blocks.count * 18)
        for b in blocks {
            out += b.description
            out += "\n"
        }
        return out
    }

    /// spamd-setup list: IPv4 only.
    public static func spamd(blocks: [CIDR], hosts: Int, domains: [String], now: Int64, ttlHours: Int) -> String {
        let v4 = blocks.filter { $0.address.isIPv4 }
        var out = header(
            title: "traplist.spamd — a spamd-setup blacklist (IPv4 only)", blocks: v4, hosts: hosts, domains: domains,
            now: now, ttlHours: ttlHours)
        for b in v4 {
            out += b.description
            out += "\n"
        }
        return out
    }
}
