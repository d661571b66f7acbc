import Foundation
import Testing

@testable import TrapkeeperCore

@Suite struct PublishGuardTests {
    let t0: Int64 = 1_700_000_000

    func manyTraps(_ n: Int, offset: Int = 0, at t: Int64) -> String {
        (0..<n).map { grey("203.0.114.\($0 % 200 + 1)", from: "x@spam.ru", to: "trap\($0 + offset)@bsdly.com", at: t) }
            .joined()
    }

    @Test func shrinkingHostListIsRefusedAndOldFilesStay() throws {
        let s = try Scene()
        try s.classify(manyTraps(50, at: t0), now: t0)
        try s.publish(now: t0)
        let before = s.dir.read("publish/traplist.pf")
        #expect(s.pfEntries.count > 0)
        // Two days later every host is past its TTL: the host list would empty.
        #expect(throws: JobFailure.self) { try s.publish(now: t0 + 2 * 86400) }
        do {
            try s.publish(now: t0 + 2 * 86400)
        } catch let f as JobFailure {
            #expect(f.status == .guardRefused)
            #expect(f.message.contains("host list would shrink"))
            #expect(f.message.contains("--force"))
        }
        #expect(s.dir.read("publish/traplist.pf") == before)
        // --force publishes
        try s.publish(now: t0 + 2 * 86400, force: true)
        #expect(s.pfEntries.isEmpty)
    }

    @Test func explodingTrapListIsRefused() throws {
        var g = GuardConfig()
        g.growthFloor = 10
        let s = try Scene(guards: g)
        try s.classify(manyTraps(20, at: t0), now: t0)
        try s.publish(now: t0)
        try s.classify(manyTraps(500, offset: 1000, at: t0 + 100), now: t0 + 200, name: "d2")
        #expect(throws: JobFailure.self) { try s.publish(now: t0 + 200) }
        #expect(s.traps.count == 20)
    }

    @Test func coverageLimit() throws {
        var g = GuardConfig()
        g.maxHostAddresses = 100
        let s = try Scene(guards: g)
        let dump = (0..<256).map { grey("100.200.0.\($0)", from: "x@spam.ru", to: "trap@bsdly.com", at: t0) }.joined()
        try s.classify(dump, now: t0)
        #expect(throws: JobFailure.self) { try s.publish(now: t0) }
    }

    @Test func unearnedWideBlockIsRefused() {
        var plan = PublishPlan(
            traps: [], hosts: [IPAddress("10.0.0.1")!], blocks: [CIDR("10.0.0.0/16")!], newest: [], previousTraps: [],
            previousHosts: [], audit: [], now: 0)
        var v = PublicationGuard(config: GuardConfig()).check(plan)
        #expect(v.refusals.contains { $0.contains("10.0.0.0/16") })
        plan.blocks = [CIDR("10.0.0.1")!]
        v = PublicationGuard(config: GuardConfig()).check(plan)
        #expect(v.refusals.isEmpty)
    }

    @Test func pfTableLimitWarns() {
        var g = GuardConfig()
        g.pfTableEntriesLimit = 2
        let hosts = ["1.1.1.1", "2.2.2.2", "3.3.3.3"].map { IPAddress($0)! }
        let plan = PublishPlan(
            traps: [], hosts: hosts, blocks: hosts.map { CIDR(address: $0, prefix: 32) }, newest: [], previousTraps: [],
            previousHosts: [], audit: [], now: 0)
        let v = PublicationGuard(config: g).check(plan)
        #expect(v.refusals.isEmpty)
        #expect(v.warnings.first?.contains("table-entries") == true)
    }

    /// A state that was lost (deleted, zero bytes) while the lists are still published: the next
    /// publish refuses (exit 4) instead of republishing from nothing, and --force accepts.
    @Test(arguments: ["deleted", "zero bytes"])
    func newStateWhileListsArePublishedIsRefused(_ how: String) throws {
        let s = try Scene()
        try s.classify(manyTraps(40, at: t0), now: t0)
        try s.publish(now: t0)
        #expect(s.traps.count == 40)
        let before = ["spamtraps.txt", "spamtraps.html", "traplist.pf", "traplist.spamd"].map {
            s.dir.read("publish/\($0)")
        }
        s.ws = nil  // closes the state
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: s.config.statePath + suffix) }
        if how == "zero bytes" { FileManager.default.createFile(atPath: s.config.statePath, contents: Data()) }
        try s.reopen()
        try s.classify(manyTraps(2, at: t0 + 86400), now: t0 + 86400, name: "d2")
        do {
            try s.publish(now: t0 + 86400)
            Issue.record("published from a new state")
        } catch let f as JobFailure {
            #expect(f.status == .guardRefused)
            #expect(f.message.contains("no record of a publish"), "\(f.message)")
            #expect(f.message.contains("40 traps"))
            #expect(f.message.contains("--force"))
        }
        let after = ["spamtraps.txt", "spamtraps.html", "traplist.pf", "traplist.spamd"].map {
            s.dir.read("publish/\($0)")
        }
        #expect(before == after)
        try s.publish(now: t0 + 86400, force: true)
        #expect(s.traps.count == 2)
        // From then on the new state is the one that published: no refusal.
        try s.classify(manyTraps(2, at: t0 + 2 * 86400), now: t0 + 2 * 86400, name: "d3")
        try s.publish(now: t0 + 2 * 86400)
    }

    /// The shrink guard compares with the files in publish_dir when they hold more than the state
    /// recorded.
    @Test func shrinkIsJudgedAgainstThePublishedFiles() {
        let plan = PublishPlan(
            traps: ["a@bsdly.com", "b@bsdly.com"], hosts: [], blocks: [], newest: [],
            previousTraps: ["a@bsdly.com", "b@bsdly.com"], previousHosts: [], audit: [], now: 0)
        let g = PublicationGuard(config: GuardConfig())
        #expect(g.check(plan).refusals.isEmpty)
        let v = g.check(plan, published: PublishedLists(traps: 40, hosts: 0))
        #expect(v.refusals.contains { $0.contains("from 40 to 2") }, "\(v.refusals)")
        let h = g.check(plan, published: PublishedLists(traps: 2, hosts: 300))
        #expect(h.refusals.contains { $0.contains("host list would shrink from 300 to 0") }, "\(h.refusals)")
    }

    @Test func publishedHostCountReadsThePfFile() throws {
        let pf = "# header\n# 3 entries\n\n45.95.147.0/30\n45.95.147.8 # one\r\n2001:db8::/127\nnot-an-ip\n"
        #expect(PublishedLists.pfHostCount(pf) == 7)
        let dir = TempDir()
        dir.write("spamtraps.txt", "a@x\nb@x\nc@x")
        dir.write("traplist.pf", pf)
        #expect(try PublishedLists.read(publishDir: dir.path) == PublishedLists(traps: 3, hosts: 7))
        #expect(try PublishedLists.read(publishDir: dir.file("nowhere")) == PublishedLists())
    }
}
