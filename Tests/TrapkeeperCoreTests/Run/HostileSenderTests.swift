import Foundation
import Testing

@testable import TrapkeeperCore

/// What an SMTP client controls (helo, sender, recipient) must never decide whether a source is
/// harvested: a flood of unreadable tuples is counted, reported and skipped, the rest of the dump
/// is classified (issue 10, item 3).
@Suite(.serialized) struct HostileSenderTests {
    static let now: Int64 = 1_700_000_000

    /// Sender-controlled shapes that make a GREY line unreadable: '|' inside the fields.
    static let hostileTuples: [(helo: String, from: String, to: String)] = [
        ("mx.evil", "<a>|<b>", "<victim@bsdly.com>"),  // MAIL FROM:<a>|<b>
        ("evil|<x>", "<a>", "<b@bsdly.com>"),  // '|' in the helo
        ("mx", "<a>", "<b@bsdly.com>|<c@bsdly.com>"),  // '|' in the recipient
        ("<h>|<i>", "<j>|<k>", "<l@bsdly.com>"),
        ("mx", "<" + String(repeating: "|", count: 80) + ">", "<m@bsdly.com>"),  // more '|' than fields
    ]

    static func greyLine(_ ip: String, helo: String, from: String, to: String) -> String {
        "GREY|\(ip)|\(helo)|\(from)|\(to)|\(now - 600)|\(now)|\(now + 14400)|1|0\n"
    }

    @Test(arguments: hostileTuples.indices)
    func senderShapedLinesAreUnreadableNotRejected(_ i: Int) {
        let t = Self.hostileTuples[i]
        var bytes = Array(Self.greyLine("203.0.113.9", helo: t.helo, from: t.from, to: t.to).dropLast().utf8)
        bytes.withUnsafeMutableBytes { buf in
            switch SpamdbLineParser.parse(UnsafeRawBufferPointer(buf), lineNumber: 1) {
            case .unreadable: break
            case .record(let r): Issue.record("read as a record: \(ParsedRecord(r))")
            case .reject(let why): Issue.record("structural reject '\(why)' for a sender-shaped line")
            }
        }
    }

    /// Lines no SMTP client can produce are still structural rejects.
    @Test(arguments: [
        "GREY|not-an-ip|mx|<a>|<b@bsdly.com>|1|2|3|4|5",
        "GREY|203.0.113.9|mx|<a>|<b@bsdly.com>|1|2|x|4|5",
        "GREY|203.0.113.9|mx|<a>|<b@bsdly.com>|1|2",
        "FOO|203.0.113.9|mx|<a>|<b@bsdly.com>|1|2|3|4|5",
        "FOO|" + String(repeating: "|", count: 90),
        "GREY|203.0.113.9|" + String(repeating: "|", count: 90) + "|1|2|x|4|5",
        "127.0.0.1 - - [19/Aug/2017:14:35:38 +0200] \"GET / HTTP/1.1\" 200 512",
    ])
    func structuralRejectsStayRejects(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buf in
            if case .reject = SpamdbLineParser.parse(UnsafeRawBufferPointer(buf), lineNumber: 1) {
            } else {
                Issue.record("expected a structural reject for \(line)")
            }
        }
    }

    func runOnce(_ s: Scene, body: String) throws -> (TrapkeeperCore.ExitStatus, MessageLog) {
        s.dir.write("fw1.dump", body)
        s.config.sources = [SourceConfig(name: "fw1", url: "fw1.dump")]
        try s.reopen()
        let log = MessageLog()
        let status = try NightlyRun.run(
            workspace: s.ws, now: Self.now, dryRun: false, force: false, reporter: log.reporter)
        return (status, log)
    }

    /// 20 real trap hits and 600 hostile tuples (30 : 1): the source is harvested, exit 0.
    @Test func floodOfUnreadableTuplesDoesNotSwitchTheSourceOff() throws {
        let s = try Scene()
        var body = ""
        for k in 0..<20 {
            body += Self.greyLine(
                "45.95.147.\(k + 1)", helo: "mx.spam", from: "<kd@xmail.ru>", to: "<trap\(k)@bsdly.com>")
        }
        for k in 0..<600 {
            let t = Self.hostileTuples[k % Self.hostileTuples.count]
            body += Self.greyLine("198.18.\(k / 250).\(k % 250)", helo: t.helo, from: t.from, to: t.to)
        }
        let (status, log) = try runOnce(s, body: body)
        #expect(status == .ok, "\(log.all)")
        #expect(s.traps == (0..<20).map { "trap\($0)@bsdly.com" }.sorted())
        let hosts = (1...20).compactMap { IPAddress("45.95.147.\($0)") }
        #expect(s.pfEntries == CIDRAggregator.aggregate(hosts).map(\.description))
        // Counted and reported, with file and line.
        #expect(log.all.contains { $0.contains("600 lines rejected") && $0.contains("600 of them records") })
        #expect(log.all.contains { $0.contains("fw1.dump:21:") })
        #expect(try s.ws.store.sourceHealth(name: "fw1")?.rejects == 600)
    }

    /// A body that is not a dump (a web server log) is still refused as a whole.
    @Test func aBodyOfNonRecordsIsStillNotADump() throws {
        let s = try Scene()
        var body = Self.greyLine("45.95.147.1", helo: "mx", from: "<kd@xmail.ru>", to: "<trap@bsdly.com>")
        for k in 0..<50 { body += "10.0.0.\(k) - - [19/Aug/2017:14:35:38 +0200] \"GET /x|y HTTP/1.1\" 200 512\n" }
        let (status, log) = try runOnce(s, body: body)
        #expect(status == .partial)
        #expect(log.all.contains { $0.contains("fw1") && $0.contains("not records") }, "\(log.all)")
        #expect(s.traps.isEmpty)
    }
}
