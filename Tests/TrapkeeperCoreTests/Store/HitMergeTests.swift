import Foundation
import GRDB
import Testing

@testable import TrapkeeperCore

/// The merge writes only the (host, address) hit pairs that are new or carry newer times: it
/// walks the stored pairs in key order beside the harvest's pairs sorted the same way
/// (`PairOrder`). If the two orders ever disagreed, a changed pair could be skipped. These
/// nights are made of keys whose byte order is easy to get wrong: host texts that are prefixes
/// of each other (`10.0.0.1`, `10.0.0.12`), IPv6 beside IPv4, addresses that are prefixes of
/// each other, upper case, bytes above 0x7F, `~` and `_` around the letters.
@Suite struct HitMergeTests {
    static let t0: Int64 = 1_700_000_000
    static let hosts = [
        "10.0.0.1", "10.0.0.12", "10.0.0.123", "10.0.0.2", "10.0.1.2", "9.9.9.9", "100.0.0.1", "2001:db8::1",
        "2001:db8::1:0", "2001:db8::10", "2001:db8:0:1::", "::1", "fe80::1",
    ]
    static let addresses = [
        "a@bsdly.com", "aa@bsdly.com", "a.b@bsdly.com", "A.B@bsdly.com", "ab@bsdly.com", "a@bsdly.net", "zé@bsdly.com",
        "ze@bsdly.com", "~x@bsdly.com", "_x@bsdly.com", "0@bsdly.com", "x-y@bsdly.net", "xy@bsdly.net",
    ]
    static let senders = ["kd@xmail.ru", "", "postmaster@mx.example", "bounce@list.example"]

    /// Hosts that only mail real users (the Scene's valid addresses) or only appear in TRAPPED
    /// lines: hosts without a pair, sorting among those with pairs.
    static let hostsWithoutPairs = ["1.0.0.1", "10.0.0.11", "10.0.0.3", "2001:db8::", "99.0.0.1"]

    /// One night: `lines` GREY tuples drawn from the pools, seen within five days before t0, and
    /// some mail to real users and TRAPPED lines from hosts without pairs.
    static func night(_ rng: inout SeededRandom, lines: Int) -> String {
        var text = ""
        for _ in 0..<lines / 10 {
            let ip = hostsWithoutPairs[rng.below(hostsWithoutPairs.count)]
            let seen = t0 - Int64(rng.below(5 * 86400))
            text +=
                rng.below(2) == 0
                ? "TRAPPED|\(ip)|\(t0 + 3600)\n"
                : "GREY|\(ip)|mx.example|<kd@xmail.ru>|<alice@bsdly.com>|\(seen)|\(seen + 3600)|\(seen + 14400)|1|0\n"
        }
        for _ in 0..<lines {
            let ip = hosts[rng.below(hosts.count)]
            let to = addresses[rng.below(addresses.count)]
            let from = senders[rng.below(senders.count)]
            let seen = t0 - Int64(rng.below(5 * 86400))
            text += "GREY|\(ip)|mx.example|<\(from)>|<\(to)>|\(seen)|\(seen + 3600)|\(seen + 14400)|1|0\n"
        }
        return text
    }

    typealias Hits = [String: [Int64?]]

    /// The harvest's pairs by "ip address" → [first, last, last non-verifier].
    static func pairs(_ harvest: Harvest) -> Hits {
        harvest.reading { state in
            var out: Hits = [:]
            state.forEachPair { host, a, first, last, lastNonVerifier in
                let address = state.withAddressKey(a) { String(decoding: $0, as: UTF8.self) }
                out["\(state.hostKey(host)) \(address)"] = [first, last, lastNonVerifier]
            }
            return out
        }
    }

    /// The stored hit lists in the same form, and their keys in SQLite's key order (hosts by
    /// `ORDER BY ip`, each host's addresses in its list's order).
    static func stored(_ s: Scene) throws -> (hits: Hits, order: [String]) {
        try s.ws.store.read { db in
            var hits: Hits = [:]
            var order: [String] = []
            try s.ws.store.forEachHit(db) { ip, address, first, last, lastNonVerifier in
                let key = "\(ip) \(address())"
                order.append(key)
                hits[key] = [first, last, lastNonVerifier]
            }
            return (hits, order)
        }
    }

    /// With the stored rows read ahead (as classify does) and read in the merge.
    @Test(arguments: 0..<25, [true, false])
    func storedHitsAreTheFoldOfEveryNight(seed: Int, readAhead: Bool) throws {
        var rng = SeededRandom(seed: UInt64(seed) &* 0x9E37_79B9 &+ 11)
        let s = try Scene()
        var expected: Hits = [:]
        for n in 0..<4 {
            let now = Self.t0 + Int64(n) * 3600
            let harvest = Harvest(classifier: s.ws.classifier, now: now)
            // Odd seeds: the night in chunks (a pair's records from each chunk are folded by
            // `PairOrder`), then a second file into the same harvest (the absorbed pairs are
            // indexed before its hits).
            let chunked = seed % 2 == 1
            _ = try ClassifyJob.parseInput(
                ClassifyInput(
                    source: "test", path: s.dir.write("night\(n)", Self.night(&rng, lines: 20 + rng.below(300))),
                    format: .auto),
                into: harvest, workspace: s.ws, now: now, parallelThreshold: chunked ? 0 : .max,
                parts: 2 + seed % 3)
            if chunked {
                _ = try ClassifyJob.parseInput(
                    ClassifyInput(
                        source: "test", path: s.dir.write("more\(n)", Self.night(&rng, lines: 40)), format: .auto),
                    into: harvest, workspace: s.ws, now: now, parallelThreshold: 0, parts: 2)
            }
            let night = Self.pairs(harvest)
            #expect(!night.isEmpty)
            if n == 0 {
                // Into an empty state every pair is written, in `PairOrder`'s order: the same
                // order SQLite reads them back in.
                let order = harvest.reading { state in
                    let pairs = PairOrder(state)
                    return pairs.withKeys { keys in
                        (0..<pairs.count).map {
                            "\(String(decoding: keys.ip($0), as: UTF8.self)) \(String(decoding: keys.address($0), as: UTF8.self))"
                        }
                    }
                }
                _ = try s.ws.store.merge(harvest, readAhead: readAhead ? s.ws.store.readAhead() : nil)
                #expect(order == (try Self.stored(s).order))
            } else {
                _ = try s.ws.store.merge(harvest, readAhead: readAhead ? s.ws.store.readAhead() : nil)
            }
            for (key, v) in night {
                guard let old = expected[key] else {
                    expected[key] = v
                    continue
                }
                let lnv: Int64? = [old[2], v[2]].compactMap { $0 }.max()
                expected[key] = [min(old[0]!, v[0]!), max(old[1]!, v[1]!), lnv]
            }
            #expect(try Self.stored(s).hits == expected, "night \(n)")
        }
    }

    /// Every stored row in key order: the key as SQLite quotes it (type and value: `'10.0.0.1'`,
    /// `X'31'`) and the hits of its list.
    static func rows(_ db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: "SELECT quote(ip), hits FROM host_hits ORDER BY ip").map { row in
            let hits = try HitList.decode(Array(row[1] as Data))
            return
                "\(row[0] as String) \(hits.map { "\(String(decoding: $0.address, as: UTF8.self)) \($0.first) \($0.last) \(String(describing: $0.lastNonVerifier))" })"
        }
    }

    /// A state whose `host_hits` rows another tool or a hand wrote: keys held as BLOBs, host
    /// texts in other spellings, an empty list. Such a row is another key to SQLite: the merge
    /// leaves it as it is and merges the night into the TEXT row of the host, exactly as the
    /// definition (`HitList.merged` of each host's TEXT row and its night) leaves the table.
    @Test(arguments: [
        "UPDATE host_hits SET ip = CAST(ip AS BLOB) WHERE ip LIKE '10.%'",
        "UPDATE host_hits SET ip = CAST(ip AS BLOB)",
        "UPDATE host_hits SET hits = X'01' WHERE ip LIKE '2001:%'",
        "INSERT INTO host_hits SELECT upper(ip), hits FROM host_hits WHERE upper(ip) <> ip",
        "INSERT INTO host_hits SELECT '::ffff:' || ip, hits FROM host_hits WHERE ip NOT LIKE '%:%'",
        "INSERT INTO host_hits SELECT ip || ' ', hits FROM host_hits",
    ])
    func storedRowsOfOtherKeysMergeAsTheDefinitionSays(_ tamper: String) throws {
        var rng = SeededRandom(seed: UInt64(tamper.utf8.count))
        let s = try Scene()
        func harvest(_ name: String, _ text: String, now: Int64) throws -> Harvest {
            let h = Harvest(classifier: s.ws.classifier, now: now)
            _ = try ClassifyJob.parseInput(
                ClassifyInput(source: "test", path: s.dir.write(name, text), format: .auto), into: h, workspace: s.ws,
                now: now)
            return h
        }
        let night = Self.night(&rng, lines: 300)
        _ = try s.ws.store.merge(harvest("night0", night, now: Self.t0))
        try s.ws.store.write { try $0.execute(sql: tamper) }
        // The definition, from the tampered rows.
        var expected = try s.ws.store.read { db in
            try Row.fetchAll(db, sql: "SELECT quote(ip), ip, typeof(ip), hits FROM host_hits").map {
                (
                    quoted: $0[0] as String, ip: $0[1] as String, isText: ($0[2] as String) == "text",
                    hits: try HitList.decode(Array($0[3] as Data))
                )
            }
        }
        // The same night again (no pair newer), and some more lines (new and newer pairs).
        let again = try harvest("night1", night + Self.night(&rng, lines: 60), now: Self.t0 + 3600)
        var nightOf: [String: [HitList.Hit]] = [:]
        for (key, v) in Self.pairs(again) {
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            nightOf[parts[0], default: []].append(
                HitList.Hit(address: Array(parts[1].utf8), first: v[0]!, last: v[1]!, lastNonVerifier: v[2]))
        }
        for (ip, hits) in nightOf {
            if let i = expected.firstIndex(where: { $0.isText && $0.ip == ip }) {
                expected[i].hits = HitList.merged(expected[i].hits, hits)
            } else {
                expected.append(("'\(ip)'", ip, true, HitList.merged([], hits)))
            }
        }
        let want = Set(
            expected.map { e in
                "\(e.quoted) \(e.hits.sorted { $0.address.lexicographicallyPrecedes($1.address) }.map { "\(String(decoding: $0.address, as: UTF8.self)) \($0.first) \($0.last) \(String(describing: $0.lastNonVerifier))" })"
            })
        _ = try s.ws.store.merge(again)
        let merged = try s.ws.store.read { try Self.rows($0) }
        #expect(merged.count == want.count)
        let wrong = Set(merged).symmetricDifference(want).sorted()
        #expect(wrong.isEmpty, "\(wrong.count) rows differ: \(wrong.prefix(4))")
    }

    /// A host's stored value that is not a hit list (cut short, text, a number) stops the merge
    /// and every reader with the host named; nothing of the night is written.
    @Test(arguments: [
        "UPDATE host_hits SET hits = substr(hits, 1, length(hits) - 1) WHERE ip = '10.0.0.1'",
        "UPDATE host_hits SET hits = 'not a list' WHERE ip = '10.0.0.1'",
        "UPDATE host_hits SET hits = 42 WHERE ip = '10.0.0.1'",
        "UPDATE host_hits SET hits = X'0200' WHERE ip = '10.0.0.1'",
    ])
    func aDamagedListStopsTheMergeNamingTheHost(_ tamper: String) throws {
        let s = try Scene()
        let t = Self.t0
        let dump =
            grey("10.0.0.1", from: "kd@xmail.ru", to: "trap@bsdly.com", at: t)
            + grey("10.0.0.1", from: "kd@xmail.ru", to: "trap2@bsdly.com", at: t)
        try s.classify(dump, now: t)
        try s.ws.store.write { try $0.execute(sql: tamper) }
        #expect {
            try s.classify(dump + grey("10.0.0.1", from: "kd@xmail.ru", to: "trap3@bsdly.com", at: t + 60), now: t + 60)
        } throws: { "\($0)".contains("table host_hits, row ip=10.0.0.1") }
        #expect {
            _ = try s.ws.store.hits(ip: "10.0.0.1")
        } throws: { "\($0)".contains("table host_hits, row ip=10.0.0.1") && "\($0)".contains("restore the state") }
        #expect(throws: StoreError.self) { _ = try s.ws.store.recentHits(since: 0) }
    }

    /// A host key stored as a BLOB (by hand) is another key to SQLite: the merge passes over it
    /// (the night's hits go to the TEXT row), and the readers that would count it — publishing,
    /// near-miss networks — stop naming it instead of counting hits `explain` cannot show.
    @Test func aHostKeyThatIsNoTextStopsTheReadersNamingIt() throws {
        let s = try Scene()
        let t = Self.t0
        let dump = grey("10.0.0.1", from: "kd@xmail.ru", to: "trap@bsdly.com", at: t)
        try s.classify(dump, now: t)
        try s.ws.store.write { try $0.execute(sql: "UPDATE host_hits SET ip = CAST(ip AS BLOB)") }
        #expect {
            _ = try s.ws.store.recentHits(since: 0)
        } throws: {
            "\($0)".contains("table host_hits, row ip=X'31302E302E302E31'") && "\($0)".contains("not stored as text")
        }
        try s.classify(dump, now: t + 60)
        let kinds = try s.ws.store.read {
            try String.fetchAll($0, sql: "SELECT typeof(ip) FROM host_hits ORDER BY 1")
        }
        #expect(kinds == ["blob", "text"])
    }

    /// The walk's order is SQLite's: keys of any bytes (NUL, bytes above 0x7F, invalid UTF-8,
    /// prefixes of each other), bound as TEXT the way the merge binds them, come back from
    /// `ORDER BY ip, address` in the order `PairOrder.compare` sorts them.
    @Test func sqliteReadsKeysBackInPairOrder() throws {
        var rng = SeededRandom(seed: 0x0_4DE2)
        let alphabet: [UInt8] = [0x00, 0x01, 0x2E, 0x31, 0x32, 0x3A, 0x40, 0x41, 0x61, 0x7F, 0x80, 0xA9, 0xC3, 0xFF]
        func text() -> [UInt8] { (0..<rng.below(6)).map { _ in alphabet[rng.below(alphabet.count)] } }
        var keys: [[[UInt8]]] = []
        var seen = Set<[[UInt8]]>()
        for _ in 0..<3000 {
            let key = [text(), text()]
            if seen.insert(key).inserted { keys.append(key) }
        }
        let read = try DatabaseQueue().write { db -> [[[UInt8]]] in
            try db.execute(
                sql:
                    "CREATE TABLE hit (ip TEXT NOT NULL, address TEXT NOT NULL, PRIMARY KEY (ip, address)) WITHOUT ROWID"
            )
            let insert = BulkStatement(try db.makeStatement(sql: "INSERT INTO hit VALUES (?, ?)"))
            for key in keys {
                try key[0].withUnsafeBytes { ip in
                    try key[1].withUnsafeBytes { address in
                        insert.bind(1, bytes: ip)
                        insert.bind(2, bytes: address)
                        try insert.step()
                    }
                }
            }
            var out: [[[UInt8]]] = []
            try RowScanner(db.makeStatement(sql: "SELECT ip, address FROM hit ORDER BY ip, address")).forEachRow {
                out.append([Array($0.bytes(0)), Array($0.bytes(1))])
            }
            return out
        }
        func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
            a.withUnsafeBytes { a in b.withUnsafeBytes { b in PairOrder.compare(a, b) } }
        }
        let sorted = keys.sorted { a, b in
            let c = compare(a[0], b[0])
            return c != 0 ? c < 0 : compare(a[1], b[1]) < 0
        }
        #expect(read.count == keys.count)
        #expect(read == sorted)
    }

    /// The siblings of the hit pairs: a stored address, host or callback row whose key is a
    /// BLOB (the same bytes as the TEXT key the merge writes, but another key to SQLite) never
    /// makes the merge skip the row: after the next night the TEXT row is there, as an upsert
    /// of every row leaves it — with the stored rows read ahead and read in the merge.
    @Test(arguments: [true, false])
    func storedRowsWithABlobKeyNeverHideARow(readAhead: Bool) throws {
        let s = try Scene()
        s.ws.store.readAheadEnabled = readAhead
        let t = Self.t0
        let dump =
            grey("45.95.147.1", from: "kd@xmail.ru", to: "trap@bsdly.com", at: t)
            + "GREY|198.51.100.7|mx42.antispamcloud.com|<>|<mx42.antispamcloud.com-\(t)-testing@bsdly.com>|"
            + "\(t)|\(t)|\(t)|1|0\n"
        try s.classify(dump, now: t)
        func count(_ sql: String) throws -> Int { try s.ws.store.read { try Int.fetchOne($0, sql: sql) ?? -1 } }
        #expect(try count("SELECT count(*) FROM address WHERE address = 'trap@bsdly.com'") == 1)
        #expect(try count("SELECT count(*) FROM host WHERE ip = '45.95.147.1'") == 1)
        #expect(try count("SELECT count(*) FROM callback WHERE ip = '198.51.100.7'") == 1)
        try s.ws.store.write { db in
            try db.execute(sql: "UPDATE address SET address = CAST(address AS BLOB) WHERE address = 'trap@bsdly.com'")
            try db.execute(sql: "UPDATE host SET ip = CAST(ip AS BLOB) WHERE ip = '45.95.147.1'")
            try db.execute(sql: "UPDATE callback SET ip = CAST(ip AS BLOB) WHERE ip = '198.51.100.7'")
        }
        #expect(try count("SELECT count(*) FROM address WHERE address = 'trap@bsdly.com'") == 0)
        try s.classify(dump, now: t + 60)
        #expect(try count("SELECT count(*) FROM address WHERE address = 'trap@bsdly.com'") == 1)
        #expect(try count("SELECT count(*) FROM host WHERE ip = '45.95.147.1'") == 1)
        #expect(try count("SELECT count(*) FROM callback WHERE ip = '198.51.100.7'") == 1)
    }
}
