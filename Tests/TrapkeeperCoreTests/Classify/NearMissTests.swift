import Foundation
import Testing

@testable import TrapkeeperCore

/// Rule 3b: a near-miss of a valid address is held until mail to it came from enough networks.
@Suite struct NearMissRuleTests {
    func rule(_ valid: [String], delimiters: String = "+", minLength: Int = 5) -> NearMissRule {
        var book = AddressBook(delimiters: delimiters)
        for v in valid { book.addValid(v) }
        return NearMissRule(book: book, minLength: minLength, promoteNetworks: 3)
    }

    @Test(
        arguments: [
            ("peterx@bsdly.com", "peter@bsdly.com"),  // inserted
            ("petr@bsdly.com", nil),  // deleted, but "petr" is shorter than 5
            ("petre@bsdly.com", "peter@bsdly.com"),  // two neighbours swapped
            ("peder@bsdly.com", "peter@bsdly.com"),  // replaced
            ("epter@bsdly.com", "peter@bsdly.com"),
            ("petre+news@bsdly.com", "peter@bsdly.com"),  // cut at the delimiter
            ("peter@bsdly.net", nil),  // another domain
            ("pteer@bsdly.com", "peter@bsdly.com"),
            ("ptere@bsdly.com", nil),  // two edits
            ("jsmiht@bsdly.com", "jsmith@bsdly.com"),
            ("jsmith1@bsdly.com", "jsmith@bsdly.com"),
            ("xsmith@bsdly.com", "jsmith@bsdly.com"),
            ("smith@bsdly.com", "jsmith@bsdly.com"),
            ("bjørnx@bsdly.com", "bjørn@bsdly.com"),  // by characters, not bytes
        ] as [(String, String?)])
    func nearMisses(_ address: String, _ expected: String?) {
        let r = rule(["peter@bsdly.com", "jsmith@bsdly.com", "bjørn@bsdly.com", "alice@bsdly.net"])
        #expect(r.resembles(address) == expected, "\(address)")
    }

    @Test func shortNamesHaveNoNearMisses() {
        let r = rule(["bob@bsdly.com", "anna@bsdly.com"])
        #expect(r.resembles("bobx@bsdly.com") == nil)
        #expect(r.resembles("annax@bsdly.com") == nil)  // "anna" is below typo_min_length
        #expect(rule(["annab@bsdly.com"], minLength: 4).resembles("anab@bsdly.com") == "annab@bsdly.com")
    }

    /// The index finds exactly what comparing with every valid local part finds.
    @Test func indexAgreesWithBruteForce() {
        var rng = SeededRandom(seed: 42)
        let alphabet = Array("abcde.")
        func word(_ n: Int) -> String {
            String((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        for _ in 0..<40 {
            let valid = (0..<30).map { _ in word(Int(rng.next() % 4) + 4) }
            let r = rule(valid.map { "\($0)@bsdly.com" }, delimiters: "", minLength: 5)
            for _ in 0..<200 {
                let probe = word(Int(rng.next() % 4) + 4)
                let candidates = valid.filter {
                    probe.count >= 5 && $0.count >= 5 && NearMissRule.distance(Substring(probe), Substring($0)) == 1
                }
                let expected = valid.contains(probe) ? nil : candidates.min().map { "\($0)@bsdly.com" }
                if valid.contains(probe) { continue }  // a valid address is never asked about
                #expect(r.resembles("\(probe)@bsdly.com") == expected, "\(probe) in \(valid)")
            }
        }
    }

    @Test func promotionIsTheFirstMailFromTheLastNetwork() {
        let r = rule(["peter@bsdly.com"])
        #expect(r.promotion(networks: [:]).promotedAt == nil)
        #expect(r.promotion(networks: ["a": 10, "b": 30]) == (nil, 2))
        let p = r.promotion(networks: ["a": 10, "b": 50, "c": 30, "d": 40])
        #expect(p.promotedAt == 40)
        #expect(p.networks == 4)
        #expect(NearMissRule.network(of: IPAddress("45.95.147.9")!) == "45.95.147.0/24")
        #expect(NearMissRule.network(of: IPAddress("2001:67c:1::5")!) == "2001:67c:1::/48")
    }
}

/// Rule 3b through classify and publish.
@Suite(.serialized) struct NearMissPublishTests {
    static let t0: Int64 = 1_700_000_000

    @Test func aTypoIsHeldThenPromotedAndItsFirstSenderNeverListed() throws {
        let s = try Scene(valid: ["jsmith@bsdly.com", "peter@bsdly.net"])
        // A correspondent's typo, from their own server.
        try s.classify(
            grey("45.67.1.10", from: "friend@example.org", to: "jsmiht@bsdly.com", at: Self.t0), now: Self.t0)
        try s.publish(now: Self.t0)
        #expect(s.traps.isEmpty)
        #expect(s.pfEntries.isEmpty)
        var why = try Explainer.explain("jsmiht@bsdly.com", workspace: s.ws, now: Self.t0)
        #expect(why.contains("held: near-miss of valid jsmith@bsdly.com (1 of 3 networks so far)"), "\(why)")
        #expect(
            try s.ws.store.nearMisses() == [
                NearMissRow(address: "jsmiht@bsdly.com", resembles: "jsmith@bsdly.com", networks: 1, promotedAt: nil)
            ])

        // Spammers find it: two more networks (the second host in the first network adds none).
        let t2 = Self.t0 + 3600
        let t3 = Self.t0 + 7200
        try s.classify(
            grey("45.67.1.99", from: "kd@xmail.ru", to: "jsmiht@bsdly.com", at: t2)
                + grey("91.200.12.7", from: "kd@xmail.ru", to: "jsmiht@bsdly.com", at: t2)
                + grey("185.220.5.5", from: "kd@xmail.ru", to: "jsmiht@bsdly.com", at: t3), now: t3, name: "d2")
        try s.publish(now: t3)
        #expect(s.traps == ["jsmiht@bsdly.com"])
        // Only the mail at or after the promotion (t3, the third network's first mail) is a hit.
        #expect(s.pfEntries == ["185.220.5.5"])
        why = try Explainer.explain("jsmiht@bsdly.com", workspace: s.ws, now: t3)
        #expect(why.contains("promoted at 2023-11-15 00:13:20Z after mail from 3 networks"), "\(why)")
        let host = try Explainer.explain("45.67.1.10", workspace: s.ws, now: t3)
        #expect(host.contains("not exported"), "\(host)")

        // Later mail from the first correspondent does count: it is a trap now.
        try s.classify(
            grey("45.67.1.10", from: "friend@example.org", to: "jsmiht@bsdly.com", at: t3 + 60), now: t3 + 60,
            name: "d3")
        try s.publish(now: t3 + 60)
        #expect(s.pfEntries == ["45.67.1.10", "185.220.5.5"])
    }

    /// A new user joins: an existing trap one keystroke away that has not reached the network
    /// threshold is withdrawn at the next publish, audited.
    @Test func aNewUserWithdrawsItsUnpromotedNearMisses() throws {
        let s = try Scene(valid: ["peter@bsdly.net"])
        try s.classify(
            grey("45.67.1.10", from: "kd@xmail.ru", to: "jsmiht@bsdly.com", at: Self.t0)
                + grey("45.67.2.10", from: "kd@xmail.ru", to: "other@bsdly.com", at: Self.t0), now: Self.t0)
        try s.publish(now: Self.t0)
        #expect(s.traps == ["jsmiht@bsdly.com", "other@bsdly.com"])
        s.dir.write("valid.txt", "peter@bsdly.net\njsmith@bsdly.com\n")
        try s.reopen()
        var g = GuardConfig()
        g.maxShrinkPercent = 60
        s.ws = try Workspace.open(
            config: {
                var c = s.config
                c.guards = g
                return c
            }())
        try s.publish(now: Self.t0 + 60)
        #expect(s.traps == ["other@bsdly.com"])
        #expect(s.pfEntries == ["45.67.2.10"])
        let history = try s.ws.store.audit(entry: "jsmiht@bsdly.com").map(\.cause)
        #expect(history.last?.contains("held: near-miss of valid jsmith@bsdly.com") == true, "\(history)")
    }

    /// SPAMTRAP lines are taken as the firewall's operator chose them: never held.
    @Test func spamtrapLinesAreNeverHeld() throws {
        let s = try Scene(valid: ["jsmith@bsdly.com"])
        try s.classify("SPAMTRAP|jsmiht@bsdly.com\n", now: Self.t0)
        try s.publish(now: Self.t0)
        #expect(s.traps == ["jsmiht@bsdly.com"])
    }
}
