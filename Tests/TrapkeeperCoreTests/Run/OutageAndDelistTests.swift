import Foundation
import Testing

@testable import TrapkeeperCore

/// An outage never makes a host vanish (issue 10, item 7), and `delist`/`relist` take effect at
/// once (item 8).
@Suite(.serialized) struct OutageAndDelistTests {
    static let t0: Int64 = 1_700_000_000

    static func hit(_ ip: String, _ trap: String, at t: Int64) -> String {
        "GREY|\(ip)|mx.spam.example|<kd@xmail.ru>|<\(trap)@bsdly.com>|\(t - 600)|\(t)|\(t + 14400)|1|0\n"
    }

    /// Night 1: fw1 justifies 45.95.147.1, fw2 justifies 45.95.147.2. Night 2, 30 hours later
    /// (past the 24 h host TTL): fw1 is down, fw2 reports a fresh hit. Whether or not fw1's last
    /// good copy may stand in (max_stale_hours 48 or 0), fw1's host stays published.
    @Test(arguments: [48, 0])
    func hostsOfADownSourceStayPublished(maxStaleHours: Int) throws {
        var g = GuardConfig()
        g.maxShrinkPercent = 100  // the guard is not what keeps the host here
        let s = try Scene(guards: g)
        s.dir.write("fw1.dump", Self.hit("45.95.147.1", "alpha", at: Self.t0))
        s.dir.write("fw2.dump", Self.hit("45.95.147.2", "beta", at: Self.t0))
        s.config.sources = [
            SourceConfig(name: "fw1", url: "fw1.dump", maxStaleHours: maxStaleHours),
            SourceConfig(name: "fw2", url: "fw2.dump", maxStaleHours: maxStaleHours),
        ]
        try s.reopen()
        #expect(
            try NightlyRun.run(workspace: s.ws, now: Self.t0, dryRun: false, force: false, reporter: .silent) == .ok)
        #expect(s.pfEntries == ["45.95.147.1", "45.95.147.2"])

        let night2 = Self.t0 + 30 * 3600
        try FileManager.default.removeItem(atPath: s.dir.file("fw1.dump"))
        s.dir.write("fw2.dump", Self.hit("45.95.147.2", "beta", at: night2))
        let log = MessageLog()
        let status = try NightlyRun.run(
            workspace: s.ws, now: night2, dryRun: false, force: false, reporter: log.reporter)
        #expect(status == .partial)
        #expect(s.pfEntries == ["45.95.147.1", "45.95.147.2"], "\(log.all)")
        #expect(s.traps == ["alpha@bsdly.com", "beta@bsdly.com"])

        // A publish on its own while fw1 is still down keeps it too.
        try PublishJob.republish(
            workspace: s.ws, command: "publish", now: night2 + 60, force: false, dryRun: false, reporter: .silent)
        #expect(s.pfEntries == ["45.95.147.1", "45.95.147.2"])

        // fw1 back with a fresh body: the outage is over and its old host ages out by TTL as usual.
        s.dir.write("fw1.dump", Self.hit("45.95.147.4", "gamma", at: night2 + 3600))
        s.dir.write("fw2.dump", Self.hit("45.95.147.2", "beta", at: night2 + 3600))
        let back = try NightlyRun.run(
            workspace: s.ws, now: night2 + 3600, dryRun: false, force: false, reporter: log.reporter)
        #expect(back == .ok)
        #expect(s.pfEntries == ["45.95.147.2", "45.95.147.4"], "\(log.all)")
    }

    /// `delist` and `relist` republish at once, through the real CLI.
    @Test func delistAndRelistTakeEffectAtOnce() throws {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        dir.write(
            "fw.dump", Self.hit("45.95.147.1", "alpha", at: Self.t0) + Self.hit("45.95.147.9", "beta", at: Self.t0))
        let config = dir.write(
            "t.toml",
            """
            domains = ["bsdly.com"]
            valid_addresses = "valid.txt"
            [guards]
            max_shrink_percent = 60
            [[sources]]
            name = "fw"
            url = "fw.dump"

            """)
        let now = String(Self.t0)
        #expect(try Binary.run(["run", "--config", config, "--now", now]).0 == 0)
        func traps() -> [String] { (dir.read("publish/spamtraps.txt") ?? "").split(separator: "\n").map(String.init) }
        func hosts() -> [String] {
            (dir.read("publish/traplist.pf") ?? "").split(separator: "\n").filter { !$0.hasPrefix("#") }.map(
                String.init)
        }
        #expect(traps() == ["alpha@bsdly.com", "beta@bsdly.com"])
        #expect(hosts() == ["45.95.147.1", "45.95.147.9"])

        var r = try Binary.run(["delist", "--config", config, "--now", now, "--reason", "admin asked", "45.95.147.9"])
        #expect(r.0 == 0, "\(r.2)")
        #expect(hosts() == ["45.95.147.1"])
        #expect(dir.read("publish/traplist.spamd")?.contains("45.95.147.9") == false)
        r = try Binary.run(["delist", "--config", config, "--now", now, "--reason", "typo of a user", "Beta@bsdly.com"])
        #expect(r.0 == 0, "\(r.2)")
        #expect(traps() == ["alpha@bsdly.com"])
        #expect(dir.read("publish/spamtraps.html")?.contains("beta@bsdly.com") == false)

        // Relisting the host alone does not list it: its only hit was to beta@, which is not a
        // trap while delisted (a hit counts when its address is a trap at publish time).
        r = try Binary.run(["relist", "--config", config, "--now", now, "45.95.147.9"])
        #expect(r.0 == 0, "\(r.2)")
        #expect(hosts() == ["45.95.147.1"])
        r = try Binary.run(["relist", "--config", config, "--now", now, "beta@bsdly.com"])
        #expect(r.0 == 0, "\(r.2)")
        #expect(traps() == ["alpha@bsdly.com", "beta@bsdly.com"])
        #expect(hosts() == ["45.95.147.1", "45.95.147.9"])

        // A guard that refuses the republish: the delisting is recorded, the lists stay, exit 4,
        // and the message says both.
        let later = String(Self.t0 + 2 * 86400)  // every host past its TTL: the host list would empty
        r = try Binary.run(["delist", "--config", config, "--now", later, "--reason", "x", "alpha@bsdly.com"])
        #expect(r.0 == 4)
        #expect(r.2.contains("alpha@bsdly.com is delisted in the state"), "\(r.2)")
        #expect(r.2.contains("host list would shrink"), "\(r.2)")
        #expect(traps() == ["alpha@bsdly.com", "beta@bsdly.com"])
        r = try Binary.run(["publish", "--config", config, "--now", later, "--force"])
        #expect(r.0 == 0)
        #expect(traps() == ["beta@bsdly.com"])
    }
}
