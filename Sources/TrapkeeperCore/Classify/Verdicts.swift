/// The publish-time decision for one stored address: a trap or not, and the rule that decided.
public struct TrapDecision: Sendable {
    public var isTrap: Bool
    public var rule: String
}

/// The publish-time decision for one host.
public struct HostDecision: Sendable {
    public var exported: Bool
    public var rule: String
}

extension Classifier {
    /// Decides a stored address against the current valid list, protected names and delistings.
    public func decide(_ row: AddressRow, delisted: (kind: String, reason: String, at: Int64)?) -> TrapDecision {
        switch classify(address: row.address, probeShapes: false) {
        case .notOurs:
            return TrapDecision(isTrap: false, rule: "not in our exact domains (\(domains.joined(separator: ", ")))")
        case .malformed(let why):
            return TrapDecision(isTrap: false, rule: "not usable as a trap: \(why)")
        case .valid(let why):
            return TrapDecision(isTrap: false, rule: "rule 1, valid: \(why)")
        case .protected(let why):
            return TrapDecision(isTrap: false, rule: "rule 2, protected: \(why)")
        case .unknown:
            if let d = delisted {
                return TrapDecision(isTrap: false, rule: "delisted by operator at \(TimeText.utc(d.at)): \(d.reason)")
            }
            if row.roles.contains(.spamtrap) {
                return TrapDecision(
                    isTrap: true, rule: "rule 4, trap: SPAMTRAP entry of a firewall, not valid or protected")
            }
            if row.roles.contains(.recipient) {
                return TrapDecision(isTrap: true, rule: "rule 4, trap: unknown recipient in our domain")
            }
            if harvestSenders {
                return TrapDecision(
                    isTrap: true, rule: "rule 4, trap: unknown (forged) sender in our domain (harvest_senders)")
            }
            return TrapDecision(isTrap: false, rule: "seen only as a sender and harvest_senders is off")
        }
    }
}

/// The host export rule of cli.md and callbacks.md.
public struct HostRule: Sendable {
    public var now: Int64
    public var ttl: Int64
    public var neverBlock: NeverBlockList
    /// Hits stamped up to this far after `now` still count (zones and clocks of firewalls differ).
    public static let futureSlack: Int64 = SyslogClock.futureSlack

    public init(now: Int64, ttlHours: Int, neverBlock: NeverBlockList) {
        self.now = now
        self.ttl = Int64(ttlHours) * 3600
        self.neverBlock = neverBlock
    }

    /// The export decision alone, without building the explanation (publishing's hot path);
    /// always the same answer as `decide(…).exported`.
    public func isExported(_ h: HostRow, ip: IPAddress, delisted: Bool) -> Bool {
        if neverBlock.contains(ip) || delisted || h.isVerifierHost { return false }
        if let t = h.lastTrapHit, t >= now - ttl, t <= now + HostRule.futureSlack { return true }
        if let e = h.trappedExpire, e > now { return true }
        return false
    }

    /// Why `ip` is never-block (`never-block: inside 10.0.0.0/8`, or for an IPv6 address judged
    /// by the IPv4 address it carries `never-block: 6to4 address of 192.168.1.1, inside
    /// 192.168.0.0/16`); nil when it is not.
    public func neverBlockRule(_ ip: IPAddress) -> String? {
        guard let block = neverBlock.matchingBlock(ip) else { return nil }
        if block.address.isIPv4 && !ip.isIPv4, let carried = ip.embeddedIPv4 {
            return "never-block: \(carried.form.rawValue) address of \(carried.address), inside \(block)"
        }
        return "never-block: inside \(block)"
    }

    public func decide(_ h: HostRow, ip: IPAddress, delisted: (kind: String, reason: String, at: Int64)?)
        -> HostDecision
    {
        if let why = neverBlockRule(ip) { return HostDecision(exported: false, rule: why) }
        if let d = delisted {
            return HostDecision(exported: false, rule: "delisted by operator at \(TimeText.utc(d.at)): \(d.reason)")
        }
        if h.isVerifierHost {
            return HostDecision(
                exported: false,
                rule:
                    "verifier host: every trap hit was a callback probe or carried a verifier-shaped sender (<>, postmaster@, double-bounce@) — a verifier or backscatter, not a spammer"
            )
        }
        if let t = h.lastTrapHit, t >= now - ttl, t <= now + HostRule.futureSlack {
            return HostDecision(
                exported: true,
                rule: "sent to a trap at \(TimeText.utc(t)), within host_ttl_hours (\(ttl / 3600) h) before now")
        }
        if let e = h.trappedExpire, e > now {
            return HostDecision(exported: true, rule: "TRAPPED by spamd until \(TimeText.utc(e))")
        }
        if let t = h.lastNonVerifierHit {
            if t >= now - ttl {
                return HostDecision(
                    exported: false,
                    rule:
                        "its hits within host_ttl_hours (last \(TimeText.utc(t))) were to addresses that are not traps now (valid, protected, a held near-miss or delisted), and no live TRAPPED entry"
                )
            }
            return HostDecision(
                exported: false,
                rule:
                    "last trap hit \(TimeText.utc(t)) is outside host_ttl_hours (\(ttl / 3600) h) and no live TRAPPED entry"
            )
        }
        if let e = h.trappedExpire {
            return HostDecision(exported: false, rule: "TRAPPED entry expired at \(TimeText.utc(e))")
        }
        return HostDecision(exported: false, rule: "never sent to a trap")
    }
}
