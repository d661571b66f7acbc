#if canImport(Glibc)
import Glibc
#endif

/// What the next publish would write, computed from the state and the current configuration.
public struct PublishPlan: Sendable {
    /// Every trap, lower-case, sorted by bytes.
    public var traps: [String]
    /// Exported hosts, sorted.
    public var hosts: [IPAddress]
    /// The minimal exact CIDR cover of `hosts`.
    public var blocks: [CIDR]
    /// The newest additions (address, first published), newest first.
    public var newest: [(address: String, since: Int64)]
    /// The traps published last time, sorted by bytes.
    public var previousTraps: [String]
    public var previousHosts: Set<String>
    /// Added / removed entries with their causes, for the audit trail.
    public var audit: [AuditRow]
    /// What changes in the record of published entries ("trap" / "host").
    public var added: [(kind: String, entry: String)] = []
    public var removed: [(kind: String, entry: String)] = []
    /// The addresses withdrawn from spamtraps.txt within the keep window (this publish's
    /// removals included) and not traps now, sorted by bytes: spamtraps-withdrawn.txt.
    public var withdrawn: [String] = []
    public var now: Int64

    /// -1, 0, 1 by UTF-8 bytes (SQLite's BINARY collation), not by Unicode equivalence.
    static func compareBytes(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { pa in
            b.withUTF8 { pb in
                let n = min(pa.count, pb.count)
                let c = n == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, n)
                if c != 0 { return c < 0 ? -1 : 1 }
                return pa.count == pb.count ? 0 : (pa.count < pb.count ? -1 : 1)
            }
        }
    }

    /// Computes the plan.
    ///
    /// - keepPreviousHosts: set when a source failed without a usable copy: hosts published last
    ///   time stay published (unless delisted or never-block) so a failed fetch never shrinks
    ///   the lists.
    /// - withdrawnKeepDays: how far back a withdrawal stays in `withdrawn`.
    public static func make(
        store: TrapStore, classifier: Classifier, hostRule: HostRule, now: Int64, keepPreviousHosts: Bool,
        withdrawnKeepDays: Int = Config.defaultWithdrawnKeepDays
    ) throws -> PublishPlan {
        let delisted = try store.delistings()
        let previousTraps = try store.publishedSorted(kind: "trap")
        let previousHosts = try store.published(kind: "host")
        var audit: [AuditRow] = []

        // Both lists are sorted by bytes: one merge walk finds what was added and removed,
        // without hashing half a million strings.
        var traps: [String] = []
        var trapRules: [String] = []  // a handful of distinct literals: no per-trap allocation
        var notTrapBecause: [String: String] = [:]
        for (address, roles) in try store.addressRoles() {
            let row = AddressRow(address: address, roles: roles, firstSeen: 0, lastSeen: 0, evidence: nil)
            let d = classifier.decide(row, delisted: delisted.isEmpty ? nil : delisted[row.address])
            if d.isTrap {
                traps.append(address)
                trapRules.append(d.rule)
            } else {
                notTrapBecause[address] = d.rule
            }
        }
        var newTraps: [String] = []
        var i = 0
        var j = 0
        while i < traps.count || j < previousTraps.count {
            let order: Int
            if i == traps.count {
                order = 1
            } else if j == previousTraps.count {
                order = -1
            } else {
                order = PublishPlan.compareBytes(traps[i], previousTraps[j])
            }
            if order < 0 {
                newTraps.append(traps[i])
                audit.append(
                    AuditRow(at: now, kind: "address", entry: traps[i], action: "added", cause: trapRules[i]))
                i += 1
            } else if order > 0 {
                let gone = previousTraps[j]
                audit.append(
                    AuditRow(
                        at: now, kind: "address", entry: gone, action: "removed",
                        cause: notTrapBecause[gone] ?? "no longer in the state"))
                j += 1
            } else {
                i += 1
                j += 1
            }
        }

        var hosts: [IPAddress] = []
        var hostSet = Set<String>()
        var hostWhy: [String: String] = [:]
        for row in try store.hostsForPublishing() {
            guard let ip = IPAddress(row.ip) else { continue }
            let isDelisted = !delisted.isEmpty && delisted[row.ip] != nil
            let exported = hostRule.isExported(row, ip: ip, delisted: isDelisted)
            let wasPublished = previousHosts.contains(row.ip)
            if exported {
                hosts.append(ip)
                hostSet.insert(row.ip)
            }
            // The explanation (dates formatted) only for what changes.
            if exported != wasPublished {
                let d = hostRule.decide(row, ip: ip, delisted: delisted[row.ip])
                if exported {
                    audit.append(AuditRow(at: now, kind: "ip", entry: row.ip, action: "added", cause: d.rule))
                } else {
                    hostWhy[row.ip] = d.rule
                }
            }
        }
        for gone in previousHosts where !hostSet.contains(gone) {
            guard let ip = IPAddress(gone) else { continue }
            if keepPreviousHosts && delisted[gone] == nil && !hostRule.neverBlock.contains(ip) {
                hosts.append(ip)
                hostSet.insert(gone)
                continue
            }
            audit.append(
                AuditRow(
                    at: now, kind: "ip", entry: gone, action: "removed",
                    cause: hostWhy[gone] ?? "no longer in the state"))
        }
        hosts.sort()
        let blocks = CIDRAggregator.aggregate(hosts)

        // Newest additions: what this publish adds, then the most recently published.
        var newest: [(address: String, since: Int64)] = newTraps.prefix(PageRenderer.newestShown).map { ($0, now) }
        if newest.count < PageRenderer.newestShown {
            for (entry, since) in try store.newestPublished(kind: "trap", limit: PageRenderer.newestShown * 4)
            where newest.count < PageRenderer.newestShown && notTrapBecause[entry] == nil {
                newest.append((entry, since))
            }
        }

        var plan = PublishPlan(
            traps: traps, hosts: hosts, blocks: blocks, newest: newest, previousTraps: previousTraps,
            previousHosts: previousHosts, audit: audit, now: now)
        for a in audit {
            let kind = a.kind == "address" ? "trap" : "host"
            if a.action == "added" { plan.added.append((kind, a.entry)) }
            if a.action == "removed" { plan.removed.append((kind, a.entry)) }
        }
        plan.withdrawn = try withdrawn(
            store: store, since: now - Int64(withdrawnKeepDays) * 86_400, traps: traps, audit: audit)
        return plan
    }

    /// The stored withdrawals since `since`, with this publish's own audit rows applied on top
    /// (they are recorded only after the files are written), minus every current trap.
    static func withdrawn(store: TrapStore, since: Int64, traps: [String], audit: [AuditRow]) throws -> [String] {
        var set = Set(try store.withdrawnTraps(since: since))
        for a in audit where a.kind == "address" {
            if a.action == "removed" && a.at >= since { set.insert(a.entry) }
            if a.action == "added" { set.remove(a.entry) }
        }
        // `traps` is sorted by bytes: a binary search per candidate.
        func isTrap(_ e: String) -> Bool {
            var lo = 0
            var hi = traps.count
            while lo < hi {
                let mid = (lo + hi) / 2
                let c = compareBytes(traps[mid], e)
                if c == 0 { return true }
                if c < 0 { lo = mid + 1 } else { hi = mid }
            }
            return false
        }
        return set.filter { !isTrap($0) }.sorted { compareBytes($0, $1) < 0 }
    }
}
