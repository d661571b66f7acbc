import Foundation
import GRDB

extension TrapStore {
    /// The schema, only ever extended by new migrations (never edit a shipped one).
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE address (
                        address TEXT PRIMARY KEY NOT NULL,
                        roles INTEGER NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        evidence TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE host (
                        ip TEXT PRIMARY KEY NOT NULL,
                        first_hit INTEGER,
                        last_hit INTEGER,
                        last_nonverifier_hit INTEGER,
                        trapped_expire INTEGER,
                        hit_evidence TEXT,
                        hit_trap TEXT,
                        trapped_evidence TEXT
                    ) WITHOUT ROWID;
                    CREATE TABLE callback (
                        ip TEXT NOT NULL,
                        probe_address TEXT NOT NULL,
                        helo TEXT,
                        sender TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        probe_time INTEGER,
                        seen INTEGER NOT NULL,
                        source TEXT NOT NULL,
                        file TEXT NOT NULL,
                        line INTEGER NOT NULL,
                        PRIMARY KEY (ip, probe_address)
                    );
                    CREATE TABLE run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        command TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        now INTEGER NOT NULL,
                        finished_at INTEGER,
                        exit_code INTEGER,
                        traps INTEGER,
                        hosts INTEGER,
                        valid_count INTEGER,
                        message TEXT
                    );
                    CREATE TABLE source_health (
                        name TEXT PRIMARY KEY NOT NULL,
                        url TEXT NOT NULL,
                        last_attempt INTEGER,
                        last_success INTEGER,
                        last_error TEXT,
                        last_error_at INTEGER,
                        http_status INTEGER,
                        bytes INTEGER,
                        lines INTEGER,
                        records INTEGER,
                        rejects INTEGER,
                        etag TEXT,
                        last_modified TEXT,
                        cached_at INTEGER,
                        cache_path TEXT
                    );
                    CREATE TABLE delisting (
                        entry TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('address', 'ip')),
                        reason TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE TABLE published (
                        kind TEXT NOT NULL CHECK (kind IN ('trap', 'host')),
                        entry TEXT NOT NULL,
                        since INTEGER NOT NULL,
                        PRIMARY KEY (kind, entry)
                    ) WITHOUT ROWID;
                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        entry TEXT NOT NULL,
                        action TEXT NOT NULL,
                        cause TEXT NOT NULL
                    );
                    CREATE INDEX audit_entry ON audit(entry);
                    """)
        }
        // Trap hits per (host, address): whether a hit counts is decided at publish time, by
        // whether the address is a trap then (cli.md: "Hit a trap means an address that is a
        // trap at publish time"). A state of the first release keeps every host: each gets one
        // row for the trap its evidence names, with its hit times.
        m.registerMigration("v2: hits per host and address, near-misses") { db in
            try db.execute(
                sql: """
                    CREATE TABLE hit (
                        ip TEXT NOT NULL,
                        address TEXT NOT NULL,
                        first INTEGER NOT NULL,
                        last INTEGER NOT NULL,
                        last_nonverifier INTEGER,
                        PRIMARY KEY (ip, address)
                    ) WITHOUT ROWID;
                    -- No secondary index: every one doubled the cost of writing the pairs of a
                    -- night (500 000 for a 1 M-line dump); publishing reads the table once.
                    -- Near-misses of valid addresses (rule 3b): the networks that mailed each, kept
                    -- beyond history_days (promotion counts them over the whole history), and the
                    -- publish-time verdicts, replaced at every publish.
                    CREATE TABLE near_miss_network (
                        address TEXT NOT NULL,
                        network TEXT NOT NULL,
                        first INTEGER NOT NULL,
                        PRIMARY KEY (address, network)
                    ) WITHOUT ROWID;
                    CREATE TABLE near_miss (
                        address TEXT PRIMARY KEY NOT NULL,
                        resembles TEXT NOT NULL,
                        networks INTEGER NOT NULL,
                        promoted_at INTEGER
                    ) WITHOUT ROWID;
                    INSERT INTO hit (ip, address, first, last, last_nonverifier)
                        SELECT ip, hit_trap, coalesce(first_hit, last_hit), last_hit, last_nonverifier_hit
                        FROM host WHERE hit_trap IS NOT NULL AND last_hit IS NOT NULL;
                    """)
        }
        // A host's hits in one row (`HitList`): a busy night has ~10 pairs per host, and a row
        // per pair made writing and comparing them most of a merge (fresh state: 0.28 s of 0.71 s
        // for a 1 M-line dump; steady state: 0.15 s of 0.41 s).
        m.registerMigration("v3: a host's hits in one row") { db in
            try db.execute(
                sql: """
                    CREATE TABLE host_hits (
                        ip TEXT PRIMARY KEY NOT NULL,
                        hits BLOB NOT NULL
                    ) WITHOUT ROWID;
                    """)
            try migrateHitPairs(db)
            try db.execute(sql: "DROP TABLE hit")
        }
        return m
    }

    /// Packs the v2 `hit` rows (one per host and address) into one `host_hits` row per host.
    /// A row of the wrong type (a BLOB key, a time that is no integer) stops the migration with
    /// its key named: the file was edited by hand, and guessing would lose or invent hits.
    private static func migrateHitPairs(_ db: Database) throws {
        if let bad = try Row.fetchOne(
            db,
            sql: """
                SELECT quote(ip), quote(address) FROM hit
                WHERE typeof(ip) <> 'text' OR typeof(address) <> 'text' OR typeof(first) <> 'integer'
                   OR typeof(last) <> 'integer' OR typeof(last_nonverifier) NOT IN ('integer', 'null')
                LIMIT 1
                """)
        {
            let ip: String = try bad.decode(atIndex: 0)
            let address: String = try bad.decode(atIndex: 1)
            throw DatabaseError(
                message:
                    "table hit, row ip=\(ip) address=\(address): a value of the wrong type (was the state edited by hand?); fix that row or restore the state from a backup"
            )
        }
        // The keys are read and written as bytes, as the merge does: a String would cut an
        // address at a NUL and repair invalid UTF-8, so two distinct addresses of a host could
        // become one (and the list, repeating an address, unreadable).
        let insert = BulkStatement(try db.makeStatement(sql: "INSERT INTO host_hits (ip, hits) VALUES (?, ?)"))
        var host: [UInt8]?
        var value: [UInt8] = []
        func flush() throws {
            guard let host, value.count > 1 else { return }
            try host.withUnsafeBytes { ip in
                try value.withUnsafeBytes { hits in
                    insert.bind(1, bytes: ip)
                    insert.bind(2, blob: hits)
                    try insert.step()
                }
            }
        }
        // In the key order of TEXT keys (BINARY): each host's addresses come in the order a hit
        // list keeps them, each once (the primary key).
        try RowScanner(
            db.makeStatement(sql: "SELECT ip, address, first, last, last_nonverifier FROM hit ORDER BY ip, address")
        ).forEachRow { row in
            let ip = row.bytes(0)
            if host.map({ !$0.elementsEqual(ip) }) ?? true {
                try flush()
                host = Array(ip)
                value = [HitList.version]
            }
            HitList.append(
                address: row.bytes(1), row.int64(2) ?? 0, row.int64(3) ?? 0, row.int64(4), to: &value)
        }
        try flush()
    }
}
