import Foundation

/// Answers "why is this (not) on the lists?" for one address or IP: the verdict, the rule that
/// decided, the evidence, callback incidents and the audit history.
public enum Explainer {
    /// `query` is an IP (an IPv4-mapped one is its IPv4 host) or an address (normalised as
    /// spamd does, its domain in the ASCII form the state keeps it in).
    public static func explain(_ query: String, workspace ws: Workspace, now: Int64) throws -> String {
        let q = query.trimmingCharacters(in: .whitespaces)
        if let ip = IPAddress(host: q) {
            return try explainHost(ip, ws: ws, now: now)
        }
        return try explainAddress(Classifier.canonicalAddress(Classifier.normalize(q)), ws: ws, now: now)
    }

    static func explainAddress(_ address: String, ws: Workspace, now: Int64) throws -> String {
        var out: [String] = ["address: \(address)"]
        let row = try ws.store.address(address)
        let published = try ws.store.published(kind: "trap").contains(address)
        let probes = try ws.store.callbacks(address: address)
        if let row {
            let d = try addressDecision(row, ws: ws)
            out.append("verdict: \(d.isTrap ? "TRAP" : "not a trap")")
            out.append("rule: \(d.rule)")
            out.append(
                "seen as: \(row.roles.words); first seen \(TimeText.utc(row.firstSeen)), last seen \(TimeText.utc(row.lastSeen))"
            )
            if let e = row.evidence { out.append("evidence: \(e.summary)") }
        } else {
            let cls = ws.classifier.classify(address: address)
            out.append("verdict: not a trap")
            switch cls {
            case .notOurs: out.append("rule: not in our exact domains (\(ws.config.domains.joined(separator: ", ")))")
            case .malformed(let why): out.append("rule: not usable as a trap: \(why)")
            case .valid(let why): out.append("rule: rule 1, valid: \(why)")
            case .protected(let why): out.append("rule: rule 2, protected: \(why)")
            case .unknown:
                out.append(
                    probes.isEmpty
                        ? "rule: never seen in any dump or log"
                        : "rule: rule 3, seen only in callback probes")
            }
        }
        for p in probes {
            out.append(
                "callback probe: \(p.kind) from \(p.ip) helo \(p.helo ?? "(not logged)") sender \(p.sender) seen \(TimeText.utc(p.seen)) (source '\(p.source)'): \(p.rule)"
            )
        }
        out.append("published now: \(published ? "yes" : "no")")
        for a in try ws.store.audit(entry: address) {
            out.append("history: \(TimeText.utc(a.at)) \(a.action): \(a.cause)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func explainHost(_ ip: IPAddress, ws: Workspace, now: Int64) throws -> String {
        let key = ip.description
        var out: [String] = ["host: \(key)"]
        let published = try ws.store.published(kind: "host").contains(key)
        let e = try hostExplanation(ip, ws: ws, now: now)
        let row = e.row
        var hitLines: [String] = []
        for (h, decision) in e.hits {
            let times = h.first == h.last ? TimeText.utc(h.first) : "\(TimeText.utc(h.first)) … \(TimeText.utc(h.last))"
            let sender = h.lastNonVerifier == nil ? ", every one from a verifier-shaped sender" : ""
            hitLines.append(
                "hit \(h.address) \(times)\(sender): \(decision.isTrap ? "a trap now" : "not a trap now (\(decision.rule))")"
            )
        }
        let d = e.decision
        out.append("verdict: \(d.exported ? "EXPORTED" : "not exported")")
        out.append("rule: \(d.rule)")
        if let row {
            if let f = row.firstHit, let l = row.lastHit {
                out.append(
                    "trap hits: first \(TimeText.utc(f)), last \(TimeText.utc(l))"
                        + (row.lastNonVerifierHit.map { ", last from a non-verifier sender \(TimeText.utc($0))" }
                            ?? ", all from verifier-shaped senders"))
            }
            if let e = row.hitEvidence {
                out.append("evidence: \(e.summary)" + (row.hitTrap.map { " (trap \($0))" } ?? ""))
            }
            if let e = row.trappedExpire {
                out.append("TRAPPED until \(TimeText.utc(e))" + (row.trappedEvidence.map { ": \($0.summary)" } ?? ""))
            }
        }
        out += hitLines
        for p in try ws.store.callbacks(ip: key) {
            out.append(
                "callback probe: \(p.kind) to \(p.probeAddress) helo \(p.helo ?? "(not logged)") seen \(TimeText.utc(p.seen))"
            )
        }
        out.append("published now: \(published ? "yes" : "no")")
        for a in try ws.store.audit(entry: key) {
            out.append("history: \(TimeText.utc(a.at)) \(a.action): \(a.cause)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// What `explain` says of a host: its row with `lastTrapHit` filled in from its hits per
    /// address (those to addresses that are traps now; a promoted near-miss from its promotion
    /// on), the export decision, and each hit with the decision on its address.
    struct HostExplanation {
        var row: HostRow?
        var decision: HostDecision
        var hits: [(hit: HitRow, decision: TrapDecision)]
    }

    static func hostExplanation(_ ip: IPAddress, ws: Workspace, now: Int64) throws -> HostExplanation {
        let key = ip.description
        let rule = ws.hostRule(now: now)
        let delistings = try ws.store.delistings()
        var row = try ws.store.host(key)
        var hits: [(hit: HitRow, decision: TrapDecision)] = []
        let nearMiss = ws.nearMissRule()
        let stored = try ws.store.hits(ip: key)
        // The networks that mailed each near-miss, in one pass over the state's hits: read per
        // hit, a host with many hits made `explain` quadratic. The rule looks at them only for
        // an address that resembles a valid one.
        let networksOf = try ws.store.nearMissNetworks(stored.map(\.address).filter { nearMiss.resembles($0) != nil })
        for h in stored {
            let roles = try ws.store.address(h.address)?.roles ?? []
            let networks = networksOf[h.address] ?? [:]
            let decision = nearMiss.decide(
                ws.classifier.decide(
                    AddressRow(address: h.address, roles: roles, firstSeen: 0, lastSeen: 0, evidence: nil),
                    delisted: delistings[h.address]), address: h.address, roles: roles, networks: networks,
                publishedBefore: try ws.store.wasPublished(h.address))
            let promoted =
                nearMiss.resembles(h.address) == nil ? nil : nearMiss.promotion(networks: networks).promotedAt
            if decision.isTrap, let t = h.lastNonVerifier, t >= promoted ?? .min, t > row?.lastTrapHit ?? .min {
                row?.lastTrapHit = t
            }
            hits.append((h, decision))
        }
        let d: HostDecision
        if let row {
            d = rule.decide(row, ip: ip, delisted: delistings[key])
        } else if let why = rule.neverBlockRule(ip) {
            d = HostDecision(exported: false, rule: "\(why); never sent to a trap")
        } else {
            d = HostDecision(
                exported: false,
                rule:
                    "no record: no trap hit or TRAPPED entry within the last \(ws.config.historyDays) days (history_days; older ones are dropped from the state)"
            )
        }
        return HostExplanation(row: row, decision: d, hits: hits)
    }

    /// The publish-time decision on a stored address, rule 3b (near-misses) included.
    static func addressDecision(_ row: AddressRow, ws: Workspace) throws -> TrapDecision {
        ws.nearMissRule().decide(
            ws.classifier.decide(row, delisted: try ws.store.delistings()[row.address]), address: row.address,
            roles: row.roles, networks: try ws.store.nearMissNetworks([row.address])[row.address] ?? [:],
            publishedBefore: try ws.store.wasPublished(row.address))
    }
}
