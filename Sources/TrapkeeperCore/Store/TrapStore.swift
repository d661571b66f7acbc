import Foundation
import GRDB

/// The state: every address of our domains seen, hosts and their trap hits, callback
/// incidents, runs, source health, delistings, the last published lists and the audit trail,
/// in one SQLite file (WAL journal: a killed run leaves the last committed state).
public final class TrapStore {
    public let path: String
    let db: DatabaseQueue

    public init(path: String) throws {
        self.path = path
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            // The state holds every address of our domains seen and our correspondents' servers:
            // its owner only (SQLite gives the -wal and -shm files the main file's mode).
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                _ = chmod(path + suffix, 0o600)
            }
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // 64 MiB page cache: merges of 100 000+ rows stay in memory until commit.
                try db.execute(sql: "PRAGMA cache_size = -65536")
                // 64 KiB pages for a new state (an existing one keeps its size): a 100 000-row
                // merge is written with 16 × fewer page writes, and commits without an
                // immediate checkpoint of the whole file.
                try db.execute(sql: "PRAGMA page_size = 65536")
            }
            db = try DatabaseQueue(path: path, configuration: config)
            try db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
            // A state a newer trapkeeper migrated (a downgrade of the binary) is refused here:
            // opened, every command would fail later on a table it does not know.
            if try db.read({ try TrapStore.migrator.hasBeenSuperseded($0) }) {
                throw StoreError(
                    path: path,
                    "was written by a newer version of trapkeeper (its schema has steps this version does not know): run that version, or restore a state this version wrote"
                )
            }
            try TrapStore.migrator.migrate(db)
        } catch let e as DatabaseError {
            throw StoreError(path: path, "cannot open: \(e.message ?? e.description)")
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(path: path, "cannot open: \(error)")
        }
    }

    static func json(_ e: Evidence?) -> String? {
        e?.encoded
    }

    static func evidence(_ s: String?) -> Evidence? {
        s.flatMap(Evidence.init(encoded:))
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.write(body)
        } catch let e as DatabaseError {
            throw StoreError(path: path, e.message ?? e.description)
        } catch let e as RowDecodingError {
            throw TrapStore.unreadable(path, e)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.read(body)
        } catch let e as DatabaseError {
            throw StoreError(path: path, e.message ?? e.description)
        } catch let e as RowDecodingError {
            throw TrapStore.unreadable(path, e)
        }
    }

    /// A stored value of the wrong type (written by hand or by another tool: text where a time
    /// belongs): a clear error naming the table's column and row, never a crash.
    static func unreadable(_ path: String, _ e: RowDecodingError) -> StoreError {
        StoreError(
            path: path,
            "a stored value has the wrong type (was the state edited by hand?): \(e); fix that row or restore the state from a backup"
        )
    }

    /// Merges a harvest in one transaction. Idempotent: merging the same harvest again changes no
    /// row; `first_seen` of an address never moves once stored.
    ///
    /// Only rows that are new or change are written: the stored rows are read first and matched
    /// against the harvest by their bytes, so a steady-state run writes nothing. New rows go in
    /// in key order (SQLite's B-trees fill page by page instead of splitting pages all over).
    public func merge(_ harvest: Harvest) throws {
        _ = try merge(harvest, readAhead: nil)
    }

    /// `merge`, comparing with stored rows read ahead (`readAhead()`, started while the dumps
    /// were parsed) when given; otherwise the stored rows are read here, in the transaction.
    /// With rows read ahead, the host rows to write are chosen and encoded on a second thread
    /// while this one writes the addresses.
    ///
    /// A read-ahead that failed changes nothing stored (the rows are read here instead); it
    /// comes back as a warning for the caller to report.
    func merge(_ harvest: Harvest, readAhead: BackgroundResult<StoredRows, StoreError>?) throws -> [String] {
        harvest.drain()  // read-only from here on: the host rows may be prepared on another thread
        var warnings: [String] = []
        var stored: StoredRows?
        do {
            stored = try readAhead?.wait()
        } catch {
            warnings.append(
                "warning: state \(path): could not read the stored rows ahead (\(error.message)); the merge read them itself"
            )
        }
        let limit = hostRowsEncodedAhead
        let hostRows = stored.map { stored in
            BackgroundResult {
                harvest.reading { HostRows($0, needed: TrapStore.neededHosts($0, stored.hosts), limit: limit) }
            }
        }
        // The hit pairs are sorted on another thread while the addresses and hosts are written.
        let pairOrder = BackgroundResult { harvest.reading { PairOrder($0) } }
        try write { db in
            try harvest.reading { harvest in
                try mergeAddresses(harvest, db, stored: stored)
                tkTick("merge: addresses written")
                let prepared = hostRows?.wait()  // cannot fail: preparing rows reads memory only
                try mergeHosts(harvest, db, prepared: prepared)
                tkTick("merge: host rows written")
                let pairs = pairOrder.wait()
                tkTick("merge: pairs in key order")
                try mergeHits(harvest, db, pairs: pairs)
                tkTick("merge: hits written")
                try mergeCallbacks(harvest, db, stored: stored)
                tkTick("merge: callbacks written")
            }
        }
        return warnings
    }

    /// Which of the harvest's hosts need writing (true) after comparing with the stored rows
    /// read through `scanner`.
    private static func neededHosts(_ harvest: borrowing HarvestState, _ scanner: RowScanner) throws -> [Bool] {
        var needed = [Bool](repeating: true, count: harvest.hostCount)
        try scanner.forEachRow { row in
            hostRow(harvest, IPAddress(ascii: row.bytes(0)), row.int64(1), row.int64(2), row.int64(3), &needed)
        }
        return needed
    }

    /// `neededHosts` from rows read ahead.
    static func neededHosts(_ harvest: borrowing HarvestState, _ rows: [StoredRows.Host]) -> [Bool] {
        var needed = [Bool](repeating: true, count: harvest.hostCount)
        for r in rows { hostRow(harvest, r.ip, r.lastHit, r.lastNonVerifierHit, r.trappedExpire, &needed) }
        return needed
    }

    /// One stored host row: its harvest host needs no writing when nothing in it is newer.
    @inline(__always)
    private static func hostRow(
        _ harvest: borrowing HarvestState, _ ip: IPAddress?, _ storedLast: Int64?, _ storedNonVerifier: Int64?,
        _ storedTrapped: Int64?, _ needed: inout [Bool]
    ) {
        guard let ip, let i = harvest.findHost(ip) else { return }
        let h = harvest.hostValues(i)
        if (h.lastHit ?? .min) <= (storedLast ?? .min), (h.lastNonVerifierHit ?? .min) <= (storedNonVerifier ?? .min),
            (h.trappedExpire ?? .min) <= (storedTrapped ?? .min), storedLast != nil || h.lastHit == nil
        {
            needed[i] = false
        }
    }

    // The stored rows a merge compares with, to skip what would not change. Only rows as the
    // merge writes them (TEXT keys, INTEGER or NULL values) are compared: a row written by hand
    // or by another tool (a BLOB key — another key to SQLite than the TEXT of the same bytes —
    // or a REAL or TEXT value, compared otherwise than the merge compares) never proves a row
    // unchanged; it is passed over, and the upsert decides as SQLite sees it.
    static let hostScanSQL = """
        SELECT ip, last_hit, last_nonverifier_hit, trapped_expire FROM host
        WHERE typeof(ip) = 'text' AND typeof(last_hit) IN ('integer', 'null')
            AND typeof(last_nonverifier_hit) IN ('integer', 'null') AND typeof(trapped_expire) IN ('integer', 'null')
        """
    static let addressScanSQL = """
        SELECT address, roles, last_seen FROM address
        WHERE typeof(address) = 'text' AND typeof(roles) IN ('integer', 'null')
            AND typeof(last_seen) IN ('integer', 'null')
        """
    static let callbackScanSQL = """
        SELECT ip, probe_address, helo IS NOT NULL, seen FROM callback
        WHERE typeof(ip) = 'text' AND typeof(probe_address) = 'text' AND typeof(seen) IN ('integer', 'null')
        """

    private func mergeAddresses(_ harvest: borrowing HarvestState, _ db: Database, stored: StoredRows?) throws {
        let n = harvest.addressCount
        // Which seen addresses need writing: those with roles not stored yet or seen later.
        var needed = [Bool](repeating: true, count: n)
        func row(_ key: UnsafeRawBufferPointer, _ roles: Int64?, _ lastSeen: Int64?) {
            guard let i = harvest.findAddress(key) else { return }
            let e = harvest.addressEntry(i)
            if Int64(e.roles) & ~(roles ?? 0) == 0 && e.last <= (lastSeen ?? .min) { needed[i] = false }
        }
        if let stored {
            stored.forEachAddress(row)
        } else {
            try RowScanner(db.makeStatement(sql: TrapStore.addressScanSQL)).forEachRow {
                row($0.bytes(0), $0.int64(1), $0.int64(2))
            }
        }
        var order: [(key: SortKey, index: Int)] = []
        for i in 0..<n where needed[i] {
            let e = harvest.addressEntry(i)
            if e.roles != 0 && e.evidence >= 0 { order.append((harvest.withAddressKey(i) { SortKey($0) }, i)) }
        }
        order.sort { $0.key < $1.key }
        let bulk = BulkStatement(
            try db.makeStatement(
                sql: """
                    INSERT INTO address (address, roles, first_seen, last_seen, evidence)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(address) DO UPDATE SET
                        roles = roles | excluded.roles,
                        last_seen = max(last_seen, excluded.last_seen)
                    WHERE (roles | excluded.roles) != roles OR excluded.last_seen > last_seen
                    """))
        var evidence: [UInt8] = []
        evidence.reserveCapacity(512)
        for (_, i) in order {
            let e = harvest.addressEntry(i)
            evidence.removeAll(keepingCapacity: true)
            harvest.appendEvidence(e.evidence, to: &evidence)
            try harvest.withAddressKey(i) { address in
                try evidence.withUnsafeBytes { text in
                    bulk.bind(1, bytes: address)
                    bulk.bind(2, Int(e.roles))
                    bulk.bind(3, e.first)
                    bulk.bind(4, e.last)
                    bulk.bind(5, bytes: text)
                    try bulk.step()
                }
            }
        }
    }

    /// How many host rows a merge encodes ahead on its second thread (see `HostRows`).
    var hostRowsEncodedAhead = 65_536
    /// Whether classify reads the stored rows ahead (`StoredRows`); tests turn it off to
    /// check that both ways store the same.
    var readAheadEnabled = true

    /// The host rows a merge writes, sorted, the first `limit` of them encoded ahead
    /// (see `merge`) with their text fields as ranges of one byte buffer; the rest (`later`,
    /// host indexes in the same order) are encoded as they are written. The limit keeps the
    /// buffer to ~20 MB whatever the number of hosts (a 10 M-line dump has ~470 000).
    struct HostRows: Sendable {
        struct Row {
            var index: Int
            var ip: Range<Int>
            var hitEvidence: Range<Int>?
            var hitTrap: Range<Int>?
            var trappedEvidence: Range<Int>?
        }
        var bytes: [UInt8] = []
        var rows: [Row] = []
        var later: [Int] = []

        init(_ harvest: borrowing HarvestState, needed: [Bool], limit: Int) {
            var order: [(key: SortKey, text: String, index: Int)] = []
            for i in 0..<needed.count where needed[i] {
                var text = harvest.hostKey(i).description
                order.append((text.withUTF8 { SortKey(UnsafeRawBufferPointer($0)) }, text, i))
            }
            order.sort { $0.key < $1.key }
            let encoded = min(order.count, limit)
            bytes.reserveCapacity(encoded * 300)
            rows.reserveCapacity(encoded)
            later = order[encoded...].map(\.index)
            for (_, text, i) in order[..<encoded] { rows.append(HostRows.encode(harvest, i, ip: text, into: &bytes)) }
        }

        /// Appends host `i`'s text fields to `bytes`; the row says where they are.
        static func encode(_ harvest: borrowing HarvestState, _ i: Int, ip text: String, into bytes: inout [UInt8])
            -> Row
        {
            let h = harvest.hostValues(i)
            func field(_ append: (inout [UInt8]) -> Void) -> Range<Int> {
                let start = bytes.count
                append(&bytes)
                return start..<bytes.count
            }
            return Row(
                index: i, ip: field { $0.append(contentsOf: text.utf8) },
                hitEvidence: h.hitEvidence < 0 ? nil : field { harvest.appendEvidence(h.hitEvidence, to: &$0) },
                hitTrap: h.hitTrap < 0
                    ? nil : field { bytes in harvest.withAddressKey(h.hitTrap) { bytes.append(contentsOf: $0) } },
                trappedEvidence: h.trappedEvidence < 0
                    ? nil : field { harvest.appendEvidence(h.trappedEvidence, to: &$0) })
        }
    }

    private func mergeHosts(_ harvest: borrowing HarvestState, _ db: Database, prepared: HostRows?) throws {
        let hostRows =
            try prepared
            ?? HostRows(
                harvest,
                needed: TrapStore.neededHosts(harvest, RowScanner(db.makeStatement(sql: TrapStore.hostScanSQL))),
                limit: hostRowsEncodedAhead)
        let bulk = BulkStatement(
            try db.makeStatement(
                sql: """
                    INSERT INTO host (ip, first_hit, last_hit, last_nonverifier_hit, trapped_expire, hit_evidence, hit_trap, trapped_evidence)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(ip) DO UPDATE SET
                        first_hit = coalesce(first_hit, excluded.first_hit),
                        last_hit = max(coalesce(last_hit, excluded.last_hit), coalesce(excluded.last_hit, last_hit)),
                        hit_evidence = CASE
                            WHEN hit_evidence IS NULL THEN excluded.hit_evidence
                            WHEN last_nonverifier_hit IS NULL AND excluded.last_nonverifier_hit IS NOT NULL THEN excluded.hit_evidence
                            ELSE hit_evidence END,
                        hit_trap = CASE
                            WHEN hit_trap IS NULL THEN excluded.hit_trap
                            WHEN last_nonverifier_hit IS NULL AND excluded.last_nonverifier_hit IS NOT NULL THEN excluded.hit_trap
                            ELSE hit_trap END,
                        last_nonverifier_hit = max(coalesce(last_nonverifier_hit, excluded.last_nonverifier_hit), coalesce(excluded.last_nonverifier_hit, last_nonverifier_hit)),
                        trapped_evidence = CASE WHEN coalesce(excluded.trapped_expire, 0) > coalesce(trapped_expire, 0) THEN excluded.trapped_evidence ELSE trapped_evidence END,
                        trapped_expire = max(coalesce(trapped_expire, excluded.trapped_expire), coalesce(excluded.trapped_expire, trapped_expire))
                    WHERE (first_hit IS NULL AND excluded.first_hit IS NOT NULL)
                        OR coalesce(excluded.last_hit, 0) > coalesce(last_hit, 0)
                        OR coalesce(excluded.last_nonverifier_hit, 0) > coalesce(last_nonverifier_hit, 0)
                        OR coalesce(excluded.trapped_expire, 0) > coalesce(trapped_expire, 0)
                    """))
        func write(_ row: HostRows.Row, _ buffer: UnsafeRawBufferPointer) throws {
            func text(_ range: Range<Int>?) -> UnsafeRawBufferPointer? {
                range.map { UnsafeRawBufferPointer(rebasing: buffer[$0]) }
            }
            let h = harvest.hostValues(row.index)
            bulk.bind(1, bytes: text(row.ip))
            bulk.bind(2, h.firstHit)
            bulk.bind(3, h.lastHit)
            bulk.bind(4, h.lastNonVerifierHit)
            bulk.bind(5, h.trappedExpire)
            bulk.bind(6, bytes: text(row.hitEvidence))
            bulk.bind(7, bytes: text(row.hitTrap))
            bulk.bind(8, bytes: text(row.trappedEvidence))
            try bulk.step()
        }
        try hostRows.bytes.withUnsafeBytes { buffer in
            for row in hostRows.rows { try write(row, buffer) }
        }
        var scratch: [UInt8] = []
        for i in hostRows.later {
            scratch.removeAll(keepingCapacity: true)
            let row = HostRows.encode(harvest, i, ip: harvest.hostKey(i).description, into: &scratch)
            try scratch.withUnsafeBytes { try write(row, $0) }
        }
    }

    /// Hits per (host, address), kept as one `host_hits` row per host (`HitList`): each hit's
    /// first time only moves earlier, its last and last non-verifier times only later; a host
    /// whose hits are not new or newer is not written, so merging the same harvest again
    /// changes no row.
    ///
    /// The stored rows are read in key order and walked beside the harvest's pairs sorted the
    /// same way (`PairOrder`: by host text, then address bytes); each host's stored hits are
    /// merged with the night's (`HitList.merge`, held to `HitList.merged`). A row whose key is
    /// a BLOB is another key to SQLite and never matches; a row of ours whose value is not a
    /// well-formed hit list stops the merge with the host named (it was edited by hand: merging
    /// past it would drop its hits).
    private func mergeHits(_ harvest: borrowing HarvestState, _ db: Database, pairs: PairOrder) throws {
        // A host with a stored list that changed: its merged value, kept until the scan is over
        // (the stored bytes are valid only while the scan is on their row). A host new to the
        // state (nil) is encoded from the night when it is written: a fresh state's 140 MB of
        // values for ten 1 M-line dumps are never held at once.
        var values: [UInt8] = []
        var writes: [(group: Range<Int>, value: Range<Int>?)] = []
        try pairs.withKeys { keys in
            var scratch: [UInt8] = []
            func merge(_ group: Range<Int>, stored: UnsafeRawBufferPointer) throws {
                let changed: Bool
                do {
                    changed = try HitList.merge(
                        stored: stored, count: group.count, night: { TrapStore.night(keys, group, $0) }, into: &scratch)
                } catch {
                    throw TrapStore.damaged(path, ip: keys.ip(group.lowerBound), error)
                }
                guard changed else { return }
                let start = values.count
                values.append(contentsOf: scratch)
                writes.append((group, start..<values.count))
            }
            var group = keys.host(at: 0)  // the first host not yet passed by the stored rows
            try RowScanner(db.makeStatement(sql: TrapStore.hostHitsScanSQL)).forEachRow { row in
                guard !group.isEmpty, row.isText(0) else { return }
                let ip = row.bytes(0)
                var order = PairOrder.compare(keys.ip(group.lowerBound), ip)
                while order < 0 {
                    writes.append((group, nil))
                    group = keys.host(at: group.upperBound)
                    guard !group.isEmpty else { return }
                    order = PairOrder.compare(keys.ip(group.lowerBound), ip)
                }
                guard order == 0 else { return }
                guard row.isBlob(1) else {
                    throw TrapStore.damaged(
                        path, ip: ip, HitList.Malformed(offset: 0, reason: "the value is not a BLOB"))
                }
                try merge(group, stored: row.bytes(1))
                group = keys.host(at: group.upperBound)
            }
            while !group.isEmpty {
                writes.append((group, nil))
                group = keys.host(at: group.upperBound)
            }
        }
        tkTick("merge: stored hits compared (\(writes.count) hosts to write)")
        let bulk = BulkStatement(try db.makeStatement(sql: TrapStore.hostHitsUpsertSQL))
        try pairs.withKeys { keys in
            var scratch: [UInt8] = []
            try values.withUnsafeBytes { all in
                for w in writes {
                    if w.value == nil {
                        _ = try HitList.merge(
                            stored: nil, count: w.group.count, night: { TrapStore.night(keys, w.group, $0) },
                            into: &scratch)
                    }
                    try scratch.withUnsafeBytes { new in
                        bulk.bind(1, bytes: keys.ip(w.group.lowerBound))
                        bulk.bind(2, blob: w.value.map { UnsafeRawBufferPointer(rebasing: all[$0]) } ?? new)
                        try bulk.step()
                    }
                }
            }
        }
    }

    /// Hit `k` of a host's night (`group`: its positions in the pair order), as `HitList.merge`
    /// takes it.
    private static func night(_ keys: PairOrder.Keys, _ group: Range<Int>, _ k: Int) -> HitList.Night {
        let p = keys.hits(group.lowerBound + k)
        return (keys.address(group.lowerBound + k), p.first, p.last, p.lastNonVerifier)
    }

    /// Writes a host's hit list, new or replacing the stored one.
    static let hostHitsUpsertSQL = """
        INSERT INTO host_hits (ip, hits) VALUES (?, ?) ON CONFLICT(ip) DO UPDATE SET hits = excluded.hits
        """

    /// The stored hit lists, in key order (the primary key's: no sort step).
    static let hostHitsScanSQL = "SELECT ip, hits FROM host_hits ORDER BY ip"

    /// A stored hit list that is not one (edited by hand or by another tool).
    static func damaged(_ path: String, ip: UnsafeRawBufferPointer, _ e: HitList.Malformed) -> StoreError {
        damaged(path, ip: String(decoding: ip, as: UTF8.self), e)
    }

    static func damaged(_ path: String, ip: String, _ e: HitList.Malformed) -> StoreError {
        StoreError(
            path: path,
            "table host_hits, row ip=\(ip): \(e) (was the state edited by hand?); fix that row or restore the state from a backup"
        )
    }

    private func mergeCallbacks(_ harvest: borrowing HarvestState, _ db: Database, stored rows: StoredRows?) throws {
        struct Stored {
            var hasHelo: Bool
            var seen: Int64
        }
        // The stored row of each incident (by its index), matched by bytes: no String per row.
        let incidents = harvest.incidents
        var stored = [Stored?](repeating: nil, count: incidents.count)
        func row(_ ip: IPAddress?, _ address: UnsafeRawBufferPointer, _ hasHelo: Bool, _ seen: Int64) {
            guard let ip, let i = harvest.incidentIndex(ip: ip, address: address) else { return }
            stored[i] = Stored(hasHelo: hasHelo, seen: seen)
        }
        if !incidents.isEmpty {
            if let rows {
                rows.forEachCallback(row)
            } else {
                try RowScanner(db.makeStatement(sql: TrapStore.callbackScanSQL)).forEachRow {
                    row(IPAddress(ascii: $0.bytes(0)), $0.bytes(1), $0.int64(2) == 1, $0.int64(3) ?? .max)
                }
            }
        }
        let bulk = BulkStatement(
            try db.makeStatement(
                sql: """
                    INSERT INTO callback (ip, probe_address, helo, sender, kind, rule, probe_time, seen, source, file, line)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(ip, probe_address) DO UPDATE SET
                        helo = coalesce(helo, excluded.helo),
                        seen = min(seen, excluded.seen)
                    WHERE (helo IS NULL AND excluded.helo IS NOT NULL) OR excluded.seen < seen
                    """))
        // In key order (ip, probe address), like the other tables, with the text fields encoded
        // into one reused buffer and bound without a copy: a fresh state's 8 000 incidents took
        // ~45 ms bound as Strings in harvest order.
        var order: [(ip: String, index: Int)] = []
        for (i, c) in incidents.enumerated() {
            if let s = stored[i], s.hasHelo || c.helo == nil, c.seen >= s.seen { continue }
            order.append((c.ip.description, i))
        }
        order.sort { a, b in
            a.ip != b.ip
                ? a.ip.utf8.lexicographicallyPrecedes(b.ip.utf8)
                : incidents[a.index].probeAddress.utf8.lexicographicallyPrecedes(incidents[b.index].probeAddress.utf8)
        }
        var buffer: [UInt8] = []
        for (ip, i) in order {
            let c = incidents[i]
            buffer.removeAll(keepingCapacity: true)
            var ranges: [Range<Int>?] = []
            for text in [ip, c.probeAddress, c.helo, c.sender, c.shape.name, c.rule, c.source, c.file] {
                guard let text else {
                    ranges.append(nil)
                    continue
                }
                let start = buffer.count
                buffer.append(contentsOf: text.utf8)
                ranges.append(start..<buffer.count)
            }
            try buffer.withUnsafeBytes { all in
                func text(_ k: Int) -> UnsafeRawBufferPointer? {
                    ranges[k].map { UnsafeRawBufferPointer(rebasing: all[$0]) }
                }
                bulk.bind(1, bytes: text(0))
                bulk.bind(2, bytes: text(1))
                bulk.bind(3, bytes: text(2))
                bulk.bind(4, bytes: text(3))
                bulk.bind(5, bytes: text(4))
                bulk.bind(6, bytes: text(5))
                bulk.bind(7, c.probeTime)
                bulk.bind(8, c.seen)
                bulk.bind(9, bytes: text(6))
                bulk.bind(10, bytes: text(7))
                bulk.bind(11, c.line)
                try bulk.step()
            }
        }
    }

    /// The first 16 bytes of a key as two big-endian words: sorting new rows by it puts them
    /// (nearly) in SQLite's BINARY order, so inserts fill B-tree pages in order. The order only
    /// affects speed, never the stored result.
    struct SortKey: Comparable {
        var high: UInt64 = 0
        var low: UInt64 = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            for i in 0..<min(16, bytes.count) {
                let b = UInt64(bytes[i])
                if i < 8 { high |= b << (56 - 8 * UInt64(i)) } else { low |= b << (56 - 8 * UInt64(i - 8)) }
            }
        }

        static func < (a: SortKey, b: SortKey) -> Bool { a.high != b.high ? a.high < b.high : a.low < b.low }
    }
}
