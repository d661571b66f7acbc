/// What one record of a dump or log does to an address of our domains and to a host, as small
/// pure functions over plain values. `ReferenceHarvest` applies them record by record and is the
/// executable definition of a harvest; the fast `Harvest` must give exactly the same
/// (`ReferenceHarvestTests`, `fuzz/run`). `docs/rules.md` says the same in words.
///
/// Addresses are bytes: spamd copies the SMTP dialogue's bytes (invalid UTF-8 and control bytes
/// included), and two different byte strings are two addresses even when they read the same as
/// text. The address rules themselves are `Classifier.classify` and `ProbeDetector.match`.
enum HarvestRules {
    /// What a run learned about one address of our domains.
    struct AddressStat: Equatable {
        var addressClass: AddressClass
        var roles: AddressRoles = []
        /// Earliest and latest sighting (nil: read, but never sighted — malformed, or only ever
        /// a callback probe's target, or a malformed sender).
        var firstSeen: Int64?
        var lastSeen: Int64?
        /// The first sighting read — the line that created the entry — not the earliest in time.
        var evidence: Evidence?
    }

    /// What a run learned about one host.
    struct HostStat: Equatable {
        var hits = 0
        var verifierHits = 0
        var firstHit: Int64?
        var lastHit: Int64?
        var lastNonVerifierHit: Int64?
        /// The first hit, replaced once by the first hit from a non-verifier sender.
        var hitEvidence: Evidence?
        /// The address the evidence's hit went to.
        var hitTrap: String?
        /// The latest TRAPPED expiry, and the first line that gave it.
        var trappedExpire: Int64?
        var trappedEvidence: Evidence?
    }

    /// Evidence shows at most this many bytes of a helo and of an address (then `…`).
    static let heloLimit = 200
    static let addressLimit = 300

    // MARK: addresses

    /// spamd's `dequotetolower` on a tuple's sender or recipient as written: one leading `<` and
    /// one trailing `>` stripped, ASCII lower-cased, other bytes kept. `<>` is the empty sender.
    static func tupleAddress(_ written: [UInt8]) -> [UInt8] {
        var bytes = written[...]
        if bytes.first == UInt8(ascii: "<") { bytes = bytes.dropFirst() }
        if bytes.last == UInt8(ascii: ">") { bytes = bytes.dropLast() }
        return bytes.map(asciiLower)
    }

    /// A SPAMTRAP line's address: spamd already normalised it, so only ASCII lower-casing,
    /// nothing stripped (`SPAMTRAP|<b>x</b>@bsdly.com` is the address `<b>x</b>@bsdly.com`).
    static func spamtrapAddress(_ written: [UInt8]) -> [UInt8] {
        written.map(asciiLower)
    }

    static func asciiLower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }

    /// The key an address is kept under: as normalised, or — when its domain is not ASCII and
    /// the ASCII form of that domain (`DomainName.toASCII`) is one of ours — with its domain in
    /// that form (`x@bücher.example` is the mailbox `x@xn--bcher-kva.example`). The local part's
    /// bytes stay as they are.
    static func key(_ address: [UInt8], classifier: Classifier) -> [UInt8] {
        guard classifier.internationalDomains, let at = address.lastIndex(of: UInt8(ascii: "@")),
            address[(at + 1)...].contains(where: { $0 >= 0x80 })
        else { return address }
        let domain = String(decoding: address[(at + 1)...], as: UTF8.self)
        guard let ascii = DomainName.toASCII(Substring(domain)), classifier.domains.contains(ascii) else {
            return address
        }
        return Array(address[...at]) + Array(ascii.utf8)
    }

    /// The class of an address by the readable rules (`Classifier.classify`): not ours, malformed,
    /// valid, protected, or unknown with its probe shape. Bytes that are not UTF-8 are never an
    /// unknown address: they could not be published.
    static func addressClass(_ address: [UInt8], classifier: Classifier) -> AddressClass {
        let c = classifier.classify(address: String(decoding: address, as: UTF8.self))
        if case .unknown = c, String(validating: address, as: UTF8.self) == nil {
            return .malformed("not valid UTF-8")
        }
        return c
    }

    /// A sighting as `role` at `time`: roles add up, first/last seen widen, and the first
    /// sighting read keeps its evidence (built only when it is kept).
    static func sighted(
        _ a: AddressStat, as role: AddressRoles, at time: Int64, evidence: @autoclosure () -> Evidence
    ) -> AddressStat {
        var a = a
        a.roles.insert(role)
        a.firstSeen = min(a.firstSeen ?? time, time)
        a.lastSeen = max(a.lastSeen ?? time, time)
        if a.evidence == nil { a.evidence = evidence() }
        return a
    }

    /// Whether a tuple whose sender is an address of ours of this class sights it as a sender:
    /// every address that is not malformed (valid, protected or unknown — publishing decides on
    /// `harvest_senders`, not the harvest).
    static func sightsSender(_ c: AddressClass) -> Bool {
        switch c {
        case .valid, .protected, .unknown: return true
        case .notOurs, .malformed: return false
        }
    }

    // MARK: tuples to our addresses

    /// What a tuple (a GREY line or a spamd log line) does to its recipient, by the recipient's class.
    enum RecipientOutcome: Equatable {
        /// Malformed: counted and reported (file and line), nothing else.
        case unusable(String)
        /// Valid or protected: a sighting, never a trap hit.
        case listed
        /// A live callback probe: an incident and a verifier hit; the probe address is not sighted.
        case probe(CallbackProbe)
        /// Unknown: a sighting and a trap hit, `verifier` when the sender is verifier-shaped.
        case trapHit(verifier: Bool)
    }

    /// The outcome of a tuple to an address of class `c`; nil when the address is not ours.
    ///
    /// - sender: the normalised sender (`tupleAddress`) as text; empty for `<>`.
    /// - helo: the helo ASCII lower-cased, nil when the line carries none.
    static func recipientOutcome(
        _ c: AddressClass, sender: String, helo: String?, seen: Int64, detector: ProbeDetector
    ) -> RecipientOutcome? {
        switch c {
        case .notOurs: return nil
        case .malformed(let why): return .unusable(why)
        case .valid, .protected: return .listed
        case .unknown(let shape):
            if let shape, let probe = detector.match(shape: shape, sender: sender, helo: helo, seen: seen) {
                return .probe(probe)
            }
            return .trapHit(verifier: isVerifierShaped(sender: sender, helo: helo))
        }
    }

    /// A trap hit from a verifier rather than a spammer: the sender is `<>`, `postmaster@…` or
    /// `double-bounce…@…`, or the tuple carries a verification service's whole fingerprint
    /// (AfterShip and Reacher probe the real address in the same session as their random one).
    static func isVerifierShaped(sender: String, helo: String?) -> Bool {
        if ProbeDetector.isVerifierSender(sender) { return true }
        if sender == ProbeDetector.aftershipSender { return helo == nil || helo == ProbeDetector.aftershipHelo }
        if sender == ProbeDetector.reacherSender { return helo == nil || helo == ProbeDetector.reacherHelo }
        return false
    }

    // MARK: hosts

    /// A host's hits to one address: whether they count is decided at publish time, by whether
    /// the address is a trap then.
    struct PairStat: Equatable {
        var first: Int64
        var last: Int64
        /// The last hit whose sender was not verifier-shaped (nil: none).
        var lastNonVerifier: Int64?
    }

    /// One more hit of a host to an address.
    static func pairHit(_ p: PairStat?, at time: Int64, verifier: Bool) -> PairStat {
        guard var p else { return PairStat(first: time, last: time, lastNonVerifier: verifier ? nil : time) }
        p.first = min(p.first, time)
        p.last = max(p.last, time)
        if !verifier { p.lastNonVerifier = max(p.lastNonVerifier ?? time, time) }
        return p
    }

    /// A trap hit (a probe counts as a verifier hit). The first hit is the evidence until the
    /// first non-verifier hit replaces it; only non-verifier hits make `lastNonVerifierHit`,
    /// which is what exports a host.
    static func hit(
        _ h: HostStat, at time: Int64, verifier: Bool, trap: String, evidence: @autoclosure () -> Evidence
    ) -> HostStat {
        var h = h
        h.hits += 1
        h.firstHit = min(h.firstHit ?? time, time)
        h.lastHit = max(h.lastHit ?? time, time)
        if verifier {
            h.verifierHits += 1
            if h.hitEvidence == nil {
                h.hitEvidence = evidence()
                h.hitTrap = trap
            }
        } else {
            if h.lastNonVerifierHit == nil {
                h.hitEvidence = evidence()
                h.hitTrap = trap
            }
            h.lastNonVerifierHit = max(h.lastNonVerifierHit ?? time, time)
        }
        return h
    }

    /// A TRAPPED line: the latest expiry counts, with the first line that gave it.
    static func trapped(_ h: HostStat, expire: Int64, evidence: @autoclosure () -> Evidence) -> HostStat {
        var h = h
        if h.trappedExpire.map({ expire > $0 }) ?? true {
            h.trappedExpire = expire
            h.trappedEvidence = evidence()
        }
        return h
    }

    // MARK: callback probes

    /// A new callback incident of (host, probe address), from the first probe line seen.
    static func incident(
        _ probe: CallbackProbe, address: String, _ r: ParsedRecord, source: String, file: String
    ) -> Harvest.CallbackIncident {
        Harvest.CallbackIncident(
            ip: r.ip, helo: r.heloBytes.map { printable($0, limit: heloLimit) }, probeAddress: address,
            sender: printable(r.fromBytes, limit: addressLimit), shape: probe.shape, rule: probe.rule,
            probeTime: probe.probeTime, seen: r.time, source: source, file: file, line: r.line)
    }

    /// The same (host, probe address) probed again: the first helo logged is kept, and the
    /// earliest time; everything else stays the first line's.
    static func probedAgain(_ c: Harvest.CallbackIncident, _ r: ParsedRecord) -> Harvest.CallbackIncident {
        var c = c
        if c.helo == nil { c.helo = r.heloBytes.map { printable($0, limit: heloLimit) } }
        c.seen = min(c.seen, r.time)
        return c
    }

    // MARK: evidence and messages

    /// Where and when a record was seen, its fields as written (printable, cut at their
    /// limits). A SPAMTRAP line has no host and no time of its own: it is stamped `now`.
    static func evidence(of r: ParsedRecord, source: String, file: String, now: Int64) -> Evidence {
        Evidence(
            source: source, file: file, line: r.line, kind: r.kind.rawValue,
            ip: r.kind == .spamtrap ? nil : r.ip.description,
            helo: r.heloBytes.map { printable($0, limit: heloLimit) },
            sender: r.kind.isTuple ? printable(r.fromBytes, limit: addressLimit) : nil,
            recipient: r.kind == .white || r.kind == .trapped ? nil : printable(r.toBytes, limit: addressLimit),
            time: r.kind == .spamtrap ? now : r.time)
    }

    /// The warning for an address of our domains that cannot be published.
    static func malformedMessage(source: String, file: String, line: Int, why: String, written: [UInt8]) -> String {
        "source '\(source)': \(file):\(line): address in our domain not usable (\(why)): \(printable(written, limit: 80))"
    }

    /// Bytes as text a terminal shows as they are: printable ASCII but `\` as is, every other
    /// byte as `\xNN`; past `limit` bytes cut with `…` (as `ParseReport.printable`).
    static func printable(_ bytes: [UInt8], limit: Int) -> String {
        bytes.withUnsafeBytes { ParseReport.printable($0, limit: limit) }
    }
}
