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

    func table(_ s: Scene, _ name: String) throws -> [String] {
        try s.ws.store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM \(name) ORDER BY 1, 2").map {
                "\($0)".replacingOccurrences(of: s.dir.path, with: "DIR")
            }
        }
    }

    /// Classify compares the harvest with stored rows read ahead, while the dumps are parsed;
    /// without that the merge reads them itself. Both must store the same, run after run:
    /// fresh, the same dump again (nothing changes), later sightings, new probes and helos.
    @Test func storedRowsReadAheadOrNotStoreTheSame() throws {
        let t: Int64 = 1_700_000_000
        func probes(_ at: Int64, helo: String) -> String {
            "GREY|198.51.100.7|\(helo)|<>|<mx42.antispamcloud.com-\(t)-testing@bsdly.com>|\(at)|\(at)|\(at)|1|0\n"
                + "GREY|198.51.100.8||<>|<mx43.example-\(t)-testing@bsdly.net>|\(at)|\(at)|\(at)|1|0\n"
        }
        let runs: [(String, Int64)] = [
            (dump(t) + probes(t + 40, helo: ""), t),
            (dump(t) + probes(t + 40, helo: ""), t),
            (dump(t + 600) + probes(t + 30, helo: "mx42.antispamcloud.com"), t + 600),
            (dump(t + 900) + "SPAMTRAP|newtrap@bsdly.net\n", t + 900),
        ]
        var results: [[[String]]] = []
        for readAhead in [true, false] {
            let s = try Scene()
            s.ws.store.readAheadEnabled = readAhead
            var tables: [[String]] = []
            for (text, now) in runs {
                try s.classify(text, now: now)
                for name in ["address", "host", "callback"] { tables.append(try table(s, name)) }
            }
            results.append(tables)
        }
        #expect(results[0] == results[1])
        #expect(results[0][2].count == 2)  // both probes, one row each
        #expect(results[0][8].contains { $0.contains("mx42.antispamcloud.com") && $0.contains("helo:") })
    }
}
