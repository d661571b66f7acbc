import Foundation
import GRDB
import Testing

@testable import TrapkeeperCore

/// How long the state keeps things (`history_days`): hosts and callback incidents go, traps,
/// delistings and runs stay, and the state file stops growing.
@Suite(.serialized) struct HistoryTests {
    static let t0: Int64 = 1_700_000_000
    static let day: Int64 = 86_400

    func count(_ s: Scene, _ sql: String) throws -> Int {
        try DatabaseQueue(path: s.config.statePath).read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    @Test func oldHostsAndProbesAreDroppedTrapsStay() throws {
        let s = try Scene()
        s.config.historyDays = 10
        try s.reopen()
        let probe =
            "GREY|207.244.64.181|mx18-12.smtp.antispamcloud.com|<>|<mx42.antispamcloud.com-\(Self.t0 - 41)-testing@bsdly.com>|\(Self.t0)|\(Self.t0 + 3600)|\(Self.t0 + 14400)|1|0\n"
        try s.classify(
            grey("45.95.147.1", from: "kd@xmail.ru", to: "old@bsdly.com", at: Self.t0)
                + "TRAPPED|45.95.147.2|\(Self.t0 + 86400)\n"
                + probe, now: Self.t0)
        try s.publish(now: Self.t0)
        #expect(s.pfEntries == ["45.95.147.1", "45.95.147.2"])
        try s.ws.store.delist(entry: "45.95.147.1", kind: "ip", reason: "asked", at: Self.t0 + 10)

        // Five days on: hosts past their TTL leave the lists but stay in the state.
        let d5 = Self.t0 + 5 * Self.day
        try s.classify(grey("45.95.147.7", from: "kd@xmail.ru", to: "new@bsdly.com", at: d5), now: d5, name: "d5")
        try s.publish(now: d5, force: true)
        let ips = try DatabaseQueue(path: s.config.statePath).read {
            try String.fetchOne($0, sql: "SELECT group_concat(ip) FROM host")
        }
        #expect(try count(s, "SELECT count(*) FROM host") == 4, "\(ips ?? "")")  // with the prober

        // Twelve days after the old hits: they and the probe are gone; the traps, the delisting
        // and the runs stay; the recent host stays.
        let d12 = Self.t0 + 12 * Self.day
        try s.classify(grey("45.95.147.9", from: "kd@xmail.ru", to: "new@bsdly.com", at: d12), now: d12, name: "d12")
        #expect(try s.ws.store.host("45.95.147.1") == nil)
        #expect(try s.ws.store.host("45.95.147.2") == nil)
        #expect(try s.ws.store.host("45.95.147.7") != nil)
        #expect(try s.ws.store.audit(entry: "45.95.147.2").isEmpty)
        #expect(try count(s, "SELECT count(*) FROM callback") == 0)
        #expect(try s.ws.store.delistings()["45.95.147.1"] != nil)
        try s.publish(now: d12, force: true)
        #expect(s.traps == ["new@bsdly.com", "old@bsdly.com"])
        let text = try Explainer.explain("45.95.147.2", workspace: s.ws, now: d12)
        #expect(text.contains("no record"), "\(text)")
        #expect(text.contains("history_days"))
    }

    /// A host kept on the lists during a source's outage is kept in the state too: the state can
    /// always explain what the lists say.
    @Test func publishedHostsAreKept() throws {
        let s = try Scene()
        s.config.historyDays = 1
        try s.reopen()
        try s.classify(grey("45.95.147.1", from: "kd@xmail.ru", to: "t@bsdly.com", at: Self.t0), now: Self.t0)
        try s.publish(now: Self.t0)
        try s.classify(
            grey("45.95.147.3", from: "kd@xmail.ru", to: "t@bsdly.com", at: Self.t0 + 3 * Self.day),
            now: Self.t0 + 3 * Self.day, name: "d3")
        #expect(try s.ws.store.host("45.95.147.1") != nil)
    }

    /// Thirty nights of 400 new hosts each with history_days = 5: once the history is full the
    /// state file stops growing (SQLite reuses the pages freed by the dropped hosts).
    @Test func stateStopsGrowing() throws {
        var g = GuardConfig()
        g.maxShrinkPercent = 100
        let s = try Scene(guards: g)
        s.config.historyDays = 5
        try s.reopen()
        var sizes: [Int] = []
        for night in 0..<30 {
            let t = Self.t0 + Int64(night) * Self.day
            var dump = ""
            for k in 0..<400 {
                let n = night * 400 + k
                dump += grey(
                    "45.\(n / 62500 + 1).\(n / 250 % 250).\(n % 250 + 1)", from: "kd@xmail.ru",
                    to: "trap\(night % 7)@bsdly.com", at: t)
            }
            try s.classify(dump, now: t, name: "n\(night)")
            try s.publish(now: t, force: true)
            s.ws = nil  // close: the WAL is checkpointed into the file
            try s.reopen()
            let size =
                (try FileManager.default.attributesOfItem(atPath: s.config.statePath)[.size] as? NSNumber)?
                .intValue ?? 0
            sizes.append(size)
        }
        #expect(try count(s, "SELECT count(*) FROM host") <= 7 * 400)
        #expect(Double(sizes[29]) <= Double(sizes[14]) * 1.1, "\(sizes)")
    }
}
