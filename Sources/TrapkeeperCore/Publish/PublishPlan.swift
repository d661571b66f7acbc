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
    public static func make(
        store: TrapStore, classifier: Classifier, hostRule: HostRule, now: Int64, keepPreviousHosts: Bool
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
        // Only a domain of ours with an A-label can have had rows in the Unicode form.
        let rows = try store.addressRoles()
        for (address, roles) in classifier.internationalDomains ? asciiDomainRows(rows) : rows {
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
            guard let stored = IPAddress(row.ip) else { continue }
            // A state written before hosts were read in their plain form may hold the
            // IPv4-mapped twin (::ffff:a.b.c.d) of a host: it is judged and published as the
            // IPv4 host, once.
            let ip = stored.unmapped
            let text = ip == stored ? row.ip : ip.description
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
        for a in audit {
            let kind = a.kind == "address" ? "trap" : "host"
            if a.action == "added" { plan.added.append((kind, a.entry)) }
            if a.action == "removed" { plan.removed.append((kind, a.entry)) }
        }
        return plan
    }
}
