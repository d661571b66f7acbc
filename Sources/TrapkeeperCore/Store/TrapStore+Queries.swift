import Foundation
import GRDB

/// One stored address of our domains.
public struct AddressRow: Sendable {
    public var address: String
    public var roles: AddressRoles
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var evidence: Evidence?
}

/// One stored host.
public struct HostRow: Sendable {
    public var ip: String
    public var firstHit: Int64?
    public var lastHit: Int64?
    public var lastNonVerifierHit: Int64?
    public var trappedExpire: Int64?
    public var hitEvidence: Evidence?
    public var hitTrap: String?
    public var trappedEvidence: Evidence?
    /// The last non-verifier hit to an address that is a trap *now* (at publish time), from the
    /// host's hits per address (`TrapStore.hits`); nil: none. Whether a hit counts is decided
    /// when the lists are made: a hit to an address that has since become valid, protected, a
    /// held near-miss or delisted does not keep the host listed. Filled in by `PublishPlan` and
    /// `Explainer`; the export rule reads only this, not `lastNonVerifierHit`.
    public var lastTrapHit: Int64?

    public init(
        ip: String, firstHit: Int64?, lastHit: Int64?, lastNonVerifierHit: Int64?, trappedExpire: Int64?,
        hitEvidence: Evidence?, hitTrap: String?, trappedEvidence: Evidence?, lastTrapHit: Int64? = nil
    ) {
        self.ip = ip
        self.firstHit = firstHit
        self.lastHit = lastHit
        self.lastNonVerifierHit = lastNonVerifierHit
        self.trappedExpire = trappedExpire
        self.hitEvidence = hitEvidence
        self.hitTrap = hitTrap
        self.trappedEvidence = trappedEvidence
        self.lastTrapHit = lastTrapHit
    }

    /// Every trap hit carried a verifier-shaped sender (or there were none at all but TRAPPED).
    public var isVerifierHost: Bool { lastHit != nil && lastNonVerifierHit == nil }
}

/// A host's hits to one address: the first and the last, and the last one whose sender was
/// not verifier-shaped (nil: every hit of the pair was a verifier's).
public struct HitRow: Sendable, Equatable {
    public var ip: String
    public var address: String
    public var first: Int64
    public var last: Int64
    public var lastNonVerifier: Int64?
}

/// One stored callback incident.
public struct CallbackRow: Sendable, Codable {
    public var ip: String
    public var helo: String?
    public var probeAddress: String
    public var sender: String
    public var kind: String
    public var rule: String
    public var probeTime: Int64?
    public var seen: Int64
    public var source: String
}

/// One entry of the audit trail.
public struct AuditRow: Sendable {
    public var at: Int64
    public var kind: String
    public var entry: String
    public var action: String
    public var cause: String
}

/// Health of one source.
public struct SourceHealth: Sendable {
    public var name: String
    public var url: String
    public var lastAttempt: Int64?
    public var lastSuccess: Int64?
    public var lastError: String?
    public var lastErrorAt: Int64?
    public var httpStatus: Int?
    public var bytes: Int64?
    public var lines: Int?
    public var records: Int?
    public var rejects: Int?
    public var etag: String?
    public var lastModified: String?
    public var cachedAt: Int64?
    public var cachePath: String?

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }
}

/// One past run.
public struct RunRow: Sendable {
    public var id: Int64
    public var command: String
    public var startedAt: Int64
    public var now: Int64
    public var finishedAt: Int64?
    public var exitCode: Int?
    public var traps: Int?
    public var hosts: Int?
    public var validCount: Int?
    public var message: String?
}

extension TrapStore {
    public func addresses() throws -> [AddressRow] {
        try read { db in
            var out: [AddressRow] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT address, roles, first_seen, last_seen, evidence FROM address")
            while let r = try rows.next() {
                out.append(
                    AddressRow(
                        address: try r.decode(atIndex: 0), roles: AddressRoles(rawValue: try r.decode(atIndex: 1)),
                        firstSeen: try r.decode(atIndex: 2), lastSeen: try r.decode(atIndex: 3),
                        evidence: TrapStore.evidence(try r.decode(atIndex: 4))))
            }
            return out
        }
    }

    /// Address and roles of every stored address, sorted by bytes, without evidence (what
    /// publishing needs).
    public func addressRoles() throws -> [(address: String, roles: AddressRoles)] {
        try read { db in
            var out: [(address: String, roles: AddressRoles)] = []
            // BINARY collation: byte order, which is the order spamtraps.txt is published in.
            let rows = try Row.fetchCursor(db, sql: "SELECT address, roles FROM address ORDER BY address")
            while let r = try rows.next() {
                out.append((try r.decode(atIndex: 0), AddressRoles(rawValue: try r.decode(atIndex: 1))))
            }
            return out
        }
    }

    /// Hosts without evidence (what publishing needs).
    public func hostsForPublishing() throws -> [HostRow] {
        try hostsWithoutEvidence(withTrap: false)
    }

    /// Every host without its evidence texts, with the trap its hit evidence names or without.
    func hostsWithoutEvidence(withTrap: Bool) throws -> [HostRow] {
        try read { db in
            var out: [HostRow] = []
            let rows = try Row.fetchCursor(
                db,
                sql:
                    "SELECT ip, first_hit, last_hit, last_nonverifier_hit, trapped_expire\(withTrap ? ", hit_trap" : "") FROM host"
            )
            while let r = try rows.next() {
                out.append(
                    HostRow(
                        ip: try r.decode(atIndex: 0), firstHit: try r.decode(atIndex: 1),
                        lastHit: try r.decode(atIndex: 2), lastNonVerifierHit: try r.decode(atIndex: 3),
                        trappedExpire: try r.decode(atIndex: 4),
                        hitEvidence: nil, hitTrap: withTrap ? try r.decode(atIndex: 5) : nil, trappedEvidence: nil))
            }
            return out
        }
    }

    public func address(_ a: String) throws -> AddressRow? {
        try read { db in
            guard
                let r = try Row.fetchOne(
                    db, sql: "SELECT address, roles, first_seen, last_seen, evidence FROM address WHERE address = ?",
                    arguments: [a])
            else { return nil }
            return AddressRow(
                address: try r.decode(atIndex: 0), roles: AddressRoles(rawValue: try r.decode(atIndex: 1)),
                firstSeen: try r.decode(atIndex: 2), lastSeen: try r.decode(atIndex: 3),
                evidence: TrapStore.evidence(try r.decode(atIndex: 4)))
        }
    }

    static func hostRow(_ r: Row) throws -> HostRow {
        HostRow(
            ip: try r.decode(atIndex: 0), firstHit: try r.decode(atIndex: 1), lastHit: try r.decode(atIndex: 2),
            lastNonVerifierHit: try r.decode(atIndex: 3), trappedExpire: try r.decode(atIndex: 4),
            hitEvidence: TrapStore.evidence(try r.decode(atIndex: 5)), hitTrap: try r.decode(atIndex: 6),
            trappedEvidence: TrapStore.evidence(try r.decode(atIndex: 7)))
    }

    static let hostColumns =
        "ip, first_hit, last_hit, last_nonverifier_hit, trapped_expire, hit_evidence, hit_trap, trapped_evidence"

    public func hosts() throws -> [HostRow] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(TrapStore.hostColumns) FROM host").map(TrapStore.hostRow)
        }
    }

    public func host(_ ip: String) throws -> HostRow? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(TrapStore.hostColumns) FROM host WHERE ip = ?", arguments: [ip])
                .map(TrapStore.hostRow)
        }
    }

    public func callbacks(ip: String? = nil, address: String? = nil) throws -> [CallbackRow] {
        try read { db in
            var sql = "SELECT ip, helo, probe_address, sender, kind, rule, probe_time, seen, source FROM callback"
            var args: StatementArguments = []
            if let ip {
                sql += " WHERE ip = ?"
                args = [ip]
            } else if let address {
                sql += " WHERE probe_address = ?"
                args = [address]
            }
            sql += " ORDER BY seen, ip, probe_address"
            return try Row.fetchAll(db, sql: sql, arguments: args).map { r in
                CallbackRow(
                    ip: try r.decode(atIndex: 0), helo: try r.decode(atIndex: 1),
                    probeAddress: try r.decode(atIndex: 2), sender: try r.decode(atIndex: 3),
                    kind: try r.decode(atIndex: 4), rule: try r.decode(atIndex: 5), probeTime: try r.decode(atIndex: 6),
                    seen: try r.decode(atIndex: 7), source: try r.decode(atIndex: 8))
            }
        }
    }

    // MARK: delisting

    public func delistings() throws -> [String: (kind: String, reason: String, at: Int64)] {
        try read { db in
            var out: [String: (kind: String, reason: String, at: Int64)] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT entry, kind, reason, at FROM delisting") {
                out[try r.decode(atIndex: 0)] = (
                    try r.decode(atIndex: 1), try r.decode(atIndex: 2), try r.decode(atIndex: 3)
                )
            }
            return out
        }
    }

    /// Takes an entry off the lists for good; audited.
    public func delist(entry: String, kind: String, reason: String, at: Int64) throws {
        try write { db in
            try db.execute(
                sql:
                    "INSERT INTO delisting (entry, kind, reason, at) VALUES (?, ?, ?, ?) ON CONFLICT(entry) DO UPDATE SET reason = excluded.reason, at = excluded.at",
                arguments: [entry, kind, reason, at])
            try db.execute(
                sql: "INSERT INTO audit (at, kind, entry, action, cause) VALUES (?, ?, ?, 'delisted', ?)",
                arguments: [at, kind, entry, "delisted by operator: \(reason)"])
        }
    }

    /// Undoes a delisting; returns false when the entry was not delisted.
    public func relist(entry: String, at: Int64) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM delisting WHERE entry = ?", arguments: [entry])
            guard db.changesCount > 0 else { return false }
            let kind = entry.contains("@") ? "address" : "ip"
            try db.execute(
                sql:
                    "INSERT INTO audit (at, kind, entry, action, cause) VALUES (?, ?, ?, 'relisted', 'relisted by operator')",
                arguments: [at, kind, entry])
            return true
        }
    }

    public func audit(entry: String) throws -> [AuditRow] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT at, kind, entry, action, cause FROM audit WHERE entry = ? ORDER BY id",
                arguments: [entry]
            ).map {
                AuditRow(
                    at: try $0.decode(atIndex: 0), kind: try $0.decode(atIndex: 1), entry: try $0.decode(atIndex: 2),
                    action: try $0.decode(atIndex: 3), cause: try $0.decode(atIndex: 4))
            }
        }
    }

    // MARK: published lists

    public func published(kind: String) throws -> Set<String> {
        try read { db in
            Set(try String.fetchAll(db, sql: "SELECT entry FROM published WHERE kind = ?", arguments: [kind]))
        }
    }

    /// Records what changed in the published lists and appends the audit rows, in one
    /// transaction. `added`/`removed` are (kind, entry) with kind "trap" or "host".
    public func recordPublished(
        added: [(kind: String, entry: String)], removed: [(kind: String, entry: String)], audit: [AuditRow], at: Int64
    ) throws {
        try write { db in
            let del = BulkStatement(try db.makeStatement(sql: "DELETE FROM published WHERE kind = ? AND entry = ?"))
            for r in removed {
                del.bind(1, r.kind)
                del.bind(2, r.entry)
                try del.step()
            }
            let ins = BulkStatement(
                try db.makeStatement(sql: "INSERT OR IGNORE INTO published (kind, entry, since) VALUES (?, ?, ?)"))
            for r in added {
                ins.bind(1, r.kind)
                ins.bind(2, r.entry)
                ins.bind(3, at)
                try ins.step()
            }
            let a = BulkStatement(
                try db.makeStatement(sql: "INSERT INTO audit (at, kind, entry, action, cause) VALUES (?, ?, ?, ?, ?)"))
            for row in audit {
                a.bind(1, row.at)
                a.bind(2, row.kind)
                a.bind(3, row.entry)
                a.bind(4, row.action)
                a.bind(5, row.cause)
                try a.step()
            }
        }
    }

    // MARK: hits per (host, address)

    /// The pairs with a non-verifier hit at or after `since`: what publishing needs to decide
    /// which hosts hit a trap recently.
    public func recentHits(since: Int64) throws -> [(ip: String, address: String, lastNonVerifier: Int64)] {
        try read { db in
            var out: [(ip: String, address: String, lastNonVerifier: Int64)] = []
            try forEachHit(db) { ip, address, _, _, lastNonVerifier in
                if let lastNonVerifier, lastNonVerifier >= since { out.append((ip, address(), lastNonVerifier)) }
            }
            return out
        }
    }

    /// Every address a host hit, newest first.
    public func hits(ip: String) throws -> [HitRow] {
        try read { db in
            var out: [HitRow] = []
            try forEachHit(db, where: "ip = ?", [ip]) { ip, address, first, last, lastNonVerifier in
                out.append(
                    HitRow(ip: ip, address: address(), first: first, last: last, lastNonVerifier: lastNonVerifier))
            }
            return out.sorted { a, b in
                a.last != b.last ? a.last > b.last : a.address.utf8.lexicographicallyPrecedes(b.address.utf8)
            }
        }
    }

    /// Every host that hit an address.
    public func hits(address wanted: String) throws -> [HitRow] {
        try read { db in
            var out: [HitRow] = []
            let key = Array(wanted.utf8)
            try forEachHit(db) { ip, address, first, last, lastNonVerifier in
                guard address.bytes.elementsEqual(key) else { return }
                out.append(HitRow(ip: ip, address: wanted, first: first, last: last, lastNonVerifier: lastNonVerifier))
            }
            return out.sorted { a, b in
                a.first != b.first ? a.first < b.first : a.ip.utf8.lexicographicallyPrecedes(b.ip.utf8)
            }
        }
    }

    /// A hit's address as the stored list holds it: its bytes, or them as text.
    struct StoredAddress {
        let bytes: UnsafeRawBufferPointer
        func callAsFunction() -> String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Calls `body` with every hit of the `host_hits` rows matching `condition` (all rows when
    /// nil), in key order: host, address, first, last and last non-verifier hit. A value that is not a
    /// well-formed hit list stops the read with the host named (`TrapStore.damaged`).
    func forEachHit(
        _ db: Database, where condition: String? = nil, _ arguments: StatementArguments = [],
        _ body: (String, StoredAddress, Int64, Int64, Int64?) throws -> Void
    ) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT ip, hits, typeof(ip) = 'text', quote(ip) FROM host_hits"
                + (condition.map { " WHERE \($0)" } ?? "") + " ORDER BY ip",
            arguments: arguments)
        while let r = try rows.next() {
            // A key that is no TEXT (written by hand) is another key to SQLite: the merge never
            // matches it and `hits(ip:)` never finds it, so publishing must not count it either.
            guard try r.decode(Bool.self, atIndex: 2) else {
                throw TrapStore.damaged(
                    path, ip: try r.decode(String.self, atIndex: 3),
                    HitList.Malformed(offset: 0, reason: "the host is not stored as text"))
            }
            let ip: String = try r.decode(atIndex: 0)
            guard case .blob(let value) = (r[1] as DatabaseValue).storage else {
                throw TrapStore.damaged(path, ip: ip, HitList.Malformed(offset: 0, reason: "the value is not a BLOB"))
            }
            var hits: [(address: Range<Int>, first: Int64, last: Int64, lastNonVerifier: Int64?)] = []
            do {
                try value.withUnsafeBytes { all in
                    try HitList.forEach(all) { address, first, last, lastNonVerifier in
                        let start = address.baseAddress! - all.baseAddress!
                        hits.append((start..<start + address.count, first, last, lastNonVerifier))
                    }
                }
            } catch let e as HitList.Malformed {
                throw TrapStore.damaged(path, ip: ip, e)
            }
            try value.withUnsafeBytes { all in
                for h in hits {
                    try body(
                        ip, StoredAddress(bytes: UnsafeRawBufferPointer(rebasing: all[h.address])), h.first, h.last,
                        h.lastNonVerifier)
                }
            }
        }
    }

    /// Whether this state has ever published: an entry recorded as published, or an audit row
    /// (a publish that emptied the lists leaves its removals there).
    public func hasPublished() throws -> Bool {
        try read { db in
            try Bool.fetchOne(
                db,
                sql:
                    "SELECT EXISTS (SELECT 1 FROM published) OR EXISTS (SELECT 1 FROM audit WHERE action IN ('added', 'removed'))"
            ) ?? false
        }
    }

    /// Addresses whose latest "added"/"removed" audit row is a removal at or after `since`,
    /// sorted by bytes: the traps withdrawn from spamtraps.txt since then and not listed again.
    public func withdrawnTraps(since: Int64) throws -> [String] {
        try read { db in
            // One pass over the audit rows picks the removals of the window; the `audit_entry`
            // index finds each one's latest row. `+r.entry` keeps SQLite from walking the whole
            // table in index order just to sort the few results (3x slower on 2.6 M rows).
            try String.fetchAll(
                db,
                sql: """
                    SELECT r.entry FROM audit r
                    WHERE r.kind = 'address' AND r.action = 'removed' AND r.at >= ?
                      AND r.id = (SELECT max(l.id) FROM audit l
                                  WHERE l.entry = r.entry AND l.kind = 'address' AND l.action IN ('added', 'removed'))
                    ORDER BY +r.entry
                    """,
                arguments: [since])
        }
    }

    /// The published entries of a kind, sorted by bytes.
    public func publishedSorted(kind: String) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT entry FROM published WHERE kind = ? ORDER BY entry", arguments: [kind])
        }
    }

    /// The most recently published entries of a kind, newest first.
    public func newestPublished(kind: String, limit: Int) throws -> [(String, Int64)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT entry, since FROM published WHERE kind = ? ORDER BY since DESC, entry LIMIT ?",
                arguments: [kind, limit]
            ).map { (try $0.decode(atIndex: 0), try $0.decode(atIndex: 1)) }
        }
    }

    // MARK: runs and sources

    public func beginRun(command: String, now: Int64) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: "INSERT INTO run (command, started_at, now) VALUES (?, ?, ?)",
                arguments: [command, Int64(Date().timeIntervalSince1970), now])
            return db.lastInsertedRowID
        }
    }

    public func finishRun(
        id: Int64, exitCode: Int, traps: Int?, hosts: Int?, validCount: Int?, message: String?
    ) throws {
        try write { db in
            try db.execute(
                sql:
                    "UPDATE run SET finished_at = ?, exit_code = ?, traps = ?, hosts = ?, valid_count = coalesce(?, valid_count), message = ? WHERE id = ?",
                arguments: [
                    Int64(Date().timeIntervalSince1970), exitCode, traps, hosts, validCount,
                    message.map(URLRedaction.scrubbed), id,
                ])
        }
    }

    public func recordValidCount(runID: Int64, count: Int) throws {
        try write { db in
            try db.execute(sql: "UPDATE run SET valid_count = ? WHERE id = ?", arguments: [count, runID])
        }
    }

    /// The valid-address count of the last run that recorded one (before `runID`).
    public func lastValidCount(before runID: Int64) throws -> Int? {
        try read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT valid_count FROM run WHERE valid_count IS NOT NULL AND id < ? ORDER BY id DESC LIMIT 1",
                arguments: [runID])
        }
    }

    public func runs(limit: Int) throws -> [RunRow] {
        try read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, command, started_at, now, finished_at, exit_code, traps, hosts, valid_count, message FROM run ORDER BY id DESC LIMIT ?",
                arguments: [limit]
            ).map {
                RunRow(
                    id: try $0.decode(atIndex: 0), command: try $0.decode(atIndex: 1),
                    startedAt: try $0.decode(atIndex: 2), now: try $0.decode(atIndex: 3),
                    finishedAt: try $0.decode(atIndex: 4), exitCode: try $0.decode(atIndex: 5),
                    traps: try $0.decode(atIndex: 6), hosts: try $0.decode(atIndex: 7),
                    validCount: try $0.decode(atIndex: 8), message: try $0.decode(atIndex: 9))
            }
        }
    }

    public func sourceHealth() throws -> [SourceHealth] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM source_health ORDER BY name").map(TrapStore.healthRow)
        }
    }

    public func sourceHealth(name: String) throws -> SourceHealth? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM source_health WHERE name = ?", arguments: [name]).map(
                TrapStore.healthRow)
        }
    }

    static func healthRow(_ r: Row) throws -> SourceHealth {
        var h = SourceHealth(name: try r.decode(forColumn: "name"), url: try r.decode(forColumn: "url"))
        h.lastAttempt = try r.decode(forColumn: "last_attempt")
        h.lastSuccess = try r.decode(forColumn: "last_success")
        h.lastError = try r.decode(forColumn: "last_error")
        h.lastErrorAt = try r.decode(forColumn: "last_error_at")
        h.httpStatus = try r.decode(forColumn: "http_status")
        h.bytes = try r.decode(forColumn: "bytes")
        h.lines = try r.decode(forColumn: "lines")
        h.records = try r.decode(forColumn: "records")
        h.rejects = try r.decode(forColumn: "rejects")
        h.etag = try r.decode(forColumn: "etag")
        h.lastModified = try r.decode(forColumn: "last_modified")
        h.cachedAt = try r.decode(forColumn: "cached_at")
        h.cachePath = try r.decode(forColumn: "cache_path")
        return h
    }

    /// Writes `h` with its URL and last error passed through `URLRedaction`: no password is
    /// ever stored.
    public func saveSourceHealth(_ h: SourceHealth) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO source_health (name, url, last_attempt, last_success, last_error, last_error_at,
                        http_status, bytes, lines, records, rejects, etag, last_modified, cached_at, cache_path)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    h.name, URLRedaction.redacted(h.url), h.lastAttempt, h.lastSuccess,
                    h.lastError.map(URLRedaction.scrubbed), h.lastErrorAt, h.httpStatus, h.bytes,
                    h.lines, h.records, h.rejects, h.etag, h.lastModified, h.cachedAt, h.cachePath,
                ])
        }
    }
}
