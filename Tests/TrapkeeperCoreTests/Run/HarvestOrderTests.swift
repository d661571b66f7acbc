import Foundation
import Testing

@testable import TrapkeeperCore

/// The harvest applies records a little after they arrive (so their table memory can be
/// prefetched) and applies a record too long for its pipeline at once, after the ones before
/// it. Either way the order of the file decides: the first sighting read is an address's
/// evidence, a SPAMTRAP line before a GREY line is the evidence of its address, and the
/// counts and hosts are those of the whole file.
@Suite struct HarvestOrderTests {
    @Test func firstSightingWinsAcrossPipelineAndLongLines() throws {
        let s = try Scene()
        let t: Int64 = 1_700_000_000
        let longHelo = String(repeating: "h", count: 1500)
        var text = ""
        for i in 0..<40 {
            text += grey(
                "10.0.0.\(i)", from: "s\(i)@spam.example", to: i == 39 ? "long@bsdly.com" : "a\(i % 7)@bsdly.com",
                at: t + Int64(i))
        }
        text += grey("10.1.0.1", from: "x@spam.example", to: "long@bsdly.com", at: t + 100, helo: longHelo)  // line 41
        text += grey("10.1.0.2", from: "y@spam.example", to: "long@bsdly.com", at: t + 50)  // line 42
        text += "SPAMTRAP|st@bsdly.net\n"  // line 43
        text += grey("10.1.0.3", from: "z@spam.example", to: "st@bsdly.net", at: t + 10)  // line 44
        for i in 0..<40 { text += grey("10.0.1.\(i)", from: "q@spam.example", to: "b\(i)@bsdly.net", at: t) }
        text += "TRAPPED|10.1.0.1|\(t + 999)\n"  // line 85
        let out = try s.classify(text, now: t + 1000)
        let byAddress = Dictionary(uniqueKeysWithValues: out.harvest.addresses.map { ($0.address, $0) })
        let long = try #require(byAddress["long@bsdly.com"])
        // Line 40 is still in the pipeline when the long line 41 arrives: it must go first.
        #expect(long.evidence?.line == 40)
        #expect(long.evidence?.helo == "mx.example")
        #expect(long.firstSeen == t + 39 && long.lastSeen == t + 100)
        #expect(byAddress["st@bsdly.net"]?.evidence?.line == 43)
        #expect(byAddress["st@bsdly.net"]?.evidence?.kind == "SPAMTRAP")
        #expect(byAddress["a0@bsdly.com"]?.evidence?.line == 1)
        #expect(byAddress["b39@bsdly.net"]?.evidence?.line == 84)
        #expect(byAddress.count == 7 + 2 + 40)
        let hosts = out.harvest.hosts
        #expect(hosts.count == 40 + 3 + 40)
        #expect(hosts[IPAddress("10.1.0.1")!]?.trappedExpire == t + 999)
        #expect(hosts[IPAddress("10.1.0.1")!]?.trappedEvidence?.line == 85)
        #expect(hosts[IPAddress("10.1.0.1")!]?.hitEvidence?.line == 41)
        #expect(hosts[IPAddress("10.1.0.1")!]?.hitEvidence?.helo == String(repeating: "h", count: 200) + "…")
        #expect(out.harvest.counts.records[.grey] == 83)
        #expect(out.harvest.counts.records[.spamtrap] == 1)
        #expect(out.harvest.counts.records[.trapped] == 1)
    }

    /// Waiting records point into the parser's read buffer instead of holding copies; the
    /// buffer is refilled every 1 MiB. Every record's evidence (its helo, sender and line,
    /// unique per line here) must still be the bytes of its own line across those refills.
    @Test func evidenceSurvivesReadBufferRefills() throws {
        let s = try Scene()
        let t: Int64 = 1_700_000_000
        var text = ""
        let lines = 30_000  // about 3.5 MiB: three refills, each with records still waiting
        for i in 0..<lines {
            text += grey(
                "10.\(i >> 16).\((i >> 8) & 255).\(i & 255)", from: "sender\(i)@spam.example",
                to: "trap\(i)@bsdly.com", at: t + Int64(i), helo: "helo\(i).example")
        }
        #expect(text.utf8.count > 3 * LineReader.chunkBytes)
        let out = try s.classify(text, now: t + Int64(lines))
        var checked = 0
        for a in out.harvest.addresses {
            let i = try #require(Int(a.address.dropFirst(4).prefix { $0 != "@" }))
            let e = try #require(a.evidence)
            #expect(e.line == i + 1, "\(a.address)")
            #expect(e.helo == "helo\(i).example", "\(a.address)")
            #expect(e.sender == "<sender\(i)@spam.example>", "\(a.address)")
            checked += 1
        }
        #expect(checked == lines)
    }
}
