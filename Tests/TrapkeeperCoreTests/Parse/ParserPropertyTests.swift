import Foundation
import Testing

@testable import TrapkeeperCore

/// Any line in → exactly one of: a record, an ignored line, a counted reject. Never a crash.
@Suite struct ParserPropertyTests {
    static let seeds = [
        "GREY|198.51.100.7|mail.example.net|<news-123@example.net>|<Alice@Example.ORG>|1718000000|1718014400|1718014400|1|0",
        "GREY|203.0.113.9|<>|<postmaster@example.org>|1718000100|1718001990|1718014500|3|0",
        "WHITE|198.51.100.7|||1718000000|1718001900|1721112360|2|5",
        "TRAPPED|192.0.2.44|1718086400",
        "SPAMTRAP|<b>bold</b>@example.org",
        "GREY|2001:db8::25|mx|<a@b.c>|<x@example.org>|1|2|3|4|5",
        "Aug 19 14:35:38 delilah spamd[26915]: (GREY) 207.244.64.181: <> -> <mx42.antispamcloud.com-1503146097-testing@bsdly.com>",
        "Aug 19 14:35:38 delilah spamd[15291]: new entry 207.244.64.181 from <> to <x@bsdly.com>, helo mx18-12.smtp.antispamcloud.com",
        "Aug 19 14:40:02 delilah spamd[26915]: (BLACK) 5.188.10.182: <akuolsymwt@bsdly.com> -> <qwertz.asdf@bsdly.com>",
    ]

    static func mutate(_ line: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var b = line
        for _ in 0..<(1 + rng.below(4)) {
            switch rng.below(8) {
            case 0 where !b.isEmpty: b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 1: b.insert(UInt8(ascii: "|"), at: rng.below(b.count + 1))
            case 2: b.insert(0, at: rng.below(b.count + 1))
            case 3: b.insert(contentsOf: [0xff, 0xfe, 0xc3, 0x28], at: rng.below(b.count + 1))
            case 4: b.insert(13, at: rng.below(b.count + 1))
            case 5 where !b.isEmpty: b.removeSubrange(rng.below(b.count)..<b.count)
            case 6:
                b.insert(
                    contentsOf: [UInt8](repeating: UInt8(ascii: "x"), count: rng.below(3000)),
                    at: rng.below(b.count + 1))
            default: b.insert(contentsOf: Array("<>".utf8), at: rng.below(b.count + 1))
            }
        }
        return b.filter { $0 != 10 }
    }

    @Test(arguments: [SourceFormat.spamdb, .spamdLog, .auto])
    func everyLineIsAccountedFor(format: SourceFormat) throws {
        var rng = SeededRandom(state: 42)
        var bytes: [UInt8] = []
        let n = 5000
        for _ in 0..<n {
            let seed = Array(Self.seeds[rng.below(Self.seeds.count)].utf8)
            bytes += (rng.below(4) == 0 ? seed : Self.mutate(seed, &rng)) + [10]
        }
        let dir = TempDir()
        let path = dir.write("fuzzed", bytes: bytes)
        var parser = DumpParser(
            source: "p", format: format, now: 1_503_150_000, logTimeZone: TimeZone(identifier: "UTC")!)
        var seen = 0
        let report = try parser.parse(path: path) { r in
            seen += 1
            _ = ParsedRecord(r)
        }
        #expect(report.lines == n)
        #expect(report.lines == report.records + report.ignored + report.rejected)
        #expect(seen == report.records)
        #expect(report.firstRejects.count == min(report.rejected, ParseReport.rejectsKept))
        // Every kept reject names a real line and a reason, and its excerpt is printable.
        for r in report.firstRejects {
            #expect(r.line >= 1 && r.line <= n)
            #expect(!r.reason.isEmpty)
            #expect(r.excerpt.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f || $0 == "…" })
        }
    }

    @Test func harvestNeverTrapsGarbageOutsideOurDomains() throws {
        var rng = SeededRandom(state: 7)
        let s = try Scene()
        var text = ""
        for _ in 0..<2000 {
            let seed = Array(Self.seeds[rng.below(Self.seeds.count)].utf8)
            text += String(decoding: Self.mutate(seed, &rng), as: UTF8.self) + "\n"
        }
        try s.classify(text, now: 1_503_150_000)
        for a in try s.ws.store.addresses() {
            // only our exact domains ever get in
            #expect(a.address.hasSuffix("@bsdly.com") || a.address.hasSuffix("@bsdly.net"), "\(a.address)")
        }
    }
}
