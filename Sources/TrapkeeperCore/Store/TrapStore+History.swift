import GRDB

extension TrapStore {
    /// What one `pruneHistory` dropped.
    public struct Pruned: Sendable, Equatable {
        public var hosts = 0
        public var auditRows = 0
        public var callbacks = 0
    }

    /// Drops what the state no longer needs to keep (`history_days`): a host whose last trap
    /// hit and TRAPPED expiry are both before `cutoff`, with its hits per address and its audit rows, and callback
    /// incidents last seen before `cutoff`. Traps and their evidence, delistings and the runs
    /// are kept. A host still published (kept during a source's outage) is kept too, so that the
    /// state can always explain what the lists say. SQLite reuses the freed pages: the file
    /// stops growing once `history_days` have passed.
    @discardableResult
    public func pruneHistory(before cutoff: Int64) throws -> Pruned {
        try write { db in
            var pruned = Pruned()
            let gone = try String.fetchAll(
                db,
                sql: """
                    SELECT ip FROM host
                    WHERE max(coalesce(last_hit, first_hit, 0), coalesce(trapped_expire, 0)) < ?
                      AND ip NOT IN (SELECT entry FROM published WHERE kind = 'host')
                    """, arguments: [cutoff])
            let deleteHost = try db.makeStatement(sql: "DELETE FROM host WHERE ip = ?")
            let deleteAudit = try db.makeStatement(sql: "DELETE FROM audit WHERE entry = ? AND kind = 'ip'")
            let deleteHits = try db.makeStatement(sql: "DELETE FROM host_hits WHERE ip = ?")
            for ip in gone {
                try deleteHost.execute(arguments: [ip])
                pruned.hosts += db.changesCount
                try deleteHits.execute(arguments: [ip])
                try deleteAudit.execute(arguments: [ip])
                pruned.auditRows += db.changesCount
            }
            try db.execute(sql: "DELETE FROM callback WHERE seen < ?", arguments: [cutoff])
            pruned.callbacks = db.changesCount
            return pruned
        }
    }
}
