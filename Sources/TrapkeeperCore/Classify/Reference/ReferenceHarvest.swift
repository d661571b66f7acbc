/// A harvest by the rules alone: the definition the fast `Harvest` is held to.
///
/// Feed it the records of each input in file order (`beginInput`, then `add` for every record
/// the parser accepted); it gives the same views as `Harvest`: `addresses`, `hosts`,
/// `callbackIncidents`, `counts`, `malformedExamples`. Every decision is one of the small
/// functions in `HarvestRules`; the address rules are `Classifier.classify` and
/// `ProbeDetector.match`. Plain dictionaries and strings, no shortcuts: read this, not
/// `Harvest.swift`, to learn what a line does.
///
/// What each record does:
/// - every record is counted by its kind;
/// - WHITE: nothing more (a tuple that passed greylisting says nothing about traps);
/// - TRAPPED: the host's TRAPPED expiry, the latest one counting;
/// - SPAMTRAP: its address (lower-cased, nothing stripped) is sighted as a SPAMTRAP line at `now`,
///   unless it is not ours (counted) or malformed (counted and reported);
/// - GREY and spamd log lines (tuples): the recipient, by its class — not ours (counted),
///   malformed (counted and reported), valid or protected (sighted), a live callback probe (an
///   incident and a verifier hit, not sighted), unknown (sighted, and the host hit a trap). Then
///   the sender, when it is an address of ours that is not malformed, is sighted as a sender.
public struct ReferenceHarvest {
    public let classifier: Classifier
    public let now: Int64

    private var source = ""
    private var file = ""
    /// Addresses of our domains, keyed by their normalised bytes, in the order first read.
    private var addressOrder: [[UInt8]] = []
    private var addressStats: [[UInt8]: HarvestRules.AddressStat] = [:]
    private var hostStats: [IPAddress: HarvestRules.HostStat] = [:]
    private struct PairKey: Hashable {
        var ip: IPAddress
        var address: [UInt8]
    }
    private var pairStats: [PairKey: HarvestRules.PairStat] = [:]
    private struct IncidentKey: Hashable {
        var ip: IPAddress
        var address: [UInt8]
    }
    private var incidentOrder: [IncidentKey] = []
    private var incidents: [IncidentKey: Harvest.CallbackIncident] = [:]
    private var malformedSeen: [String] = []

    public private(set) var counts = Harvest.Counts()

    public init(classifier: Classifier, now: Int64) {
        self.classifier = classifier
        self.now = now
    }

    /// Names the input the following records come from (for evidence and messages).
    public mutating func beginInput(source: String, file: String) {
        self.source = source
        self.file = file
    }

    /// Applies one record.
    public mutating func add(_ r: ParsedRecord) {
        counts.records[r.kind, default: 0] += 1
        switch r.kind {
        case .white:
            break
        case .trapped:
            hostStats[r.ip] = HarvestRules.trapped(
                hostStats[r.ip] ?? .init(), expire: r.time, evidence: evidence(of: r))
        case .spamtrap:
            addSpamtrap(r)
        case .grey, .logGrey, .logBlack, .logNewEntry:
            addTuple(r)
        }
    }

    private mutating func addSpamtrap(_ r: ParsedRecord) {
        let address = HarvestRules.key(HarvestRules.spamtrapAddress(r.toBytes), classifier: classifier)
        switch read(address) {
        case .notOurs: counts.notOurs += 1
        case .malformed(let why): noteMalformed(why, r)
        case .valid, .protected, .unknown: sight(address, as: .spamtrap, at: now, r)
        }
    }

    private mutating func addTuple(_ r: ParsedRecord) {
        let recipient = HarvestRules.key(HarvestRules.tupleAddress(r.toBytes), classifier: classifier)
        let sender = HarvestRules.key(HarvestRules.tupleAddress(r.fromBytes), classifier: classifier)
        let helo = r.heloBytes.map { AddressBook.lower(String(decoding: $0, as: UTF8.self)) }
        let outcome = HarvestRules.recipientOutcome(
            read(recipient), sender: String(decoding: sender, as: UTF8.self), helo: helo, seen: r.time,
            detector: classifier.detector)
        switch outcome {
        case nil:
            counts.notOurs += 1
        case .unusable(let why):
            noteMalformed(why, r)
        case .listed:
            sight(recipient, as: .recipient, at: r.time, r)
        case .probe(let probe):
            counts.probes += 1
            noteProbe(probe, address: recipient, r)
            hit(r, trap: recipient, verifier: true)
        case .trapHit(let verifier):
            sight(recipient, as: .recipient, at: r.time, r)
            hit(r, trap: recipient, verifier: verifier)
        }
        if HarvestRules.sightsSender(read(sender)) {
            sight(sender, as: .sender, at: r.time, r)
        }
    }

    /// The class of an address read in a record; an address of ours is listed from then on.
    private mutating func read(_ address: [UInt8]) -> AddressClass {
        if let known = addressStats[address] { return known.addressClass }
        let c = HarvestRules.addressClass(address, classifier: classifier)
        if c != .notOurs {
            addressOrder.append(address)
            addressStats[address] = .init(addressClass: c)
        }
        return c
    }

    private mutating func sight(_ address: [UInt8], as role: AddressRoles, at time: Int64, _ r: ParsedRecord) {
        addressStats[address] = HarvestRules.sighted(
            addressStats[address]!, as: role, at: time, evidence: evidence(of: r))
    }

    private mutating func hit(_ r: ParsedRecord, trap: [UInt8], verifier: Bool) {
        hostStats[r.ip] = HarvestRules.hit(
            hostStats[r.ip] ?? .init(), at: r.time, verifier: verifier, trap: String(decoding: trap, as: UTF8.self),
            evidence: evidence(of: r))
        let key = PairKey(ip: r.ip, address: trap)
        pairStats[key] = HarvestRules.pairHit(pairStats[key], at: r.time, verifier: verifier)
    }

    private mutating func noteProbe(_ probe: CallbackProbe, address: [UInt8], _ r: ParsedRecord) {
        let key = IncidentKey(ip: r.ip, address: address)
        if let seen = incidents[key] {
            incidents[key] = HarvestRules.probedAgain(seen, r)
        } else {
            incidentOrder.append(key)
            incidents[key] = HarvestRules.incident(
                probe, address: String(decoding: address, as: UTF8.self), r, source: source, file: file)
        }
    }

    private mutating func noteMalformed(_ why: String, _ r: ParsedRecord) {
        counts.malformed += 1
        if malformedSeen.count < ParseReport.rejectsKept {
            malformedSeen.append(
                HarvestRules.malformedMessage(source: source, file: file, line: r.line, why: why, written: r.toBytes))
        }
    }

    private func evidence(of r: ParsedRecord) -> Evidence {
        HarvestRules.evidence(of: r, source: source, file: file, now: now)
    }

    // MARK: the views `Harvest` gives

    /// Every address of our domains read in this run, in the order first read. One never
    /// sighted has no roles, `firstSeen` `Int64.max` and `lastSeen` `Int64.min`.
    public var addresses: [Harvest.AddressInfo] {
        addressOrder.map { key in
            let a = addressStats[key]!
            return Harvest.AddressInfo(
                address: String(decoding: key, as: UTF8.self), addressClass: a.addressClass, roles: a.roles,
                firstSeen: a.firstSeen ?? .max, lastSeen: a.lastSeen ?? .min, evidence: a.evidence)
        }
    }

    /// Every host with a trap hit or a TRAPPED line in this run.
    public var hosts: [IPAddress: Harvest.HostInfo] {
        hostStats.mapValues { h in
            Harvest.HostInfo(
                firstHit: h.firstHit, lastHit: h.lastHit, lastNonVerifierHit: h.lastNonVerifierHit, hits: h.hits,
                verifierHits: h.verifierHits, trappedExpire: h.trappedExpire, trappedEvidence: h.trappedEvidence,
                hitEvidence: h.hitEvidence, hitTrap: h.hitTrap)
        }
    }

    /// Every (host, address) pair with a hit in this run.
    public var hits: [Harvest.HitInfo] {
        pairStats.map { key, p in
            Harvest.HitInfo(
                ip: key.ip, address: String(decoding: key.address, as: UTF8.self), first: p.first, last: p.last,
                lastNonVerifier: p.lastNonVerifier)
        }
    }

    /// Every callback probe, one per (host, probe address), in the order first seen.
    public var callbackIncidents: [Harvest.CallbackIncident] { incidentOrder.map { incidents[$0]! } }

    /// The first few malformed addresses of our domains (source, file:line, reason).
    public var malformedExamples: [String] { malformedSeen }
}
