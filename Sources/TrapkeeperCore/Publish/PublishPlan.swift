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
    /// Near-misses of valid addresses (rule 3b), held or promoted, and the networks that mailed
    /// each (recorded with the publish).
    public var nearMisses: [NearMissRow] = []
    public var nearMissNetworks: [String: [String: Int64]] = [:]
    /// Addresses a firewall holds as SPAMTRAP that are not traps here (valid, protected,
    /// delisted): spamd there still traps their senders, and its TRAPPED entries may list them.
    public var firewallOnlyTraps: [(address: String, rule: String)] = []
    /// Per host: its last non-verifier hit to an address that is a trap now (`HostRow.lastTrapHit`).
    public var lastTrapHits: [String: Int64] = [:]

    /// -1, 0, 1 by UTF-8 bytes (SQLite's BINARY collation), not by Unicode equivalence.
    static func compareBytes(_ a: String, _ b: String) -> Int {
        // Native strings lend their bytes as they are; others are copied into native form.
        let quick = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in
                compareBytes(UnsafeRawBufferPointer(pa), UnsafeRawBufferPointer(pb))
            }
        }
        if let c = quick ?? nil { return c }
        var a = a
        var b = b
        return a.withUTF8 { pa in
            b.withUTF8 { pb in compareBytes(UnsafeRawBufferPointer(pa), UnsafeRawBufferPointer(pb)) }
        }
    }

    private static func compareBytes(_ pa: UnsafeRawBufferPointer, _ pb: UnsafeRawBufferPointer) -> Int {
        let n = min(pa.count, pb.count)
        let c = n == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, n)
        if c != 0 { return c < 0 ? -1 : 1 }
        return pa.count == pb.count ? 0 : (pa.count < pb.count ? -1 : 1)
    }

    /// Whether `sorted` (by bytes) holds `entry`.
    static func contains(_ sorted: [String], _ entry: String) -> Bool {
        var lo = 0
        var hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = compareBytes(sorted[mid], entry)
            if c == 0 { return true }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return false
    }

    /// The delistings, each also under the key its entry has now: an address in its
    /// ASCII-domain form, an IPv4-mapped IP as its IPv4 address (delistings made before entries
    /// were kept in those forms).
    static func canonicalKeys(
        _ delisted: [String: (kind: String, reason: String, at: Int64)]
    ) -> [String: (kind: String, reason: String, at: Int64)] {
        var out = delisted
        for (entry, d) in delisted {
            let key = IPAddress(host: entry)?.description ?? Classifier.canonicalAddress(entry)
            if !key.utf8.elementsEqual(entry.utf8) && out[key] == nil { out[key] = d }
        }
        return out
    }

    /// `rows` (sorted by bytes) with every address in its ASCII-domain form
    /// (`Classifier.canonicalAddress`), still sorted, each address once with the roles of all
    /// its rows. A state written before addresses were kept in that form may hold a mailbox of
    /// an international domain in its Unicode form: it is decided and published once, as
    /// `x@xn--bcher-kva.example`, never also as `x@bücher.example`. Without such rows (every
    /// state written since), `rows` come back as they are.
    static func asciiDomainRows(_ rows: [(address: String, roles: AddressRoles)]) -> [(
        address: String, roles: AddressRoles
    )] {
        var rewritten: [String: AddressRoles] = [:]
        var gone = Set<Int>()
        for (i, row) in rows.enumerated() where !Classifier.domainIsASCII(row.address) {
            guard let ascii = Classifier.asciiForm(row.address) else { continue }
            rewritten[ascii, default: []].formUnion(row.roles)
            gone.insert(i)
        }
        guard !rewritten.isEmpty else { return rows }
        var out: [(address: String, roles: AddressRoles)] = []
        for (i, row) in rows.enumerated() where !gone.contains(i) {
            out.append((row.address, row.roles.union(rewritten.removeValue(forKey: row.address) ?? [])))
        }
        for (address, roles) in rewritten { out.append((address, roles)) }
        out.sort { compareBytes($0.address, $1.address) < 0 }
        return out
    }

    /// Computes the plan.
    ///
    /// - keepPreviousHosts: set when a source failed without a usable copy: hosts published last
    ///   time stay published (unless delisted or never-block) so a failed fetch never shrinks
    ///   the lists.
    /// - nearMiss: rule 3b (nil: off): an unknown address one keystroke from a valid one is held
    ///   until mail to it came from enough networks; only hits from its promotion on count.
    /// - withdrawnKeepDays: how far back a withdrawal stays in `withdrawn`.
    public static func make(
        store: TrapStore, classifier: Classifier, hostRule: HostRule, now: Int64, keepPreviousHosts: Bool,
        nearMiss: NearMissRule? = nil, withdrawnKeepDays: Int = Config.defaultWithdrawnKeepDays
    ) throws -> PublishPlan {
        let delisted = canonicalKeys(try store.delistings())
        let previousTraps = try store.publishedSorted(kind: "trap")
        let previousHosts = try store.published(kind: "host")
        var audit: [AuditRow] = []

        // Both lists are sorted by bytes: one merge walk finds what was added and removed,
        // without hashing half a million strings.
        var traps: [String] = []
        var trapRules: [String] = []  // a handful of distinct literals: no per-trap allocation
        var notTrapBecause: [String: String] = [:]
        var decided: [(address: String, roles: AddressRoles, decision: TrapDecision)] = []
        var firewallOnly: [(address: String, rule: String)] = []
        var resembling: [String: String] = [:]  // near-miss → the valid address it resembles
        // Only a domain of ours with an A-label can have had rows in the Unicode form.
        let rows = try store.addressRoles()
        for (address, roles) in classifier.internationalDomains ? asciiDomainRows(rows) : rows {
            let row = AddressRow(address: address, roles: roles, firstSeen: 0, lastSeen: 0, evidence: nil)
            let d = classifier.decide(row, delisted: delisted.isEmpty ? nil : delisted[row.address])
            // SPAMTRAP lines are taken as the firewall's operator chose them: never held — unless
            // the firewall only holds it because trapkeeper published it (a list fed back into
            // spamd), which must not undo trapkeeper's own withdrawal.
            if d.isTrap, let nearMiss, let valid = nearMiss.resembles(address),
                try !roles.contains(.spamtrap) || store.wasPublished(address)
            {
                resembling[address] = valid
            }
            if !d.isTrap && roles.contains(.spamtrap) { firewallOnly.append((address, d.rule)) }
            decided.append((address, roles, d))
        }
        // Rule 3b: held until mailed from enough networks; promoted ones are traps from then on.
        var promotedAt: [String: Int64] = [:]
        var nearMisses: [NearMissRow] = []
        let networks = try store.nearMissNetworks(resembling.keys.sorted())
        if let nearMiss {
            for (address, valid) in resembling.sorted(by: { $0.key < $1.key }) {
                let p = nearMiss.promotion(networks: networks[address] ?? [:])
                nearMisses.append(
                    NearMissRow(address: address, resembles: valid, networks: p.networks, promotedAt: p.promotedAt))
                if let t = p.promotedAt { promotedAt[address] = t }
            }
        }
        for (address, roles, d) in decided {
            if let valid = resembling[address], promotedAt[address] == nil {
                let n = networks[address]?.count ?? 0
                notTrapBecause[address] =
                    "rule 3b, held: near-miss of valid \(valid) (\(n) of \(nearMiss?.promoteNetworks ?? 0) networks so far)"
                if roles.contains(.spamtrap) { firewallOnly.append((address, notTrapBecause[address]!)) }
            } else if d.isTrap {
                traps.append(address)
                trapRules.append(
                    resembling[address].map { valid in
                        "rule 4, trap: near-miss of valid \(valid), promoted at \(TimeText.utc(promotedAt[address]!)) after mail from \(nearMiss?.promoteNetworks ?? 0) networks"
                    } ?? d.rule)
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

        // A hit counts when its address is a trap now: the last such hit per host.
        var lastTrapHit: [String: Int64] = [:]
        for h in try store.recentHits(since: now - hostRule.ttl) where PublishPlan.contains(traps, h.address) {
            // A promoted near-miss: mail before its promotion never counts (the typo's sender).
            if let p = promotedAt[h.address], h.lastNonVerifier < p { continue }
            if h.lastNonVerifier > lastTrapHit[h.ip] ?? .min { lastTrapHit[h.ip] = h.lastNonVerifier }
        }

        var hosts: [IPAddress] = []
        var hostSet = Set<String>()
        var hostWhy: [String: String] = [:]
        for var row in try store.hostsForPublishing() {
            guard let stored = IPAddress(row.ip) else { continue }
            // A state written before hosts were read in their plain form may hold the
            // IPv4-mapped twin (::ffff:a.b.c.d) of a host: it is judged and published as the
            // IPv4 host, once.
            let ip = stored.unmapped
            let text = ip == stored ? row.ip : ip.description
            row.lastTrapHit = max(lastTrapHit[row.ip] ?? .min, lastTrapHit[text] ?? .min)
            if row.lastTrapHit == .min { row.lastTrapHit = nil }
            let isDelisted = !delisted.isEmpty && delisted[text] != nil
            let exported = hostRule.isExported(row, ip: ip, delisted: isDelisted)
            let wasPublished = previousHosts.contains(text)
            if exported {
                guard hostSet.insert(text).inserted else { continue }
                hosts.append(ip)
            }
            // The explanation (dates formatted) only for what changes.
            if exported != wasPublished {
                let d = hostRule.decide(row, ip: ip, delisted: delisted[text])
                if exported {
                    audit.append(AuditRow(at: now, kind: "ip", entry: text, action: "added", cause: d.rule))
                } else {
                    hostWhy[text] = d.rule
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
        plan.nearMisses = nearMisses
        plan.firewallOnlyTraps = firewallOnly
        plan.lastTrapHits = lastTrapHit
        plan.nearMissNetworks = networks
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
        return set.filter { !contains(traps, $0) }.sorted { compareBytes($0, $1) < 0 }
    }
}
