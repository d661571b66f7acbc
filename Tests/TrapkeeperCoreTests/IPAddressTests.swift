import Testing

@testable import TrapkeeperCore

@Suite struct IPAddressTests {
    @Test(arguments: ["0.0.0.0", "1.2.3.4", "255.255.255.255", "10.20.30.40"])
    func parsesAndPrintsIPv4(_ text: String) {
        let ip = IPAddress(text)
        #expect(ip?.isIPv4 == true)
        #expect(ip?.description == text)
    }

    @Test(arguments: ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 ", "", "a.b.c.d", "1..2.3"])
    func rejectsBadIPv4(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(arguments: [("2001:db8::1", "2001:db8::1"), ("::1", "::1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1")])
    func parsesIPv6(_ text: String, _ printed: String) {
        let ip = IPAddress(text)
        #expect(ip?.isIPv4 == false)
        #expect(ip?.description == printed)
    }

    @Test func ordersIPv4BeforeIPv6() {
        #expect(IPAddress("255.255.255.255")! < IPAddress("::")!)
        #expect(IPAddress("1.2.3.4")! < IPAddress("1.2.3.5")!)
    }

    @Test func cidrParsing() {
        #expect(CIDR("10.0.0.0/8")?.prefix == 8)
        #expect(CIDR("10.1.0.0/8") == nil)
        #expect(CIDR("1.2.3.4")?.isHost == true)
        #expect(CIDR("2001:db8::/32")?.contains(IPAddress("2001:db8:1::5")!) == true)
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("10.0.0.0/") == nil)
    }
}
