import Foundation
import GRDB
import Testing

@testable import TrapkeeperCore

/// Classify reads the stored rows the merge compares with ahead, on a second connection, while
/// the dumps are parsed (`StoredRows`). When that read fails the merge reads them itself, in
/// its transaction, and says so; what it stores is the same.
@Suite struct ReadAheadTests {
    static let t: Int64 = 1_700_000_000

    func dump(_ t: Int64) -> String {
        var text = ""
        for i in 0..<40 {
            text += grey("45.95.\(i % 3).\(i)", from: "kd\(i)@xmail.ru", to: "t\(i % 11)@bsdly.com", at: t - Int64(i))
            if i % 5 == 0 { text += "TRAPPED|45.95.\(i % 3).\(i)|\(t + Int64(i))\n" }
        }
        return text + "GREY|198.51.100.7|mx42.antispamcloud.com|<>|<mx42.antispamcloud.com-\(t)-testing@bsdly.com>|"
            + "\(t)|\(t)|\(t)|1|0\n"
    }

    func tables(_ s: Scene) throws -> [[String]] {
        try ["address", "host", "host_hits", "callback"].map { name in
            try s.ws.store.read { db in
                let columns = name == "host_hits" ? "ip, hex(hits)" : "*"
                return try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(name) ORDER BY 1, 2").map {
                    "\($0)".replacingOccurrences(of: s.dir.path, with: "DIR")
                }
            }
        }
    }

    /// The second night's merge gets a read-ahead that failed: the file it read is not a
    /// database (SQLite: "file is not a database"), as a state replaced or damaged under it
    /// would be. The warning names the state and the reason; the tables match a state that
    /// never read ahead.
    @Test func aFailedReadAheadIsReportedAndTheMergeReadsItself() throws {
        let plain = try Scene()
        plain.ws.store.readAheadEnabled = false
        try plain.classify(dump(Self.t), now: Self.t)
        try plain.classify(dump(Self.t + 600), now: Self.t + 600)

        let s = try Scene()
        try s.classify(dump(Self.t), now: Self.t)
        let harvest = Harvest(classifier: s.ws.classifier, now: Self.t + 600)
        _ = try ClassifyJob.parseInput(
            ClassifyInput(source: "test", path: s.dir.write("dump", dump(Self.t + 600)), format: .auto),
            into: harvest, workspace: s.ws, now: Self.t + 600)
        let notADatabase = s.dir.write("not-a-database", "GREY|this is text\n")
        let warnings = try s.ws.store.merge(
            harvest, readAhead: BackgroundResult { () throws(StoreError) in try StoredRows.read(path: notADatabase) })

        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("state \(s.ws.store.path): could not read the stored rows ahead") == true)
        #expect(warnings.first?.contains("file is not a database") == true)
        #expect(warnings.first?.contains("the merge read them itself") == true)
        #expect(try tables(s) == tables(plain))
        #expect(try tables(s)[0].count > 10)
    }

    /// Each way a read-ahead can fail throws with SQLite's reason, never returns nothing.
    @Test(arguments: ["missing", "not a database"])
    func readingAheadFromABadFileThrowsWithTheReason(_ what: String) throws {
        let dir = TempDir("readahead")
        let path = what == "missing" ? dir.file("no/such/state.sqlite") : dir.write("text", "not SQLite\n")
        #expect {
            _ = try StoredRows.read(path: path)
        } throws: { error in
            let e = error as? StoreError
            return e?.path == path && e?.message.contains(what == "missing" ? "open" : "not a database") == true
        }
    }
}
