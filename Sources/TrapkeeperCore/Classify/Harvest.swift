/// Everything one classify run learned, aggregated in memory before it is merged into the state:
/// every address of our domains that was seen (with its class, roles, first/last seen and the
/// evidence of its first sighting), every host's trap hits and TRAPPED expiry, and every
/// callback probe.
///
/// Memory grows with the distinct addresses and hosts, not with the number of lines.
public final class Harvest {
    public struct AddressInfo: Sendable {
        public var address: String
        public var addressClass: AddressClass
        public var roles: AddressRoles
        public var firstSeen: Int64
        public var lastSeen: Int64
        public var evidence: Evidence?
        /// Trap evidence is kept once the address is unknown: a recipient sighting beats a sender one.
        var evidenceRank: Int
    }

    public struct HostInfo: Sendable {
        public var firstHit: Int64?
        public var lastHit: Int64?
        /// Last trap hit whose sender was not verifier-shaped (`<>`, postmaster@, double-bounce…@).
        public var lastNonVerifierHit: Int64?
        public var hits: Int = 0
        public var verifierHits: Int = 0
        public var trappedExpire: Int64?
        public var trappedEvidence: Evidence?
        /// First trap hit; replaced by the first non-verifier hit when one comes.
        public var hitEvidence: Evidence?
        /// The trap the evidence hit.
        public var hitTrap: String?
    }

    public struct CallbackIncident: Sendable, Equatable {
        public var ip: IPAddress
        public var helo: String?
        public var probeAddress: String
        public var sender: String
        public var shape: ProbeShape
        public var rule: String
        public var probeTime: Int64?
        public var seen: Int64
        public var source: String
        public var file: String
        public var line: Int
    }

    struct CallbackKey: Hashable {
        var ip: IPAddress
        var address: String
    }

    public struct Counts: Sendable {
        public var records: [RecordKind: Int] = [:]
        public var notOurs = 0
        public var malformed = 0
        public var probes = 0
    }

    public let classifier: Classifier
    public let now: Int64
    public private(set) var addresses: [AddressInfo] = []
    public private(set) var hosts: [IPAddress: HostInfo] = [:]
    public private(set) var callbackIncidents: [CallbackIncident] = []
    public private(set) var counts = Counts()
    /// First few malformed addresses in our domains (source, file:line, reason).
    public private(set) var malformedExamples: [String] = []

    private var table = ByteKeyTable(capacity: 1 << 14)
    private var callbackIndex: [CallbackKey: Int] = [:]
    private let scratchA: UnsafeMutableRawBufferPointer
    private let scratchB: UnsafeMutableRawBufferPointer
    private var recordCounts = [Int](repeating: 0, count: 8)

    public init(classifier: Classifier, now: Int64) {
        self.classifier = classifier
        self.now = now
        scratchA = .allocate(byteCount: LineReader.maxLineBytes + 16, alignment: 8)
        scratchB = .allocate(byteCount: LineReader.maxLineBytes + 16, alignment: 8)
    }

    deinit {
        scratchA.deallocate()
        scratchB.deallocate()
    }

    /// Index of a normalised address, classifying it the first time it is seen.
    @inline(__always)
    private func entry(_ key: UnsafeRawBufferPointer) -> Int {
        let (idx, inserted) = table.index(of: key)
        if inserted {
            let text = String(decoding: key, as: UTF8.self)
            var cls = classifier.classify(address: text)
            if case .unknown = cls, String(validating: key, as: UTF8.self) == nil {
                cls = .malformed("not valid UTF-8")
            }
            addresses.append(
                AddressInfo(
                    address: text, addressClass: cls, roles: [], firstSeen: .max, lastSeen: .min, evidence: nil,
                    evidenceRank: 0))
        }
        return idx
    }

    private func evidence(_ r: RawRecord, source: String, file: String) -> Evidence {
        Evidence(
            source: source, file: file, line: r.line, kind: r.kind.rawValue,
            ip: r.kind == .spamtrap ? nil : r.ip.description,
            helo: r.helo.map { ParseReport.printable($0, limit: 200) },
            sender: r.kind.isTuple ? ParseReport.printable(r.from, limit: 300) : nil,
            recipient: r.kind == .white || r.kind == .trapped ? nil : ParseReport.printable(r.to, limit: 300),
            time: r.kind == .spamtrap ? now : r.time)
    }

    private func sighting(_ idx: Int, role: AddressRoles, time: Int64, rank: Int, _ make: () -> Evidence) {
        addresses[idx].roles.insert(role)
        if time < addresses[idx].firstSeen { addresses[idx].firstSeen = time }
        if time > addresses[idx].lastSeen { addresses[idx].lastSeen = time }
        // The evidence is the earliest sighting: what created the entry.
        if addresses[idx].evidence == nil || time < addresses[idx].evidence!.time {
            addresses[idx].evidence = make()
            addresses[idx].evidenceRank = rank
        }
    }

    private func noteMalformed(_ idx: Int, _ r: RawRecord, source: String, file: String) {
        counts.malformed += 1
        if malformedExamples.count < ParseReport.rejectsKept, case .malformed(let why) = addresses[idx].addressClass {
            malformedExamples.append("source '\(source)': \(file):\(r.line): address in our domain not usable (\(why)): \(ParseReport.printable(r.to, limit: 80))")
        }
    }

    /// Adds one parsed record.
    public func add(_ r: RawRecord, source: String, file: String) {
        counts.records[r.kind, default: 0] += 1
        switch r.kind {
        case .white:
            return
        case .trapped:
            var h = hosts[r.ip] ?? HostInfo()
            if h.trappedExpire == nil || r.time > h.trappedExpire! {
                h.trappedExpire = r.time
                h.trappedEvidence = evidence(r, source: source, file: file)
            }
            hosts[r.ip] = h
            return
        case .spamtrap:
            // Already normalised by spamd: lower-case only, strip nothing.
            let n = Classifier.lowercase(r.to, into: scratchA)
            let key = UnsafeRawBufferPointer(rebasing: scratchA[0..<n])
            guard classifier.isOurs(key) else {
                counts.notOurs += 1
                return
            }
            let idx = entry(key)
            if case .malformed = addresses[idx].addressClass { noteMalformed(idx, r, source: source, file: file) }
            sighting(idx, role: .spamtrap, time: now, rank: 1) { evidence(r, source: source, file: file) }
            return
        case .grey, .logGrey, .logBlack, .logNewEntry:
            addTuple(r, source: source, file: file)
        }
    }

    private func addTuple(_ r: RawRecord, source: String, file: String) {
        let nt = Classifier.normalize(r.to, into: scratchA)
        let to = UnsafeRawBufferPointer(rebasing: scratchA[0..<nt])
        let ns = Classifier.normalize(r.from, into: scratchB)
        let from = UnsafeRawBufferPointer(rebasing: scratchB[0..<ns])

        if classifier.isOurs(to) {
            let idx = entry(to)
            switch addresses[idx].addressClass {
            case .notOurs:
                break
            case .malformed:
                noteMalformed(idx, r, source: source, file: file)
            case .valid, .protected:
                sighting(idx, role: .recipient, time: r.time, rank: 0) { evidence(r, source: source, file: file) }
            case .unknown(let shape):
                if let shape,
                    let probe = classifier.detector.match(
                        shape: shape, sender: String(decoding: from, as: UTF8.self),
                        helo: r.helo.map { AddressBook.lower(String(decoding: $0, as: UTF8.self)) }, seen: r.time)
                {
                    recordProbe(probe, address: addresses[idx].address, r, source: source, file: file)
                    break
                }
                sighting(idx, role: .recipient, time: r.time, rank: 3) { evidence(r, source: source, file: file) }
                hit(r, trap: idx, verifier: ProbeDetector.isVerifierSender(bytes: from), source: source, file: file)
            }
        } else {
            counts.notOurs += 1
        }

        if ns > 0 && classifier.isOurs(from) {
            let idx = entry(from)
            switch addresses[idx].addressClass {
            case .malformed, .notOurs:
                break
            case .valid, .protected:
                sighting(idx, role: .sender, time: r.time, rank: 0) { evidence(r, source: source, file: file) }
            case .unknown:
                sighting(idx, role: .sender, time: r.time, rank: 2) { evidence(r, source: source, file: file) }
            }
        }
    }

    private func hit(_ r: RawRecord, trap idx: Int, verifier: Bool, source: String, file: String) {
        var h = hosts[r.ip] ?? HostInfo()
        h.hits += 1
        if h.firstHit == nil || r.time < h.firstHit! { h.firstHit = r.time }
        if h.lastHit == nil || r.time > h.lastHit! { h.lastHit = r.time }
        if verifier {
            h.verifierHits += 1
            if h.hitEvidence == nil {
                h.hitEvidence = evidence(r, source: source, file: file)
                h.hitTrap = addresses[idx].address
            }
        } else {
            if h.lastNonVerifierHit == nil || r.time > h.lastNonVerifierHit! { h.lastNonVerifierHit = r.time }
            if h.hitEvidence == nil || h.hits - h.verifierHits == 1 {
                h.hitEvidence = evidence(r, source: source, file: file)
                h.hitTrap = addresses[idx].address
            }
        }
        hosts[r.ip] = h
    }

    private func recordProbe(_ probe: CallbackProbe, address: String, _ r: RawRecord, source: String, file: String) {
        counts.probes += 1
        let key = CallbackKey(ip: r.ip, address: address)
        let helo = r.helo.map { ParseReport.printable($0, limit: 200) }
        if let i = callbackIndex[key] {
            if callbackIncidents[i].helo == nil { callbackIncidents[i].helo = helo }
            if r.time < callbackIncidents[i].seen { callbackIncidents[i].seen = r.time }
            return
        }
        callbackIndex[key] = callbackIncidents.count
        callbackIncidents.append(
            CallbackIncident(
                ip: r.ip, helo: helo, probeAddress: address, sender: ParseReport.printable(r.from, limit: 300),
                shape: probe.shape, rule: probe.rule, probeTime: probe.probeTime, seen: r.time, source: source,
                file: file, line: r.line))
    }
}

extension Classifier {
    /// ASCII lower-case copy into `out`; returns the length.
    @inline(__always)
    static func lowercase(_ raw: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        for i in 0..<raw.count {
            let b = raw[i]
            out[i] = (b >= 65 && b <= 90) ? b + 32 : b
        }
        return raw.count
    }
}
