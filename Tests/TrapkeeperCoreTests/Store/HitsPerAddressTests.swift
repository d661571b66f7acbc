import Foundation
import GRDB
import Testing

@testable import TrapkeeperCore

/// "Hit a trap" means an address that is a trap at publish time: hits are kept per (host,
/// address), and a host whose recent hits were all to addresses that stopped being traps leaves
/// the lists at the same publish, not when its TTL runs out.
@Suite(.serialized) struct HitsPerAddressTests {
    static let t0: Int64 = 1_700_000_000

    @Test(arguments: ["valid", "protected", "delisted"])
    func hostLeavesWhenItsTrapsStopBeingTraps(_ how: String) throws {
        let s = try Scene()
        try s.classify(
            grey("45.95.147.1", from: "kd@xmail.ru", to: "jsmith@bsdly.com", at: Self.t0)
                + grey("45.95.147.5", from: "kd@xmail.ru", to: "jsmith@bsdly.com", at: Self.t0)
                + grey("45.95.147.5", from: "kd@xmail.ru", to: "realtrap@bsdly.com", at: Self.t0 - 3600),
            now: Self.t0)
        try s.publish(now: Self.t0)
        #expect(s.traps == ["jsmith@bsdly.com", "realtrap@bsdly.com"])
        #expect(s.pfEntries == ["45.95.147.1", "45.95.147.5"])

        // An hour later jsmith@ stops being a trap: a new user, a protected name, or delisted.
        switch how {
        case "valid":
            s.dir.write("valid.txt", "peter@bsdly.net\nalice@bsdly.com\njsmith@bsdly.com\n")
        case "protected":
            s.dir.write("protected.txt", "jsmith\n")
            s.config.protectedFile = s.dir.file("protected.txt")
        default:
            try s.ws.store.delist(entry: "jsmith@bsdly.com", kind: "address", reason: "a user's", at: Self.t0 + 60)
        }
        try s.reopen()
        var g = GuardConfig()
        g.maxShrinkPercent = 60
        s.ws = try Workspace.open(
            config: {
                var c = s.config
                c.guards = g
                return c
            }())
        try s.publish(now: Self.t0 + 3600)
        #expect(s.traps == ["realtrap@bsdly.com"])
        // .1 hit only jsmith@: gone at once, 23 hours before its TTL would end. .5 also hit a
        // trap that still is one: it stays.
        #expect(s.pfEntries == ["45.95.147.5"])
        let why = try Explainer.explain("45.95.147.1", workspace: s.ws, now: Self.t0 + 3600)
        #expect(why.contains("not exported"), "\(why)")
        #expect(why.contains("not traps now"), "\(why)")
        #expect(why.contains("hit jsmith@bsdly.com"), "\(why)")
    }

    /// `explain IP` lists every address the host hit, with times and whether it is a trap now.
    @Test func explainListsTheTrapsAHostHit() throws {
        let s = try Scene()
        try s.classify(
            grey("45.95.147.5", from: "kd@xmail.ru", to: "one@bsdly.com", at: Self.t0 - 7200)
                + grey("45.95.147.5", from: "kd@xmail.ru", to: "one@bsdly.com", at: Self.t0 - 3600)
                + grey("45.95.147.5", from: "", to: "two@bsdly.com", at: Self.t0 - 1800), now: Self.t0)
        let text = try Explainer.explain("45.95.147.5", workspace: s.ws, now: Self.t0)
        #expect(text.contains("hit one@bsdly.com 2023-11-14 20:13:20Z … 2023-11-14 21:13:20Z: a trap now"), "\(text)")
        #expect(text.contains("hit two@bsdly.com 2023-11-14 21:43:20Z, every one from a verifier-shaped sender"))
        #expect(text.contains("verdict: EXPORTED"))
    }

    /// A state written by the first release (schema v1: hits per host only) migrates with every
    /// trap and host kept: the same lists are published after the upgrade.
    @Test func firstReleaseStateMigrates() throws {
        let s = try Scene()
        var dump = ""
        for k in 0..<40 {
            dump += grey(
                "45.95.\(k / 10).\(k % 10 + 1)", from: "kd@xmail.ru", to: "trap\(k % 7)@bsdly.com", at: Self.t0)
        }
        dump += "TRAPPED|45.96.0.1|\(Self.t0 + 86400)\n"
        try s.classify(dump, now: Self.t0)
        try s.publish(now: Self.t0)
        let traps = s.traps
        let hosts = s.pfEntries
        #expect(traps.count == 7)

        // Turn the file into what the first release wrote: no hit table, no v2 migration.
        s.ws = nil
        let q = try DatabaseQueue(path: s.config.statePath)
        try q.write { db in
            for table in ["host_hits", "near_miss_network", "near_miss"] { try db.execute(sql: "DROP TABLE \(table)") }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v2%' OR identifier LIKE 'v3%'")
        }
        let hostRows = try q.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM host") }
        try q.close()
        try s.reopen()  // migrates
        let migrated = try s.ws.store.recentHits(since: 0)
        #expect(migrated.count == 40)
        #expect(
            try DatabaseQueue(path: s.config.statePath).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM host") }
                == hostRows)
        // A new night with nothing new: the same lists.
        try s.classify("", now: Self.t0 + 600, name: "empty")
        try s.publish(now: Self.t0 + 600)
        #expect(s.traps == traps)
        #expect(s.pfEntries == hosts)
    }

    /// A state of the second schema (one row per host and address) migrates to one row per host
    /// with every hit kept: the same hits, the same lists after the next publish.
    @Test func secondSchemaStateMigrates() throws {
        let s = try Scene()
        var dump = ""
        for k in 0..<60 {
            dump += grey(
                "45.95.\(k / 10).\(k % 10 + 1)", from: k % 4 == 0 ? "" : "kd@xmail.ru", to: "trap\(k % 7)@bsdly.com",
                at: Self.t0 - Int64(k))
            dump += grey("2001:db8::\(k % 5)", from: "kd@xmail.ru", to: "t\(k % 9)@bsdly.com", at: Self.t0 - Int64(k))
        }
        try s.classify(dump, now: Self.t0)
        try s.publish(now: Self.t0)
        let traps = s.traps
        let hosts = s.pfEntries
        let before = try s.ws.store.recentHits(since: .min).map { "\($0.ip) \($0.address) \($0.lastNonVerifier)" }
        let explained = try s.ws.store.hits(ip: "45.95.0.1")
        #expect(before.count > 60)

        try s.makeSecondSchema()
        let pairs = try DatabaseQueue(path: s.config.statePath).read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM hit")
        }
        #expect(pairs == 60 + 45)  // 60 (host, trap) pairs of IPv4, 45 of five IPv6 hosts × nine traps
        try s.reopen()  // migrates
        #expect(try s.ws.store.recentHits(since: .min).map { "\($0.ip) \($0.address) \($0.lastNonVerifier)" } == before)
        #expect(try s.ws.store.hits(ip: "45.95.0.1") == explained)
        let tables = try s.ws.store.read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%hit%'")
        }
        #expect(tables == ["host_hits"])
        try s.classify("", now: Self.t0 + 600, name: "empty")
        try s.publish(now: Self.t0 + 600)
        #expect(s.traps == traps)
        #expect(s.pfEntries == hosts)
    }

    /// A second-schema row of the wrong type (edited by hand) stops the migration naming it; the
    /// file is left as it was.
    @Test func secondSchemaRowOfTheWrongTypeStopsTheMigration() throws {
        let s = try Scene()
        try s.classify(grey("45.95.0.1", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.t0), now: Self.t0)
        try s.makeSecondSchema(extra: "UPDATE hit SET last = 'yesterday'")
        #expect {
            try s.reopen()
        } throws: {
            "\($0)".contains("table hit, row ip='45.95.0.1' address='trap@bsdly.com'")
                && "\($0)".contains("wrong type")
        }
        let still = try DatabaseQueue(path: s.config.statePath).read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%hit%'")
        }
        #expect(still == ["hit"])
    }
}
