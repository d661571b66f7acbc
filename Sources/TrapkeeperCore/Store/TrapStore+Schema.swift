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
        return m
    }
}
