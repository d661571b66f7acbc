import Foundation
import GRDB
import Testing

@testable import TrapkeeperCore

/// Classify → publish with the address forms that must not leak into the lists: hosts written
/// as IPv6 forms of private IPv4 addresses, addresses with bidi, C1 and invisible characters,
/// SPAMTRAP lines with blanks, and one mailbox written with both forms of an international
/// domain.
@Suite struct AddressFormsTests {
    static let t: Int64 = 1_700_000_000

    static func tuple(_ ip: String, _ to: String, at: Int64 = t - 600) -> String {
        "GREY|\(ip)|mx.spam.example|<kd@xmail.ru>|<\(to)>|\(at)|\(at + 3600)|\(at + 14400)|1|0\n"
    }

    func scene() throws -> Scene {
        let s = try Scene(valid: ["peter@bsdly.net", "alice@bsdly.com", "anna@xn--bcher-kva.example"])
        s.config.domains = ["bsdly.com", "bsdly.net", "b\u{FC}cher.example"]
        try s.reopen()
        return s
    }

    @Test func noBadFormIsPublishedAndTheInternationalMailboxOnce() throws {
        let s = try scene()
        var dump = ""
        // Private, loopback and documentation IPv4 hosts in their IPv6 clothes: never exported.
        dump += Self.tuple("::ffff:10.0.0.1", "trap1@bsdly.com")
        dump += Self.tuple("2002:c0a8:0101::1", "trap2@bsdly.com")
        dump += Self.tuple("64:ff9b::7f00:1", "trap3@bsdly.com")
        dump += Self.tuple("::ffff:192.0.2.9", "trap1@bsdly.com")
        dump += "TRAPPED|::ffff:127.0.0.1|\(Self.t + 86400)\n"
        dump += "TRAPPED|2002:a00:1::5|\(Self.t + 86400)\n"
        // One spammer seen in its IPv4-mapped and its plain form: one host, exported as IPv4.
        dump += Self.tuple("::ffff:45.95.147.12", "trap4@bsdly.com", at: Self.t - 900)
        dump += Self.tuple("45.95.147.12", "trap4@bsdly.com")
        // Its 6to4 twin is another host (a site behind a 6to4 router): exported as it is.
        dump += Self.tuple("2002:2d5f:930c::1", "trap5@bsdly.com")
        // Bidi, C1, zero-width, separator and space-laden recipients: malformed, not traps.
        dump += Self.tuple("5.188.10.1", "invoice\u{202E}fdp.exe@bsdly.com")
        dump += Self.tuple("5.188.10.2", "x\u{85}y@bsdly.com")
        dump += Self.tuple("5.188.10.3", "zero\u{200B}width@bsdly.com")
        dump += Self.tuple("5.188.10.4", "line\u{2028}sep@bsdly.com")
        dump += Self.tuple("5.188.10.5", "a b@bsdly.com")
        dump += Self.tuple("5.188.10.6", "\u{2066}isolate\u{2069}@bsdly.com")
        // SPAMTRAP lines: blanks around the address are dropped, one inside is a reject.
        dump += "SPAMTRAP| spaced@bsdly.com\n"
        dump += "SPAMTRAP|tabbed@bsdly.com\t\n"
        dump += "SPAMTRAP|inner space@bsdly.com\n"
        dump += "SPAMTRAP|rtl\u{202E}moc.ylsdb@bsdly.com\n"
        // One mailbox of the international domain, in both forms and two cases: one trap.
        dump += Self.tuple("5.188.10.7", "stranger@b\u{FC}cher.example")
        dump += Self.tuple("5.188.10.7", "Stranger@XN--BCHER-KVA.example")
        dump += "SPAMTRAP|stranger@xn--bcher-kva.example\n"
        dump += "SPAMTRAP|stranger@b\u{FC}cher.example\n"
        // A real user listed in the A-label form, mailed in the U-label form: not a trap.
        dump += Self.tuple("5.188.10.8", "anna@b\u{FC}cher.example")

        let outcome = try s.classify(dump, now: Self.t)
        #expect(outcome.harvest.counts.malformed == 7)
        let rejects = outcome.reports.flatMap(\.firstRejects)
        #expect(rejects.count == 1)
        #expect(rejects.first?.reason.contains("SPAMTRAP") == true)
        try s.publish(now: Self.t)

        #expect(
            s.traps == [
                "spaced@bsdly.com", "stranger@xn--bcher-kva.example", "tabbed@bsdly.com", "trap1@bsdly.com",
                "trap2@bsdly.com", "trap3@bsdly.com", "trap4@bsdly.com", "trap5@bsdly.com",
            ])
        // 5.188.10.7 mailed the international trap; the hosts of the malformed addresses hit none.
        #expect(s.pfEntries == ["5.188.10.7", "45.95.147.12", "2002:2d5f:930c::1"])
        let spamd = (s.dir.read("publish/traplist.spamd") ?? "").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(spamd == ["5.188.10.7", "45.95.147.12"])
        #expect(try s.ws.store.host("::ffff:45.95.147.12") == nil)
        #expect(try s.ws.store.host("45.95.147.12") != nil)
        let html = s.dir.read("publish/spamtraps.html") ?? ""
        for bad in ["\u{202E}", "\u{85}", "\u{200B}", "\u{2028}", "\u{2066}", "a b@", "inner space", "@b\u{FC}cher"] {
            #expect(!html.contains(bad), "\(bad.unicodeScalars.map(\.value))")
        }

        // explain and the host rule answer for the twin forms as for the IPv4 host.
        let why = try Explainer.explain("::ffff:45.95.147.12", workspace: s.ws, now: Self.t)
        #expect(why.contains("host: 45.95.147.12"), "\(why)")
        let sixToFour = try Explainer.explain("2002:c0a8:101::1", workspace: s.ws, now: Self.t)
        #expect(sixToFour.contains("never-block"), "\(sixToFour)")
        #expect(sixToFour.contains("192.168.0.0/16"), "\(sixToFour)")
        let idn = try Explainer.explain("Stranger@b\u{FC}cher.example", workspace: s.ws, now: Self.t)
        #expect(idn.contains("address: stranger@xn--bcher-kva.example"), "\(idn)")
        #expect(idn.contains("verdict: TRAP"), "\(idn)")
    }

    /// A state written before these forms were kept canonical — an international mailbox in its
    /// Unicode form, a host in its IPv4-mapped form, delistings of either — publishes each
    /// mailbox and host once, in its canonical form, and keeps the delistings.
    @Test func aStateFromBeforePublishesEachEntryOnce() throws {
        let s = try scene()
        var dump = Self.tuple("5.188.10.7", "stranger@xn--bcher-kva.example")
        dump += Self.tuple("5.188.10.7", "delisted@xn--bcher-kva.example")
        try s.classify(dump, now: Self.t)
        let queue = try DatabaseQueue(path: s.dir.file("state.sqlite"))
        try queue.write { db in
            for (address, roles) in [("stranger@b\u{FC}cher.example", 4), ("legacy@b\u{FC}cher.example", 1)] {
                try db.execute(
                    sql:
                        "INSERT INTO address (address, roles, first_seen, last_seen, evidence) VALUES (?, ?, ?, ?, '')",
                    arguments: [address, roles, Self.t - 86400, Self.t - 86400])
            }
            for ip in ["::ffff:5.188.10.7", "::ffff:5.188.10.9", "::ffff:5.188.10.10"] {
                try db.execute(
                    sql: "INSERT INTO host (ip, first_hit, last_hit, last_nonverifier_hit) VALUES (?, ?, ?, ?)",
                    arguments: [ip, Self.t - 60, Self.t - 60, Self.t - 60])
                // Its hit per address, as the v2 migration makes from a host row.
                let hits = HitList.encode([
                    HitList.Hit(
                        address: Array("stranger@xn--bcher-kva.example".utf8), first: Self.t - 60, last: Self.t - 60,
                        lastNonVerifier: Self.t - 60)
                ])
                try db.execute(sql: "INSERT INTO host_hits (ip, hits) VALUES (?, ?)", arguments: [ip, Data(hits)])
            }
            for entry in ["delisted@b\u{FC}cher.example", "::ffff:5.188.10.10"] {
                try db.execute(
                    sql: "INSERT INTO delisting (entry, kind, reason, at) VALUES (?, ?, 'test', ?)",
                    arguments: [entry, entry.contains("@") ? "address" : "ip", Self.t - 3600])
            }
        }
        try s.publish(now: Self.t)
        #expect(s.traps == ["legacy@xn--bcher-kva.example", "stranger@xn--bcher-kva.example"])
        #expect(s.pfEntries == ["5.188.10.7", "5.188.10.9"])
    }
}
