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
}
