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
    public var previousTraps: Set<String>
    public var previousHosts: Set<String>
    /// Added / removed entries with their causes, for the audit trail.
    public var audit: [AuditRow]
    public var now: Int64

    /// Computes the plan.
    ///
    /// - keepPreviousHosts: set when a source failed without a usable copy: hosts published last
    ///   time stay published (unless delisted or never-block) so a failed fetch never shrinks
    ///   the lists.
    public static func make(
        store: TrapStore, classifier: Classifier, hostRule: HostRule, now: Int64, keepPreviousHosts: Bool
    ) throws -> PublishPlan {
        let delisted = try store.delistings()
        let previousTraps = try store.published(kind: "trap")
        let previousHosts = try store.published(kind: "host")
        var audit: [AuditRow] = []

        var traps: [String] = []
        var trapSet = Set<String>()
        var notTrapBecause: [String: String] = [:]
        for (address, roles) in try store.addressRoles() {
            let row = AddressRow(address: address, roles: roles, firstSeen: 0, lastSeen: 0, evidence: nil)
            let d = classifier.decide(row, delisted: delisted[row.address])
            if d.isTrap {
                traps.append(row.address)
                trapSet.insert(row.address)
                if !previousTraps.contains(row.address) {
                    audit.append(
                        AuditRow(
                            at: now, kind: "address", entry: row.address, action: "added",
                            cause: d.rule))
                }
            } else if previousTraps.contains(row.address) {
                notTrapBecause[row.address] = d.rule
            }
        }
        for gone in previousTraps where !trapSet.contains(gone) {
            audit.append(
                AuditRow(
                    at: now, kind: "address", entry: gone, action: "removed",
                    cause: notTrapBecause[gone] ?? "no longer in the state"))
        }
        traps.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }

        var hosts: [IPAddress] = []
        var hostSet = Set<String>()
        var hostWhy: [String: String] = [:]
        for row in try store.hostsForPublishing() {
            guard let ip = IPAddress(row.ip) else { continue }
            let d = hostRule.decide(row, ip: ip, delisted: delisted[row.ip])
            if d.exported {
                hosts.append(ip)
                hostSet.insert(row.ip)
                if !previousHosts.contains(row.ip) {
                    audit.append(AuditRow(at: now, kind: "ip", entry: row.ip, action: "added", cause: d.rule))
                }
            } else {
                hostWhy[row.ip] = d.rule
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
                AuditRow(at: now, kind: "ip", entry: gone, action: "removed", cause: hostWhy[gone] ?? "no longer in the state"))
        }
        hosts.sort()
        let blocks = CIDRAggregator.aggregate(hosts)

        let since = try store.publishedSince(kind: "trap")
        var newest: [(address: String, since: Int64)] = traps.map { ($0, since[$0] ?? now) }
        newest.sort { $0.since != $1.since ? $0.since > $1.since : $0.address.utf8.lexicographicallyPrecedes($1.address.utf8) }
        newest = Array(newest.prefix(PageRenderer.newestShown))

        return PublishPlan(
            traps: traps, hosts: hosts, blocks: blocks, newest: newest, previousTraps: previousTraps,
            previousHosts: previousHosts, audit: audit, now: now)
    }
}
