import Foundation
import Testing

@testable import TrapkeeperCore

/// Rules of the harvest that once differed between the fast engine and the readable rules,
/// each on the lines that showed it (`ReferenceHarvestTests` compares the two on random dumps).
@Suite struct HarvestTests {
    static let now: Int64 = 1_700_000_000

    static func harvest(_ text: String) throws -> Harvest {
        let s = try Scene()
        return try s.classify(text, now: now).harvest
    }

    /// `@bsdly.com` is in our domain with an empty local part: malformed (counted, reported with
    /// file and line), as `Classifier.classify` says — not "not ours", as the engine's domain
    /// check once said for a recipient that is nothing but `@domain`.
    @Test(arguments: [
        "GREY|203.0.113.9|mx.example|<kd@xmail.ru>|<@bsdly.com>|1699990000|1699990000|1699990000|1|0\n",
        "GREY|203.0.113.9|mx.example|<kd@xmail.ru>|@BSDLY.NET|1699990000|1699990000|1699990000|1|0\n",
        "SPAMTRAP|@bsdly.com\n",
        "Nov 14 22:00:00 fw spamd[1]: (GREY) 203.0.113.9: <kd@xmail.ru> -> <@bsdly.com>\n",
    ])
    func emptyLocalPartIsMalformedNotForeign(_ line: String) throws {
        let h = try Self.harvest(line)
        #expect(h.counts.malformed == 1)
        #expect(h.counts.notOurs == 0)
        #expect(h.malformedExamples.count == 1)
        #expect(
            h.malformedExamples.first?.contains("dump:1: address in our domain not usable (empty local part)") == true)
        #expect(h.hosts.isEmpty)
    }

    /// A sender whose bytes are `postmaster@…` is verifier-shaped even when a combining mark
    /// after the `@` makes `@` and the mark one Character: a SnertSoft probe from it is a probe
    /// (once, `matches` said yes on the bytes, `match` said no on the Characters, and the
    /// harvest stopped the whole run on its precondition).
    @Test func combiningMarkInAVerifierSenderIsStillAProbe() async {
        await #expect(processExitsWith: .success) {
            let t: Int64 = 1_700_000_000
            var book = AddressBook(delimiters: "+")
            book.addValid("alice@bsdly.com")
            let c = Classifier(domains: ["bsdly.com"], book: book, probeWindowDays: 7, harvestSenders: true)
            let h = Harvest(classifier: c, now: t)
            h.beginInput(source: "test", file: "dump")
            let line =
                "GREY|203.0.113.9|mx.example|<postmaster@\u{301}mx.example>|<ecila7@bsdly.com>|\(t)|\(t)|\(t)|1|0"
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { b in
                if case .record(let r) = SpamdbLineParser.parse(UnsafeRawBufferPointer(b), lineNumber: 1) {
                    h.add(r)
                    h.drain()
                }
            }
            guard h.counts.probes == 1, h.callbackIncidents.count == 1,
                h.hosts[IPAddress("203.0.113.9")!]?.verifierHits == 1
            else { exit(3) }
        }
    }
}
