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
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // 64 MiB page cache: merges of 100 000+ rows stay in memory until commit.
                try db.execute(sql: "PRAGMA cache_size = -65536")
            }
            db = try DatabaseQueue(path: path, configuration: config)
            try db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
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
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.read(body)
        } catch let e as DatabaseError {
            throw StoreError(path: path, e.message ?? e.description)
        }
    }

    /// Merges a harvest in one transaction. Idempotent: merging the same harvest again changes no
    /// row; `first_seen` of an address never moves once stored.
    public func merge(_ harvest: Harvest) throws {
        try write { db in
            let addr = try db.makeStatement(
                sql: """
                    INSERT INTO address (address, roles, first_seen, last_seen, evidence)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(address) DO UPDATE SET
                        roles = roles | excluded.roles,
                        last_seen = max(last_seen, excluded.last_seen)
                    WHERE (roles | excluded.roles) != roles OR excluded.last_seen > last_seen
                    """)
            let addrBulk = BulkStatement(addr)
            // Only rows that are new or change are written: a steady-state run writes nothing.
            var known: [String: (roles: Int, last: Int64)] = [:]
            known.reserveCapacity(harvest.addressCount)
            let rows = try Row.fetchCursor(db, sql: "SELECT address, roles, last_seen FROM address")
            while let r = try rows.next() { known[r[0]] = (r[1], r[2]) }
            try harvest.forEachAddress { address, roles, first, last, evidence in
                if let k = known[address], roles.rawValue & ~k.roles == 0, last <= k.last { return }
                guard let ev = evidence() else { return }
                addrBulk.bind(1, address)
                addrBulk.bind(2, roles.rawValue)
                addrBulk.bind(3, first)
                addrBulk.bind(4, last)
                addrBulk.bind(5, ev)
                try addrBulk.step()
            }
            let host = try db.makeStatement(
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
                    """)
            let hostBulk = BulkStatement(host)
            var knownHosts: [String: (Int64?, Int64?, Int64?)] = [:]
            let hrows = try Row.fetchCursor(
                db, sql: "SELECT ip, last_hit, last_nonverifier_hit, trapped_expire FROM host")
            while let r = try hrows.next() { knownHosts[r[0]] = (r[1], r[2], r[3]) }
            try harvest.forEachHost { ip, h in
                let key = ip.description
                if let k = knownHosts[key], (h.lastHit ?? .min) <= (k.0 ?? .min),
                    (h.lastNonVerifierHit ?? .min) <= (k.1 ?? .min), (h.trappedExpire ?? .min) <= (k.2 ?? .min),
                    k.0 != nil || h.lastHit == nil
                {
                    return
                }
                hostBulk.bind(1, key)
                hostBulk.bind(2, h.firstHit)
                hostBulk.bind(3, h.lastHit)
                hostBulk.bind(4, h.lastNonVerifierHit)
                hostBulk.bind(5, h.trappedExpire)
                hostBulk.bind(6, h.hitEvidence)
                hostBulk.bind(7, h.hitTrap)
                hostBulk.bind(8, h.trappedEvidence)
                try hostBulk.step()
            }
            let cb = try db.makeStatement(
                sql: """
                    INSERT INTO callback (ip, probe_address, helo, sender, kind, rule, probe_time, seen, source, file, line)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(ip, probe_address) DO UPDATE SET
                        helo = coalesce(helo, excluded.helo),
                        seen = min(seen, excluded.seen)
                    WHERE (helo IS NULL AND excluded.helo IS NOT NULL) OR excluded.seen < seen
                    """)
            for c in harvest.callbackIncidents {
                try cb.execute(arguments: [
                    c.ip.description, c.probeAddress, c.helo, c.sender, c.shape.name, c.rule, c.probeTime, c.seen,
                    c.source, c.file, c.line,
                ])
            }
        }
    }
}
