import Testing

@testable import TrapkeeperCore

@Suite struct NeverBlockListTests {
    static let list = NeverBlockList(extra: [])

    /// The last address of a block.
    static func last(_ block: CIDR) -> IPAddress {
        if block.address.isIPv4 {
            return IPAddress(v4: block.address.v4 | CIDRAggregator.hostMask32(block.prefix))
        }
        let (mh, ml) = CIDR.mask128(block.prefix)
        return IPAddress(v6High: block.address.high | ~mh, v6Low: block.address.low | ~ml)
    }

    @Test(arguments: NeverBlockList.builtIn)
    func firstAndLastAddressInside(_ block: CIDR) {
        #expect(Self.list.contains(block.address))
        #expect(Self.list.contains(Self.last(block)))
        #expect(Self.list.matchingBlock(block.address) != nil)
        #expect(Self.list.matchingBlock(Self.last(block))?.contains(Self.last(block)) == true)
    }

    @Test func builtInHasTheRequiredRanges() {
        let required = [
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
            "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255", "::", "::1", "64:ff9b:1::/48",
            "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7",
            "fe80::/10", "ff00::/8",
        ]
        for text in required { #expect(NeverBlockList.builtIn.contains(CIDR(text)!), "\(text) missing") }
        #expect(Set(NeverBlockList.builtIn).count == NeverBlockList.builtIn.count)
    }

    /// (block, the address just below it, the address just above it); "" = that neighbour is
    /// itself never-block (or does not exist).
    @Test(
        arguments: [
            ("0.0.0.0/8", "", "1.0.0.0"),
            ("10.0.0.0/8", "9.255.255.255", "11.0.0.0"),
            ("100.64.0.0/10", "100.63.255.255", "100.128.0.0"),
            ("127.0.0.0/8", "126.255.255.255", "128.0.0.0"),
            ("169.254.0.0/16", "169.253.255.255", "169.255.0.0"),
            ("172.16.0.0/12", "172.15.255.255", "172.32.0.0"),
            ("192.0.0.0/24", "191.255.255.255", "192.0.1.0"),
            ("192.0.2.0/24", "192.0.1.255", "192.0.3.0"),
            ("192.168.0.0/16", "192.167.255.255", "192.169.0.0"),
            ("198.18.0.0/15", "198.17.255.255", "198.20.0.0"),
            ("198.51.100.0/24", "198.51.99.255", "198.51.101.0"),
            ("203.0.113.0/24", "203.0.112.255", "203.0.114.0"),
            ("224.0.0.0/4", "223.255.255.255", ""),
            ("::1", "", ""),  // ::2 is the IPv4-compatible form of 0.0.0.2: never-block too
            ("64:ff9b:1::/48", "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "64:ff9b:2::"),
            ("100::/64", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""),
            ("100:0:0:1::/64", "", "100:0:0:2::"),
            ("2001::/23", "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:200::"),
            ("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"),
            ("3fff::/20", "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::"),
            ("5f00::/16", "5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "5f01::"),
            ("fc00::/7", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::"),
            ("fe80::/10", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::"),
            ("ff00::/8", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""),
        ] as [(String, String, String)])
    func neighboursAreOutside(_ block: String, _ below: String, _ above: String) {
        let cidr = CIDR(block)!
        #expect(Self.list.matchingBlock(cidr.address) == cidr)
        #expect(Self.list.matchingBlock(Self.last(cidr)) == cidr)
        for text in [below, above] where !text.isEmpty {
            let ip = IPAddress(text)!
            #expect(!Self.list.contains(ip), "\(text) should be exportable")
            #expect(Self.list.matchingBlock(ip) == nil)
        }
    }

    @Test(arguments: [
        "1.1.1.1", "8.8.8.8", "9.255.255.255", "192.0.1.1", "192.88.99.1", "192.31.196.1", "192.52.193.1",
        "192.175.48.1", "223.255.255.255", "2a00:1450:4001::1", "2606:4700::1111", "2002:5db8:d822::1",
        "64:ff9b::808:808", "2620:4f:8000::1", "2000::1",
    ])
    func globallyReachableIsNotNeverBlock(_ text: String) {
        #expect(!Self.list.contains(IPAddress(text)!))
    }

    @Test(arguments: [
        ("255.255.255.255", "255.255.255.255"),
        ("255.255.255.254", "240.0.0.0/4"),
        ("0.0.0.0", "0.0.0.0/8"),
        ("192.0.0.9", "192.0.0.0/24"),
        ("::", "::"),
        ("::ffff:10.1.2.3", "10.0.0.0/8"),
        ("2001::1", "2001::/23"),
        ("2001:1::1", "2001::/23"),
        ("ff02::1", "ff00::/8"),
        ("fd12:3456::1", "fc00::/7"),
    ])
    func mostSpecificMatch(_ ip: String, _ block: String) {
        #expect(Self.list.matchingBlock(IPAddress(ip)!) == CIDR(block)!)
        #expect(Self.list.contains(IPAddress(ip)!))
    }

    @Test func extraBlocks() {
        let list = NeverBlockList(extra: [
            CIDR("5.6.7.0/24")!, CIDR("10.9.8.0/28")!, CIDR("2a01:4f8::/32")!, CIDR("8.8.8.8")!,
        ])
        #expect(list.contains(IPAddress("5.6.7.0")!))
        #expect(list.contains(IPAddress("5.6.7.255")!))
        #expect(!list.contains(IPAddress("5.6.8.0")!))
        #expect(!list.contains(IPAddress("5.6.6.255")!))
        #expect(list.matchingBlock(IPAddress("5.6.7.8")!) == CIDR("5.6.7.0/24")!)
        #expect(list.matchingBlock(IPAddress("10.9.8.15")!) == CIDR("10.9.8.0/28")!)
        #expect(list.matchingBlock(IPAddress("10.9.8.16")!) == CIDR("10.0.0.0/8")!)
        #expect(list.matchingBlock(IPAddress("2a01:4f8:1::1")!) == CIDR("2a01:4f8::/32")!)
        #expect(!list.contains(IPAddress("2a01:4f9::")!))
        #expect(list.contains(IPAddress("8.8.8.8")!))
        #expect(!list.contains(IPAddress("8.8.8.9")!))
        #expect(list.blocks.count == NeverBlockList.builtIn.count + 4)
        // The default list knows nothing of them.
        #expect(!Self.list.contains(IPAddress("5.6.7.8")!))
        #expect(!Self.list.contains(IPAddress("2a01:4f8::1")!))
    }

    @Test func familiesDoNotMix() {
        // An IPv4 block covers the IPv6 forms that embed its addresses (below), not an IPv6
        // address that merely has the same low 32 bits; an IPv6 block covers no IPv4 host.
        let v4Only = NeverBlockList(extra: [CIDR("5.6.7.0/24")!])
        #expect(v4Only.contains(IPAddress("5.6.7.8")!))
        #expect(!v4Only.contains(IPAddress("2a01::506:708")!))
        #expect(!v4Only.contains(IPAddress("2a01::5.6.7.8")!))
        let v6Only = NeverBlockList(extra: [CIDR("2a01::/96")!])
        #expect(!v6Only.contains(IPAddress("1.2.3.4")!))
        #expect(v6Only.contains(IPAddress("2a01::1.2.3.4")!))
    }

    // MARK: IPv6 forms that carry an IPv4 address

    /// IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96),
    /// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are the IPv4 host they carry:
    /// never-block when that host is, through the IPv4 block that holds it.
    @Test(arguments: [
        ("::ffff:10.1.2.3", "10.0.0.0/8"),
        ("::ffff:127.0.0.1", "127.0.0.0/8"),
        ("::ffff:192.168.1.1", "192.168.0.0/16"),
        ("::ffff:0.0.0.0", "0.0.0.0/8"),
        ("::ffff:255.255.255.255", "255.255.255.255"),
        ("::10.1.2.3", "10.0.0.0/8"),
        ("::172.16.0.1", "172.16.0.0/12"),
        ("::2", "0.0.0.0/8"),
        ("::ffff:0:a01:203", "10.0.0.0/8"),
        ("::ffff:0:7f00:1", "127.0.0.0/8"),
        ("64:ff9b::7f00:1", "127.0.0.0/8"),
        ("64:ff9b::10.9.8.7", "10.0.0.0/8"),
        ("64:ff9b::a9fe:a9fe", "169.254.0.0/16"),
        ("64:ff9b::c000:201", "192.0.2.0/24"),
        ("2002:c0a8:0101::1", "192.168.0.0/16"),
        ("2002:c0a8:101:5:1234:5678:9abc:def0", "192.168.0.0/16"),
        ("2002:7f00:1::", "127.0.0.0/8"),
        ("2002:a00:1::1", "10.0.0.0/8"),
        ("2002:6440:1::1", "100.64.0.0/10"),
        ("2002:e000:1::1", "224.0.0.0/4"),
        ("2002:c000:204::1", "192.0.2.0/24"),
    ])
    func embeddedIPv4IsJudgedByIt(_ ip: String, _ block: String) {
        let address = IPAddress(ip)!
        #expect(Self.list.contains(address), "\(ip) must never be exported")
        #expect(Self.list.matchingBlock(address) == CIDR(block)!, "\(ip)")
    }

    /// The same forms of a globally reachable IPv4 host are not never-block by their form:
    /// `::ffff:8.8.8.8` is judged as 8.8.8.8.
    @Test(arguments: [
        "::ffff:8.8.8.8", "::8.8.8.8", "::ffff:0:808:808", "64:ff9b::808:808", "2002:808:808::1",
        "2002:5db8:d822:1::25", "::ffff:192.88.99.1",
    ])
    func embeddedGloballyReachableIsNotNeverBlock(_ ip: String) {
        #expect(!Self.list.contains(IPAddress(ip)!), "\(ip)")
        #expect(Self.list.matchingBlock(IPAddress(ip)!) == nil, "\(ip)")
    }

    /// A configured IPv4 network covers its hosts in every embedding form; a configured block
    /// of IPv4-mapped addresses covers the plain IPv4 hosts it stands for.
    @Test func configuredBlocksCoverTheTwins() {
        let list = NeverBlockList(extra: [CIDR("5.6.7.0/24")!, CIDR("::ffff:9.9.9.0/120")!])
        for ip in ["5.6.7.8", "::ffff:5.6.7.8", "::5.6.7.8", "::ffff:0:506:708", "64:ff9b::506:708", "2002:506:708::1"]
        {
            #expect(list.contains(IPAddress(ip)!), "\(ip)")
            #expect(list.matchingBlock(IPAddress(ip)!) == CIDR("5.6.7.0/24")!, "\(ip)")
        }
        for ip in ["5.6.8.1", "::ffff:5.6.8.1", "2002:506:801::1", "64:ff9b::506:801", "9.9.10.1"] {
            #expect(!list.contains(IPAddress(ip)!), "\(ip)")
        }
        #expect(list.contains(IPAddress("9.9.9.9")!))
        #expect(list.contains(IPAddress("::ffff:9.9.9.9")!))
        #expect(list.contains(IPAddress("2002:909:909::1")!))
    }

    /// Teredo (2001::/32) carries the client's public IPv4 address (XOR 0xffffffff in the last
    /// 32 bits), but the whole block is never-block already, whatever it carries.
    @Test(arguments: ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", "2001:0:4136:e378:8000:63bf:f5fe:fefc"])
    func teredoIsNeverBlockWhateverItCarries(_ ip: String) {
        #expect(Self.list.contains(IPAddress(ip)!))
        #expect(Self.list.matchingBlock(IPAddress(ip)!) == CIDR("2001::/23")!)
    }

    /// The local-use NAT64 prefix is never-block as a whole (RFC 8215: not globally reachable).
    @Test func localUseNAT64IsNeverBlockWhateverItCarries() {
        #expect(Self.list.contains(IPAddress("64:ff9b:1:808:808::")!))
        #expect(Self.list.contains(IPAddress("64:ff9b:1::808:808")!))
    }
}
