import Foundation

extension Explainer {
    /// `trapkeeper explain --format json`: the facts of `explain`, as one JSON object
    /// (`JSONText`; times in epoch seconds, null when not known).
    ///
    /// Keys of both kinds: `query` (as given), `kind` ("address" or "host"), `entry` (the
    /// normalised address or IP), `verdict`, `rule`, `callback_probes` [{`ip`, `helo`,
    /// `probe_address`, `sender`, `kind`, `rule`, `probe_time`, `seen`, `source`}], `published`
    /// (bool), `history` [{`at`, `action`, `cause`}].
    /// An address adds `roles` (of "recipient", "sender", "spamtrap"), `first_seen`, `last_seen`
    /// and `evidence`; its `verdict` is "trap" or "not_a_trap".
    /// A host adds `first_hit`, `last_hit`, `last_nonverifier_hit`, `evidence`, `trap` (the
    /// trap of that evidence), `trapped_until` and `trapped_evidence`; its `verdict` is
    /// "exported" or "not_exported".
    /// `evidence`: {`source`, `file`, `line`, `kind`, `ip`, `helo`, `sender`, `recipient`, `time`}.
    public static func json(_ query: String, workspace ws: Workspace, now: Int64) throws -> String {
        let q = query.trimmingCharacters(in: .whitespaces)
        var object: [String: Any?]
        if let ip = IPAddress(q) {
            object = try hostFacts(ip, ws: ws, now: now)
        } else {
            object = try addressFacts(Classifier.normalize(q), ws: ws)
        }
        object["query"] = query
        return JSONText.render(object)
    }

    static func evidenceFacts(_ e: Evidence?) -> [String: Any?]? {
        guard let e else { return nil }
        return [
            "source": e.source, "file": e.file, "line": e.line, "kind": e.kind, "ip": e.ip, "helo": e.helo,
            "sender": e.sender, "recipient": e.recipient, "time": e.time,
        ]
    }

    static func probeFacts(_ probes: [CallbackRow]) -> [[String: Any?]] {
        probes.map { p in
            [
                "ip": p.ip, "helo": p.helo, "probe_address": p.probeAddress, "sender": p.sender, "kind": p.kind,
                "rule": p.rule, "probe_time": p.probeTime, "seen": p.seen, "source": p.source,
            ]
        }
    }

    static func historyFacts(_ rows: [AuditRow]) -> [[String: Any?]] {
        rows.map { ["at": $0.at, "action": $0.action, "cause": $0.cause] }
    }

    /// The facts `explainAddress` prints.
    static func addressFacts(_ address: String, ws: Workspace) throws -> [String: Any?] {
        let row = try ws.store.address(address)
        let probes = try ws.store.callbacks(address: address)
        var isTrap = false
        let rule: String
        if let row {
            let d = try Explainer.addressDecision(row, ws: ws)
            isTrap = d.isTrap
            rule = d.rule
        } else {
            switch ws.classifier.classify(address: address) {
            case .notOurs: rule = "not in our exact domains (\(ws.config.domains.joined(separator: ", ")))"
            case .malformed(let why): rule = "not usable as a trap: \(why)"
            case .valid(let why): rule = "rule 1, valid: \(why)"
            case .protected(let why): rule = "rule 2, protected: \(why)"
            case .unknown:
                rule = probes.isEmpty ? "never seen in any dump or log" : "rule 3, seen only in callback probes"
            }
        }
        var roles: [String] = []
        if let r = row?.roles {
            if r.contains(.recipient) { roles.append("recipient") }
            if r.contains(.sender) { roles.append("sender") }
            if r.contains(.spamtrap) { roles.append("spamtrap") }
        }
        return [
            "kind": "address", "entry": address, "verdict": isTrap ? "trap" : "not_a_trap", "rule": rule,
            "roles": roles, "first_seen": row?.firstSeen, "last_seen": row?.lastSeen,
            "evidence": evidenceFacts(row?.evidence), "callback_probes": probeFacts(probes),
            "published": try ws.store.published(kind: "trap").contains(address),
            "history": historyFacts(try ws.store.audit(entry: address)),
        ]
    }

    /// The facts `explainHost` prints.
    static func hostFacts(_ ip: IPAddress, ws: Workspace, now: Int64) throws -> [String: Any?] {
        let key = ip.description
        let e = try Explainer.hostExplanation(ip, ws: ws, now: now)
        let row = e.row
        let d = e.decision
        return [
            "kind": "host", "entry": key, "verdict": d.exported ? "exported" : "not_exported", "rule": d.rule,
            "first_hit": row?.firstHit, "last_hit": row?.lastHit, "last_nonverifier_hit": row?.lastNonVerifierHit,
            "evidence": evidenceFacts(row?.hitEvidence), "trap": row?.hitTrap, "trapped_until": row?.trappedExpire,
            "trapped_evidence": evidenceFacts(row?.trappedEvidence),
            "hits": e.hits.map { h, decision -> [String: Any?] in
                [
                    "address": h.address, "first": h.first, "last": h.last, "last_nonverifier": h.lastNonVerifier,
                    "trap_now": decision.isTrap,
                ]
            },
            "callback_probes": probeFacts(try ws.store.callbacks(ip: key)),
            "published": try ws.store.published(kind: "host").contains(key),
            "history": historyFacts(try ws.store.audit(entry: key)),
        ]
    }
}
