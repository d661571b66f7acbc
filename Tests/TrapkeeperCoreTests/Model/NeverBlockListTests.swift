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
            "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255", "::", "::1", "::ffff:0:0/96",
            "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7",
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
            ("::1", "", "::2"),
            ("::ffff:0:0/96", "::fffe:ffff:ffff", "::1:0:0:0"),
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
        "192.175.48.1", "223.255.255.255", "2a00:1450:4001::1", "2606:4700::1111", "2002:c000:204::1",
        "64:ff9b::808:808", "2620:4f:8000::1", "::2", "2000::1",
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
        ("::ffff:1.2.3.4", "::ffff:0:0/96"),
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
        // 0.0.0.1 is never-block as IPv4 (0/8); the IPv6 address ::1 is never-block as loopback,
        // but ::2 (same low bits as 0.0.0.2) is not.
        #expect(Self.list.contains(IPAddress("0.0.0.2")!))
        #expect(!Self.list.contains(IPAddress("::2")!))
        let v6Only = NeverBlockList(extra: [CIDR("::/96")!])
        #expect(!v6Only.contains(IPAddress("1.2.3.4")!))
        #expect(v6Only.contains(IPAddress("::1.2.3.4")!))
    }
}
