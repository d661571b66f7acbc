/// Networks whose hosts are never exported to a blocklist.
///
/// The built-in part is every IANA special-purpose range that is not globally reachable (IANA IPv4
/// and IPv6 Special-Purpose Address Registries, RFC 6890 and later updates), plus multicast and the
/// reserved class E space. Where a registry block holds a few globally reachable exceptions the
/// whole block is listed anyway: a never-block range that is too wide only prevents export, which
/// is the safe side. Ranges marked globally reachable (AS112, AMT, 64:ff9b::/96) or "N/A"
/// (deprecated 6to4 192.88.99.0/24 and 2002::/16) are left out.
///
/// An IPv6 address that carries an IPv4 address in a standard form (IPv4-mapped ::ffff:0:0/96,
/// IPv4-compatible ::/96, IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16;
/// `IPAddress.embeddedIPv4`) is never-block when that IPv4 address is — built-in or configured
/// — and otherwise only when an IPv6 block holds it: `2002:c0a8:101::1` is never-block because
/// 192.168.1.1 is, `::ffff:8.8.8.8` is judged as 8.8.8.8. (The IANA registry lists
/// ::ffff:0:0/96 as a whole; it is not listed whole here, so that an address and its mapped
/// twin get one verdict.) A configured block of IPv4-mapped addresses (`::ffff:a.b.c.0/120`)
/// covers the plain IPv4 hosts too: hosts are read from dumps and logs in their plain form.
public struct NeverBlockList: Sendable {
    public static let builtIn: [CIDR] = [
        // IPv4 — IANA IPv4 Special-Purpose Address Registry
        v4("0.0.0.0/8"),  // "This network", RFC 791 §3.2 (0.0.0.0/32 "this host", RFC 1122 §3.2.1.3)
        v4("10.0.0.0/8"),  // Private-Use, RFC 1918
        v4("100.64.0.0/10"),  // Shared Address Space (carrier-grade NAT), RFC 6598
        v4("127.0.0.0/8"),  // Loopback, RFC 1122 §3.2.1.3
        v4("169.254.0.0/16"),  // Link Local, RFC 3927
        v4("172.16.0.0/12"),  // Private-Use, RFC 1918
        // IETF Protocol Assignments, RFC 6890 §2.1: holds DS-Lite 192.0.0.0/29 (RFC 7335),
        // IPv4 dummy 192.0.0.8/32 (RFC 7600), NAT64/DNS64 discovery 192.0.0.170-171 (RFC 8880);
        // its globally reachable anycast exceptions 192.0.0.9 (RFC 7723) and 192.0.0.10 (RFC 8155)
        // are kept inside on purpose (conservative).
        v4("192.0.0.0/24"),
        v4("192.0.2.0/24"),  // Documentation TEST-NET-1, RFC 5737
        v4("192.168.0.0/16"),  // Private-Use, RFC 1918
        v4("198.18.0.0/15"),  // Benchmarking, RFC 2544
        v4("198.51.100.0/24"),  // Documentation TEST-NET-2, RFC 5737
        v4("203.0.113.0/24"),  // Documentation TEST-NET-3, RFC 5737
        v4("224.0.0.0/4"),  // Multicast, RFC 5771 (never a unicast sender)
        v4("240.0.0.0/4"),  // Reserved (former class E), RFC 1112 §4
        v4("255.255.255.255/32"),  // Limited Broadcast, RFC 919 §7, RFC 8190 (inside 240/4; named on its own)

        // IPv6 — IANA IPv6 Special-Purpose Address Registry
        v6("::/128"),  // Unspecified Address, RFC 4291 §2.5.2
        v6("::1/128"),  // Loopback Address, RFC 4291 §2.5.3
        // ::ffff:0:0/96, IPv4-mapped Address (RFC 4291 §2.5.5.2): judged by the IPv4 address (above)
        v6("64:ff9b:1::/48"),  // IPv4-IPv6 Translation, local use, RFC 8215
        v6("100::/64"),  // Discard-Only Address Block, RFC 6666
        v6("100:0:0:1::/64"),  // Dummy IPv6 Prefix, RFC 9780
        // IETF Protocol Assignments, RFC 2928, RFC 6890 §2.2.3: holds Teredo 2001::/32 (RFC 4380),
        // Benchmarking 2001:2::/48 (RFC 5180), ORCHID 2001:10::/28 (RFC 4843); its globally
        // reachable exceptions (anycast 2001:1::1-3, AMT 2001:3::/32, AS112 2001:4:112::/48,
        // ORCHIDv2 2001:20::/28, DRIP 2001:30::/28) are kept inside on purpose (conservative).
        v6("2001::/23"),
        v6("2001:db8::/32"),  // Documentation, RFC 3849
        v6("3fff::/20"),  // Documentation, RFC 9637
        v6("5f00::/16"),  // Segment Routing (SRv6) SIDs, RFC 9602
        v6("fc00::/7"),  // Unique-Local, RFC 4193, RFC 8190
        v6("fe80::/10"),  // Link-Local Unicast, RFC 4291 §2.5.6
        v6("ff00::/8"),  // Multicast, RFC 4291 §2.7 (never a unicast sender)
    ]

    /// Every block, built-in first, then the configured extras, then the IPv4 blocks that
    /// configured blocks of IPv4-mapped addresses stand for.
    public let blocks: [CIDR]

    // Lookup tables: (network, mask) per family, scanned linearly.
    private let v4Entries: [(net: UInt32, mask: UInt32, index: Int)]
    private let v6Entries: [(netHigh: UInt64, netLow: UInt64, maskHigh: UInt64, maskLow: UInt64, index: Int)]

    /// The built-in list plus `extra` (from the `never_block` configuration key).
    public init(extra: [CIDR] = []) {
        let all = NeverBlockList.builtIn + extra
        var e4: [(net: UInt32, mask: UInt32, index: Int)] = []
        var e6: [(netHigh: UInt64, netLow: UInt64, maskHigh: UInt64, maskLow: UInt64, index: Int)] = []
        var blocks = all
        for (i, block) in all.enumerated() {
            if block.address.isIPv4 {
                e4.append((block.address.v4, ~CIDRAggregator.hostMask32(block.prefix), i))
            } else {
                let (mh, ml) = CIDR.mask128(block.prefix)
                e6.append((block.address.high, block.address.low, mh, ml, i))
                // A block of IPv4-mapped addresses stands for those IPv4 hosts as well.
                if block.prefix >= 96, block.address.unmapped.isIPv4 {
                    let v4 = CIDR(address: block.address.unmapped, prefix: block.prefix - 96)
                    e4.append((v4.address.v4, ~CIDRAggregator.hostMask32(v4.prefix), blocks.count))
                    blocks.append(v4)
                }
            }
        }
        self.blocks = blocks
        v4Entries = e4
        v6Entries = e6
    }

    /// True when `ip` lies in any never-block range, or carries an IPv4 address that does.
    public func contains(_ ip: IPAddress) -> Bool {
        if ip.isIPv4 { return containsV4(ip.v4) }
        for e in v6Entries where ip.high & e.maskHigh == e.netHigh && ip.low & e.maskLow == e.netLow {
            return true
        }
        if let carried = ip.embeddedIPv4 { return containsV4(carried.address.v4) }
        return false
    }

    @inline(__always)
    private func containsV4(_ v: UInt32) -> Bool {
        for e in v4Entries where v & e.mask == e.net { return true }
        return false
    }

    /// The most specific (longest-prefix) never-block range holding `ip`, for `explain` and logs.
    /// For an IPv6 address that no IPv6 range holds, the range holding the IPv4 address it
    /// carries (`embeddedIPv4`), if any.
    public func matchingBlock(_ ip: IPAddress) -> CIDR? {
        var best: CIDR?
        if ip.isIPv4 {
            return matchingV4(ip.v4)
        }
        for e in v6Entries where ip.high & e.maskHigh == e.netHigh && ip.low & e.maskLow == e.netLow {
            let block = blocks[e.index]
            if best == nil || block.prefix > best!.prefix { best = block }
        }
        if best == nil, let carried = ip.embeddedIPv4 { return matchingV4(carried.address.v4) }
        return best
    }

    private func matchingV4(_ v: UInt32) -> CIDR? {
        var best: CIDR?
        for e in v4Entries where v & e.mask == e.net {
            let block = blocks[e.index]
            if best == nil || block.prefix > best!.prefix { best = block }
        }
        return best
    }

    private static func v4(_ text: String) -> CIDR {
        guard let block = CIDR(text), block.address.isIPv4 else { preconditionFailure("bad built-in block \(text)") }
        return block
    }

    private static func v6(_ text: String) -> CIDR {
        guard let block = CIDR(text), !block.address.isIPv4 else { preconditionFailure("bad built-in block \(text)") }
        return block
    }
}
