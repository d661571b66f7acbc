import Testing

@testable import TrapkeeperCore

func parseLine(_ text: String) -> (ParsedRecord?, String?) {
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { buf in
        switch SpamdbLineParser.parse(UnsafeRawBufferPointer(buf), lineNumber: 1) {
        case .record(let r): return (ParsedRecord(r), nil)
        case .reject(let why): return (nil, why)
        case .unreadable(let why): return (nil, why)
        }
    }
}

@Suite struct SpamdbLineParserTests {
    @Test func greyLine() {
        let (r, _) = parseLine(
            "GREY|198.51.100.7|mail.example.net|<news-123@example.net>|<Alice@Example.ORG>|1718000000|1718014400|1718014400|1|0"
        )
        #expect(r?.kind == .grey)
        #expect(r?.ip == IPAddress("198.51.100.7"))
        #expect(r?.helo == "mail.example.net")
        #expect(r?.from == "<news-123@example.net>")
        #expect(r?.to == "<Alice@Example.ORG>")
        #expect(r?.time == 1_718_000_000)
    }

    @Test func oldHeloLessGrey() {
        let (r, _) = parseLine("GREY|203.0.113.9|<>|<postmaster@example.org>|1718000100|1718001990|1718014500|3|0")
        #expect(r?.helo == nil)
        #expect(r?.from == "<>")
        #expect(r?.to == "<postmaster@example.org>")
        #expect(r?.time == 1_718_000_100)
    }

    @Test func whiteTrappedSpamtrap() {
        #expect(parseLine("WHITE|198.51.100.7|||1718000000|1718001900|1721112360|2|5").0?.kind == .white)
        let t = parseLine("TRAPPED|192.0.2.44|1718086400").0
        #expect(t?.kind == .trapped && t?.time == 1_718_086_400 && t?.ip == IPAddress("192.0.2.44"))
        let s = parseLine("SPAMTRAP|<b>bold</b>@example.org").0
        #expect(s?.kind == .spamtrap && s?.to == "<b>bold</b>@example.org")
    }

    @Test func ipv6() {
        let (r, _) = parseLine("GREY|2001:db8::25|mx.example|<a@b.c>|<x@example.org>|1|2|3|4|5")
        #expect(r?.ip == IPAddress("2001:db8::25"))
        #expect(r?.ip.isIPv4 == false)
    }

    @Test func pipeInsideFieldsIsResolved() {
        // '|' in the helo: one reading has <…>-shaped sender and recipient.
        let (a, _) = parseLine("GREY|1.2.3.4|evil|helo|<s@x.org>|<t@example.org>|1|2|3|4|5")
        #expect(a?.helo == "evil|helo")
        #expect(a?.to == "<t@example.org>")
        // '|' inside the recipient
        let (b, _) = parseLine("GREY|1.2.3.4|h|<s@x.org>|<a|b@example.org>|1|2|3|4|5")
        #expect(b?.to == "<a|b@example.org>")
        #expect(b?.from == "<s@x.org>")
        #expect(b?.helo == "h")
    }

    @Test func ambiguousPipeIsRejected() {
        // Two readings give bracketed sender and recipient: never guess.
        let (r, why) = parseLine("GREY|1.2.3.4|<h>|<a>|<b>|<c>|1|2|3|4|5")
        #expect(r == nil)
        #expect(why?.contains("ambiguous") == true)
    }

    @Test(arguments: [
        "", "GREY", "GREY|1.2.3.4", "GREY|999.2.3.4|h|<a>|<b>|1|2|3|4|5", "GREY|1.2.3.4|h|<a>|<b>|x|2|3|4|5",
        "TRAPPED|1.2.3.4", "TRAPPED|1.2.3.4|soon", "BLUE|1.2.3.4", "SPAMTRAP|", "grey|1.2.3.4|h|<a>|<b>|1|2|3|4|5",
        "GREY|1.2.3.4|h|<a>|<b>|1|2|3|4|5|6|7",
    ])
    func rejects(_ line: String) {
        let (r, why) = parseLine(line)
        #expect(r == nil)
        #expect(why != nil)
    }

    /// A SPAMTRAP address with spaces or tabs around it is the address without them (an
    /// operator's stray blank in `spamdb -T -a`); spamd cuts every address at the first space,
    /// so one with a blank inside cannot be a trap it ever matches: rejected, with the reason.
    @Test(arguments: [
        ("SPAMTRAP| spaced@bsdly.com", "spaced@bsdly.com"), ("SPAMTRAP|spaced@bsdly.com ", "spaced@bsdly.com"),
        ("SPAMTRAP|\tspaced@bsdly.com\t", "spaced@bsdly.com"),
        ("SPAMTRAP|  \t spaced@bsdly.com \t ", "spaced@bsdly.com"),
        ("SPAMTRAP| <b>x</b>@bsdly.com", "<b>x</b>@bsdly.com"),
    ])
    func spamtrapBlanksAroundTheAddressAreTrimmed(_ line: String, _ address: String) {
        let (r, why) = parseLine(line)
        #expect(r?.kind == .spamtrap, "\(why ?? "")")
        #expect(r?.to == address)
    }

    @Test(arguments: [
        "SPAMTRAP|spa ced@bsdly.com", "SPAMTRAP|spa\tced@bsdly.com", "SPAMTRAP| two words@bsdly.com ",
        "SPAMTRAP|x@bsdly.com trailing", "SPAMTRAP| ", "SPAMTRAP|\t\t",
    ])
    func spamtrapWithABlankInsideIsRejected(_ line: String) {
        let (r, why) = parseLine(line)
        #expect(r == nil)
        #expect(why?.contains("SPAMTRAP") == true, "\(why ?? "")")
    }

    /// A dual-stack greylister logs IPv4 peers as IPv4-mapped IPv6 (`::ffff:a.b.c.d`): the host
    /// is the IPv4 address, so it gets one record and one verdict with its plain form. Other
    /// IPv6 forms that carry an IPv4 address (6to4, NAT64) are other hosts and stay IPv6.
    @Test func ipv4MappedHostsAreReadAsIPv4() {
        let g = parseLine("GREY|::ffff:10.0.0.1|mx.example|<a@b.c>|<x@example.org>|1|2|3|4|5").0
        #expect(g?.ip == IPAddress("10.0.0.1"))
        #expect(g?.ip.isIPv4 == true)
        let t = parseLine("TRAPPED|::FFFF:198.51.100.7|1718086400").0
        #expect(t?.ip == IPAddress("198.51.100.7"))
        let hex = parseLine("TRAPPED|::ffff:c633:6407|1718086400").0
        #expect(hex?.ip == IPAddress("198.51.100.7"))
        let w = parseLine("WHITE|0:0:0:0:0:ffff:8.8.8.8|||1718000000|1718001900|1721112360|2|5").0
        #expect(w?.ip == IPAddress("8.8.8.8"))
        for other in ["2002:c0a8:101::1", "64:ff9b::7f00:1", "::10.0.0.1"] {
            let r = parseLine("TRAPPED|\(other)|1718086400").0
            #expect(r?.ip == IPAddress(other))
            #expect(r?.ip.isIPv4 == false)
        }
    }
}
