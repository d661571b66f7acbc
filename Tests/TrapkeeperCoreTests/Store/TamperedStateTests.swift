import Foundation
import GRDB
import Testing

@testable import TrapkeeperCore

/// A state edited by hand or by another tool may hold a value of the wrong type where trapkeeper
/// keeps a time, a number or a text. Reading it is a clear error naming the state, column and
/// row — never a crash (GRDB's non-throwing row subscripts stopped the process) — or, where the
/// value is only compared, it is passed over.
@Suite struct TamperedStateTests {
    static let t: Int64 = 1_700_000_000

    @Test(arguments: [
        "UPDATE host_hits SET hits = 'x'",
        "UPDATE host_hits SET hits = substr(hits, 1, 3)",
        "UPDATE host_hits SET hits = 7",
        "UPDATE address SET first_seen = 'monday'",
        "UPDATE address SET evidence = x'00ff'",
        "UPDATE host SET last_hit = 'soon'",
        "UPDATE host SET trapped_expire = 1.5",
        "UPDATE callback SET seen = 'x'",
    ])
    func readersNeverCrash(_ tamper: String) throws {
        let s = try Scene()
        let dump =
            grey("45.95.147.1", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.t)
            + "TRAPPED|45.95.147.1|\(Self.t + 3600)\n"
            + "GREY|198.51.100.7|mx42.antispamcloud.com|<>|<mx42.antispamcloud.com-\(Self.t)-testing@bsdly.com>|"
            + "\(Self.t)|\(Self.t)|\(Self.t)|1|0\n"
        try s.classify(dump, now: Self.t)
        try s.publish(now: Self.t)
        try s.ws.store.write { try $0.execute(sql: tamper) }
        // Each reader either works or says what is wrong with the state.
        func survives(_ what: String, _ body: () throws -> Void) {
            do {
                try body()
            } catch let e as StoreError {
                #expect("\(e)".contains("state.sqlite"), "\(what): \(e)")
            } catch {
                Issue.record("\(what): \(type(of: error)): \(error)")
            }
        }
        survives("explain host") { _ = try Explainer.explain("45.95.147.1", workspace: s.ws, now: Self.t + 60) }
        survives("explain address") { _ = try Explainer.explain("trap@bsdly.com", workspace: s.ws, now: Self.t + 60) }
        survives("explain probe") {
            _ = try Explainer.explain(
                "mx42.antispamcloud.com-\(Self.t)-testing@bsdly.com", workspace: s.ws, now: Self.t + 60)
        }
        survives("status") { _ = try StatusReport.text(workspace: s.ws, now: Self.t + 60) }
        survives("publish") { _ = try s.publish(now: Self.t + 60, force: true) }
        survives("classify") { _ = try s.classify(dump, now: Self.t + 120) }
    }
}
