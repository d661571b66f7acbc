import Foundation
import Testing

@testable import TrapkeeperCore

/// spamtraps-withdrawn.txt: every address withdrawn from spamtraps.txt within the last
/// `withdrawn_keep_days`, in the same form and order, no comments; an address listed again
/// leaves it; always written, with the other files.
@Suite struct WithdrawnListTests {
    let t0: Int64 = 1_700_000_000
    let day: Int64 = 86_400

    func withdrawn(_ s: Scene) -> [String]? {
        s.dir.read("publish/spamtraps-withdrawn.txt").map { $0.split(separator: "\n").map(String.init) }
    }

    /// Traps for `addresses`, all published at t0.
    func scene(_ addresses: [String]) throws -> Scene {
        let s = try Scene()
        try s.classify(addresses.map { "SPAMTRAP|\($0)\n" }.joined(), now: t0)
        try s.publish(now: t0)
        return s
    }

    @Test func alwaysWrittenAndEmptyAtFirst() throws {
        let s = try scene(["trap@bsdly.com"])
        #expect(s.dir.read("publish/spamtraps-withdrawn.txt") == "")
    }

    /// Delisted and made valid: both withdrawn, in spamtraps.txt's byte order, lower-case as
    /// published, nothing else on a line; relisting takes an address out again.
    @Test func withdrawalsAndRelisting() throws {
        let s = try scene([
            "zeta@bsdly.com", "#hash@bsdly.com", "!!!!!!!!the!rest!is!trash!@bsdly.net", "newhire@bsdly.com",
            "stays@bsdly.com", "<b>x</b>@bsdly.com",
        ])
        try s.ws.store.delist(entry: "zeta@bsdly.com", kind: "address", reason: "a customer's alias", at: t0 + 10)
        try s.ws.store.delist(entry: "#hash@bsdly.com", kind: "address", reason: "test", at: t0 + 10)
        try s.ws.store.delist(entry: "<b>x</b>@bsdly.com", kind: "address", reason: "test", at: t0 + 10)
        s.dir.write("valid.txt", "peter@bsdly.net\nalice@bsdly.com\nNewHire@bsdly.com\n")
        try s.reopen()
        try s.publish(now: t0 + 20, force: true)
        #expect(s.traps == ["!!!!!!!!the!rest!is!trash!@bsdly.net", "stays@bsdly.com"])
        #expect(withdrawn(s) == ["#hash@bsdly.com", "<b>x</b>@bsdly.com", "newhire@bsdly.com", "zeta@bsdly.com"])
        let text = s.dir.read("publish/spamtraps-withdrawn.txt")!
        #expect(text.hasSuffix("\n") && !text.contains("\n\n"))

        // Still withdrawn a month later (nothing changed in between).
        try s.publish(now: t0 + 30 * day)
        #expect(withdrawn(s)?.count == 4)

        // Relisted: back in spamtraps.txt, out of the withdrawals at once.
        #expect(try s.ws.store.relist(entry: "zeta@bsdly.com", at: t0 + 30 * day + 10))
        try s.publish(now: t0 + 30 * day + 20)
        #expect(s.traps.contains("zeta@bsdly.com"))
        #expect(withdrawn(s) == ["#hash@bsdly.com", "<b>x</b>@bsdly.com", "newhire@bsdly.com"])

        // Withdrawn again: back in the file, counted from the new withdrawal.
        try s.ws.store.delist(entry: "zeta@bsdly.com", kind: "address", reason: "again", at: t0 + 40 * day)
        try s.publish(now: t0 + 40 * day + 10, force: true)
        #expect(withdrawn(s)?.contains("zeta@bsdly.com") == true)
    }

    /// After `withdrawn_keep_days` an address leaves the file; the default is 90 days.
    @Test func withdrawalsExpireAfterTheKeepWindow() throws {
        let s = try scene(["early@bsdly.com", "late@bsdly.com", "stays@bsdly.com"])
        try s.ws.store.delist(entry: "early@bsdly.com", kind: "address", reason: "t", at: t0)
        try s.publish(now: t0 + 10, force: true)
        try s.ws.store.delist(entry: "late@bsdly.com", kind: "address", reason: "t", at: t0 + 10 * day)
        try s.publish(now: t0 + 10 * day, force: true)
        #expect(withdrawn(s) == ["early@bsdly.com", "late@bsdly.com"])
        try s.publish(now: t0 + 10 + 90 * day)
        #expect(withdrawn(s) == ["early@bsdly.com", "late@bsdly.com"], "exactly 90 days: still in")
        try s.publish(now: t0 + 11 + 90 * day)
        #expect(withdrawn(s) == ["late@bsdly.com"])

        s.config.withdrawnKeepDays = 5
        try s.reopen()
        try s.publish(now: t0 + 95 * day)
        #expect(withdrawn(s) == [])
    }

    /// An address withdrawn and then a trap again through the firewalls' data (not a relist):
    /// it is in spamtraps.txt, so it is not withdrawn.
    @Test func aTrapAgainIsNotWithdrawn() throws {
        let s = try scene(["back@bsdly.com", "stays@bsdly.com"])
        s.dir.write("valid.txt", "peter@bsdly.net\nback@bsdly.com\n")
        try s.reopen()
        try s.publish(now: t0 + 10, force: true)
        #expect(withdrawn(s) == ["back@bsdly.com"])
        s.dir.write("valid.txt", "peter@bsdly.net\n")
        try s.reopen()
        try s.publish(now: t0 + 20)
        #expect(s.traps == ["back@bsdly.com", "stays@bsdly.com"])
        #expect(withdrawn(s) == [])
    }
}
