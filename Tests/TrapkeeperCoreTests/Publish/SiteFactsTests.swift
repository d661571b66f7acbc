import Foundation
import Testing

@testable import TrapkeeperCore

/// What the pages are told beyond the lists: the chart's days, the additions, the listed hosts.
@Suite struct SiteFactsTests {
    static let now: Int64 = 1_700_000_000
    static let hour: Int64 = 3600

    func publish(_ s: Scene, at t: Int64, command: String = "publish", dryRun: Bool = false) throws {
        _ = try PublishJob.republish(
            workspace: s.ws, command: command, now: t, force: true, dryRun: dryRun, reporter: .silent)
    }

    func facts(_ s: Scene, at t: Int64) throws -> SiteFacts {
        let plan = try PublishPlan.make(
            store: s.ws.store, classifier: s.ws.classifier, hostRule: s.ws.hostRule(now: t), now: t,
            keepPreviousHosts: false)
        return try SiteFacts.load(store: s.ws.store, plan: plan, hostRule: s.ws.hostRule(now: t))
    }

    /// Each day's point is the day's last publish; dry runs, refused runs and runs that
    /// published nothing leave none; this publish is today's point.
    @Test func historyKeepsTheLastPublishOfEachDay() throws {
        let s = try Scene()
        let d1 = Self.now - 3 * 86400
        try s.classify("SPAMTRAP|a@bsdly.com\n", now: d1)
        try publish(s, at: d1 - 2 * Self.hour)
        try s.classify("SPAMTRAP|b@bsdly.com\n", now: d1)
        try publish(s, at: d1)  // same day, later: 2 traps
        try s.classify("SPAMTRAP|c@bsdly.com\n", now: d1 + 86400)
        try publish(s, at: d1 + 86400, command: "publish --dry-run", dryRun: true)  // as the CLI records it: no point
        // A refused publish (the valid list now holds every trap: the list would empty).
        s.dir.write("valid.txt", "a@bsdly.com\nb@bsdly.com\nc@bsdly.com\n")
        try s.reopen()
        #expect(throws: JobFailure.self) {
            _ = try PublishJob.republish(
                workspace: s.ws, command: "publish", now: d1 + 2 * 86400, force: false, dryRun: false,
                reporter: .silent)
        }
        s.dir.write("valid.txt", "peter@bsdly.net\n")
        try s.reopen()
        let f = try facts(s, at: Self.now)
        #expect(
            f.history == [
                TrendChart.Day(day: TimeText.day(d1), traps: 2, hosts: 0),
                TrendChart.Day(day: TimeText.day(Self.now), traps: 3, hosts: 0),
            ])
    }

    /// Traps first published 2 h, 3 days, 20 days and 40 days ago, one of them no longer a trap,
    /// plus one this publish adds.
    @Test func additionsCountFirstPublishedTraps() throws {
        let s = try Scene()
        for (name, ago) in [
            ("forty", 40 * 86400), ("twenty", 20 * 86400), ("three", 3 * 86400), ("two", 2 * Self.hour),
        ] {
            let t = Self.now - Int64(ago)
            try s.classify("SPAMTRAP|\(name)@bsdly.com\nSPAMTRAP|\(name)2@bsdly.com\n", now: t)
            try publish(s, at: t)
        }
        s.dir.write("valid.txt", "peter@bsdly.net\nthree2@bsdly.com\n")  // three2@ became a user
        try s.reopen()
        try s.classify("SPAMTRAP|new@bsdly.com\n", now: Self.now)
        let f = try facts(s, at: Self.now)
        #expect(f.added == SiteFacts.Additions(day: 3, week: 4, month: 6))
    }

    /// hosts.html names the trap a host mailed only while it is a published trap.
    @Test func aHostsTrapIsShownOnlyWhileItIsATrap() throws {
        let s = try Scene()
        try s.classify(
            grey("45.95.147.1", from: "x@y.ru", to: "stays@bsdly.com", at: Self.now - 60)
                + grey("45.95.147.2", from: "x@y.ru", to: "carol@bsdly.com", at: Self.now - 60)
                + "TRAPPED|45.95.147.3|\(Self.now + 86400)\n", now: Self.now)
        s.dir.write("valid.txt", "peter@bsdly.net\ncarol@bsdly.com\n")
        try s.reopen()
        let hosts = try facts(s, at: Self.now).hosts
        // .2 mailed only carol@, a real user now: its hit no longer counts, it is not listed.
        #expect(hosts.map(\.ip.description) == ["45.95.147.1", "45.95.147.3"])
        #expect(hosts.map(\.trap) == ["stays@bsdly.com", nil])
        #expect(hosts.map(\.recentHit) == [true, false])
        #expect(hosts[1].trappedUntil == Self.now + 86400)
        #expect(!hosts.contains { $0.kept })
    }
}
