import Foundation
import GRDB
import Testing

@testable import TrapkeeperCore

/// The merge writes the first host rows from a buffer encoded ahead on a second thread and the
/// rest encoded as they go; where the cut falls must not change a stored byte.
@Suite struct MergeRowsTests {
    func dump(_ t: Int64) -> String {
        var text = ""
        for i in 0..<60 {
            text += grey(
                "45.95.\(i % 3).\(i)", from: i % 5 == 0 ? "" : "kd\(i)@xmail.ru", to: "t\(i % 17)@bsdly.com",
                at: t - Int64(i))
            if i % 4 == 0 { text += "TRAPPED|45.95.\(i % 3).\(i)|\(t + Int64(i))\n" }
        }
        text += "GREY|2001:db8::7|h6|<a@b.example>|<v6trap@bsdly.net>|\(t)|\(t)|\(t)|1|0\n"
        return text
    }

    func hostTable(_ s: Scene) throws -> [String] {
        try s.ws.store.read { db in
            // Evidence names the dump by its path: each scene has its own folder.
            try Row.fetchAll(db, sql: "SELECT * FROM host ORDER BY ip").map {
                "\($0)".replacingOccurrences(of: s.dir.path, with: "DIR")
            }
        }
    }

    @Test func whereTheEncodedAheadRowsEndChangesNothing() throws {
        let t: Int64 = 1_700_000_000
        var tables: [[String]] = []
        for limit in [65_536, 7, 0] {
            let s = try Scene()
            s.ws.store.hostRowsEncodedAhead = limit
            try s.classify(dump(t), now: t)
            try s.classify(dump(t + 600), now: t + 600)  // every host changes: rows rewritten
            tables.append(try hostTable(s))
        }
        #expect(tables[0].count == 61)
        #expect(tables[0] == tables[1])
        #expect(tables[0] == tables[2])
    }
}
