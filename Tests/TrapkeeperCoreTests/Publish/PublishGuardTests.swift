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
}
