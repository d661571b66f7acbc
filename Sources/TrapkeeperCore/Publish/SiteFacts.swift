/// What the pages show beyond the plan's lists: the chart's history, the recent additions, the
/// listed hosts with the reason each is listed, and the callback probes. Read from the state
/// just before a publish writes, so the pages describe exactly the lists written with them.
public struct SiteFacts: Sendable {
    /// Traps first published in the last 24 hours, 7 days and 30 days (this publish included).
    public struct Additions: Sendable, Equatable {
        public var day = 0
        public var week = 0
        public var month = 0
        public init(day: Int = 0, week: Int = 0, month: Int = 0) {
            self.day = day
            self.week = week
            self.month = month
        }
    }

    /// One exported host as hosts.html shows it.
    public struct ListedHost: Sendable, Equatable {
        public var ip: IPAddress
        public var firstHit: Int64?
        /// The last hit from a non-verifier sender: the hit that counts for listing.
        public var lastHit: Int64?
        /// A live TRAPPED entry's expiry.
        public var trappedUntil: Int64?
        /// The trap of the hit kept as evidence (the first hit from a non-verifier sender), only
        /// while it is a published trap: an address that became valid since is a real user's
        /// and is never shown.
        public var trap: String?
        /// Listed because its last hit lies within `host_ttl_hours`.
        public var recentHit: Bool
        /// Listed only because a source is down (every host published last time stays).
        public var kept: Bool
    }

    /// One point per day that had a publish (the day's last), this publish included.
    public var history: [TrendChart.Day] = []
    public var added = Additions()
    public var hostsExported = 0
    /// The exported hosts, newest hit first.
    public var hosts: [ListedHost] = []
    /// Every stored callback incident.
    public var callbacks: [CallbackRow] = []

    public init() {}

    /// Reads what the pages need for `plan` from the state.
    public static func load(store: TrapStore, plan: PublishPlan, hostRule: HostRule) throws -> SiteFacts {
        var facts = SiteFacts()
        let now = plan.now
        let today = TimeText.day(now)

        var byDay: [Int64: TrendChart.Day] = [:]
        let from = (today - TrendChart.days + 1) * 86400
        for r in try store.publishHistory(from: from, to: now) {
            byDay[TimeText.day(r.now)] = TrendChart.Day(day: TimeText.day(r.now), traps: r.traps, hosts: r.hosts)
        }
        byDay[today] = TrendChart.Day(day: today, traps: plan.traps.count, hosts: plan.hosts.count)
        facts.history = byDay.values.sorted { $0.day < $1.day }

        let removed = Set(plan.removed.filter { $0.kind == "trap" }.map(\.entry))
        let new = plan.added.filter { $0.kind == "trap" }.count
        facts.added = Additions(day: new, week: new, month: new)
        for (entry, since) in try store.publishedSince(kind: "trap", from: now - 30 * 86400)
        where since <= now && !removed.contains(entry) {
            facts.added.month += 1
            if since > now - 7 * 86400 { facts.added.week += 1 }
            if since > now - 86400 { facts.added.day += 1 }
        }
        facts.hostsExported = plan.hosts.count

        facts.hosts = try listedHosts(store: store, plan: plan, hostRule: hostRule)
        facts.callbacks = try store.callbacks()
        return facts
    }

    /// The plan's hosts with their stored rows, newest hit first.
    static func listedHosts(store: TrapStore, plan: PublishPlan, hostRule: HostRule) throws -> [ListedHost] {
        var wanted: [String: IPAddress] = [:]
        wanted.reserveCapacity(plan.hosts.count)
        for ip in plan.hosts { wanted[ip.description] = ip }
        var out: [ListedHost] = []
        out.reserveCapacity(plan.hosts.count)
        let now = hostRule.now
        for var row in try store.hostsWithTrap() {
            guard let ip = wanted.removeValue(forKey: row.ip) else { continue }
            row.lastTrapHit = plan.lastTrapHits[row.ip]
            let recent = row.lastTrapHit.map { $0 >= now - hostRule.ttl && $0 <= now + HostRule.futureSlack }
            let trapped = row.trappedExpire.flatMap { $0 > now ? $0 : nil }
            out.append(
                ListedHost(
                    ip: ip, firstHit: row.firstHit, lastHit: row.lastNonVerifierHit, trappedUntil: trapped,
                    trap: row.hitTrap.flatMap { isPublished($0, in: plan.traps) ? $0 : nil },
                    recentHit: recent ?? false,
                    kept: !hostRule.isExported(row, ip: ip, delisted: false)))
        }
        // Kept hosts whose row is gone (a replaced state): listed, with nothing to show.
        for ip in wanted.values {
            out.append(
                ListedHost(
                    ip: ip, firstHit: nil, lastHit: nil, trappedUntil: nil, trap: nil, recentHit: false, kept: true))
        }
        out.sort { a, b in
            let x = a.lastHit ?? .min
            let y = b.lastHit ?? .min
            return x != y ? x > y : a.ip < b.ip
        }
        return out
    }

    /// Whether `address` is in `traps` (sorted by bytes).
    static func isPublished(_ address: String, in traps: [String]) -> Bool {
        var lo = 0
        var hi = traps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = PublishPlan.compareBytes(traps[mid], address)
            if c == 0 { return true }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return false
    }
}
