import GRDB

/// A near-miss of a valid address as the last publish judged it.
public struct NearMissRow: Sendable, Equatable {
    public var address: String
    public var resembles: String
    public var networks: Int
    /// nil: held (not a trap).
    public var promotedAt: Int64?
}

extension TrapStore {
    /// Each network's first mail to each of `addresses`: from the hits the state keeps and the
    /// networks recorded at earlier publishes (kept beyond `history_days`).
    public func nearMissNetworks(_ addresses: [String]) throws -> [String: [String: Int64]] {
        try read { db in
            var out: [String: [String: Int64]] = [:]
            guard !addresses.isEmpty else { return out }
            // One pass over the hits for all of them (the table has no index on address).
            let wanted = Set(addresses)
            var fromHits: [String: [String: Int64]] = [:]
            try forEachHit(db) { ipText, address, first, _, _ in
                let a = address()
                guard wanted.contains(a), let ip = IPAddress(ipText) else { return }
                let n = NearMissRule.network(of: ip)
                fromHits[a, default: [:]][n] = min(fromHits[a]?[n] ?? first, first)
            }
            let kept = try db.makeStatement(sql: "SELECT network, first FROM near_miss_network WHERE address = ?")
            for a in addresses {
                var networks = fromHits[a] ?? [:]
                for r in try Row.fetchAll(kept, arguments: [a]) {
                    let n: String = try r.decode(atIndex: 0)
                    let first: Int64 = try r.decode(atIndex: 1)
                    networks[n] = min(networks[n] ?? first, first)
                }
                out[a] = networks
            }
            return out
        }
    }

    /// Records the publish-time near-miss verdicts (replacing the last ones) and the networks
    /// that mailed each near-miss.
    public func recordNearMisses(_ rows: [NearMissRow], networks: [String: [String: Int64]]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM near_miss")
            let ins = try db.makeStatement(
                sql: "INSERT INTO near_miss (address, resembles, networks, promoted_at) VALUES (?, ?, ?, ?)")
            for r in rows { try ins.execute(arguments: [r.address, r.resembles, r.networks, r.promotedAt]) }
            let net = try db.makeStatement(
                sql: """
                    INSERT INTO near_miss_network (address, network, first) VALUES (?, ?, ?)
                    ON CONFLICT(address, network) DO UPDATE SET first = min(first, excluded.first)
                    WHERE excluded.first < first
                    """)
            for (address, byNetwork) in networks {
                for (n, first) in byNetwork { try net.execute(arguments: [address, n, first]) }
            }
        }
    }

    /// The near-misses the last publish judged, held ones first.
    public func nearMisses() throws -> [NearMissRow] {
        try read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT address, resembles, networks, promoted_at FROM near_miss ORDER BY promoted_at IS NOT NULL, address"
            ).map {
                NearMissRow(
                    address: try $0.decode(atIndex: 0), resembles: try $0.decode(atIndex: 1),
                    networks: try $0.decode(atIndex: 2), promotedAt: try $0.decode(atIndex: 3))
            }
        }
    }

    /// Whether trapkeeper ever published `address` (an audit row says it was added).
    public func wasPublished(_ address: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM audit WHERE entry = ? AND kind = 'address' AND action = 'added')",
                arguments: [address]) ?? false
        }
    }
}
