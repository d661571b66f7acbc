#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything one classify run learned, aggregated in memory before it is merged into the state:
/// every address of our domains that was seen (with its class, roles, first/last seen and the
/// evidence of its first sighting), every host's trap hits and TRAPPED expiry, and every
/// callback probe.
///
/// Memory grows with the distinct addresses and hosts, not with the number of lines.
/// Not thread-safe: one thread fills one harvest; chunks parsed in parallel get their own and
/// are merged with `absorb` afterwards.
public final class Harvest: @unchecked Sendable {
    public struct AddressInfo: Sendable {
        public var address: String
        public var addressClass: AddressClass
        public var roles: AddressRoles
        public var firstSeen: Int64
        public var lastSeen: Int64
        public var evidence: Evidence?
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
    public private(set) var callbackIncidents: [CallbackIncident] = []
    /// First few malformed addresses in our domains (source, file:line, reason).
    public var malformedExamples: [String] {
        malformedSeen.map {
            "source '\($0.source)': \($0.file):\($0.line): address in our domain not usable (\($0.why)): \($0.text)"
        }
    }
    private var malformedSeen: [(source: String, file: String, line: Int, why: String, text: String)] = []

    /// Per-address hot data: plain values only, so updates never touch reference counts.
    struct AddressStat {
        var roles: UInt8 = 0
        var first: Int64 = .max
        var last: Int64 = .min
        var evidenceTime: Int64 = .max
    }

    struct HostStat {
        var firstHit: Int64 = .max
        var lastHit: Int64 = .min
        var lastNonVerifierHit: Int64 = .min
        var hits = 0
        var verifierHits = 0
        var trappedExpire: Int64 = .min
        var hasHitEvidence = false
        var hasNonVerifierEvidence = false
    }

    private var table = ByteKeyTable(capacity: 1 << 14)
    private var addressText: [String] = []
    private var addressClass: [AddressClass] = []
    /// 0 not ours, 1 malformed, 2 valid/protected, 3 unknown, 4 unknown with a probe shape
    private var addressCode: [UInt8] = []
    private var addressStat: [AddressStat] = []
    /// Evidence in `Evidence.encoded` form: one string per entry keeps 500 000 hosts cheap.
    private var addressEvidence: [String?] = []
    private var hostTable = IPKeyTable(capacity: 1 << 14)
    private var hostStat: [HostStat] = []
    private var hostHitEvidence: [String?] = []
    private var hostHitTrap: [String?] = []
    private var hostTrappedEvidence: [String?] = []
    private var callbackIndex: [CallbackKey: Int] = [:]
    private let scratchA: UnsafeMutableRawBufferPointer
    private let scratchB: UnsafeMutableRawBufferPointer
    private var kindCounts = [Int](repeating: 0, count: 8)
    private var notOurs = 0
    private var malformed = 0
    private var probes = 0

    public init(classifier: Classifier, now: Int64) {
        self.classifier = classifier
        self.now = now
        scratchA = .allocate(byteCount: LineReader.maxLineBytes + 16, alignment: 8)
        scratchB = .allocate(byteCount: LineReader.maxLineBytes + 16, alignment: 8)
        let packed = classifier.domains.map { Array("@\($0)".utf8) }
        domainBuffer = .allocate(byteCount: max(1, packed.reduce(0) { $0 + $1.count }), alignment: 8)
        var offset = 0
        for d in packed {
            d.withUnsafeBytes {
                (domainBuffer.baseAddress! + offset).copyMemory(from: $0.baseAddress!, byteCount: d.count)
            }
            domainSpans.append((offset, d.count))
            offset += d.count
        }
    }

    deinit {
        scratchA.deallocate()
        scratchB.deallocate()
        domainBuffer.deallocate()
        table.release()
    }

    /// Our domains as `@domain`, packed for the per-line suffix check.
    private var domainBuffer: UnsafeMutableRawBufferPointer = .allocate(byteCount: 1, alignment: 8)
    private var domainSpans: [(offset: Int, count: Int)] = []
    private var source = ""
    private var file = ""

    /// Names the input the following `add` calls come from (for evidence).
    public func beginInput(source: String, file: String) {
        self.source = source
        self.file = file
    }

    @inline(__always)
    private func isOurs(_ a: UnsafeRawBufferPointer) -> Bool {
        guard let base = a.baseAddress else { return false }
        for d in domainSpans where a.count > d.count {
            if memcmp(domainBuffer.baseAddress! + d.offset, base + (a.count - d.count), d.count) == 0 { return true }
        }
        return false
    }

    /// Every address of our domains seen in this run.
    public var addresses: [AddressInfo] {
        (0..<addressText.count).map { i in
            let st = addressStat[i]
            return AddressInfo(
                address: addressText[i], addressClass: addressClass[i], roles: AddressRoles(rawValue: Int(st.roles)),
                firstSeen: st.first, lastSeen: st.last, evidence: addressEvidence[i].flatMap(Evidence.init(encoded:)))
        }
    }

    /// Visits every seen address without copying the evidence out (the merge's hot path).
    public func forEachAddress(_ body: (String, AddressRoles, Int64, Int64, () -> String?) throws -> Void) rethrows {
        for i in 0..<addressText.count where addressStat[i].roles != 0 {
            let st = addressStat[i]
            try body(
                addressText[i], AddressRoles(rawValue: Int(st.roles)), st.first, st.last, { self.addressEvidence[i] })
        }
    }

    /// Every host with a trap hit or a TRAPPED entry in this run.
    public var hosts: [IPAddress: HostInfo] {
        var out: [IPAddress: HostInfo] = [:]
        out.reserveCapacity(hostTable.count)
        for (i, ip) in hostTable.all.enumerated() {
            let st = hostStat[i]
            var h = HostInfo()
            if st.hits > 0 {
                h.firstHit = st.firstHit
                h.lastHit = st.lastHit
            }
            if st.lastNonVerifierHit != .min { h.lastNonVerifierHit = st.lastNonVerifierHit }
            h.hits = st.hits
            h.verifierHits = st.verifierHits
            if st.trappedExpire != .min { h.trappedExpire = st.trappedExpire }
            h.trappedEvidence = hostTrappedEvidence[i].flatMap(Evidence.init(encoded:))
            h.hitEvidence = hostHitEvidence[i].flatMap(Evidence.init(encoded:))
            h.hitTrap = hostHitTrap[i]
            out[ip] = h
        }
        return out
    }

    public var counts: Counts {
        var c = Counts()
        for k in [RecordKind.grey, .white, .trapped, .spamtrap, .logGrey, .logBlack, .logNewEntry] {
            let n = kindCounts[Harvest.slot(k)]
            if n > 0 { c.records[k] = n }
        }
        c.notOurs = notOurs
        c.malformed = malformed
        c.probes = probes
        return c
    }

    @inline(__always)
    static func slot(_ k: RecordKind) -> Int {
        switch k {
        case .grey: return 0
        case .white: return 1
        case .trapped: return 2
        case .spamtrap: return 3
        case .logGrey: return 4
        case .logBlack: return 5
        case .logNewEntry: return 6
        }
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
            let code: UInt8
            switch cls {
            case .notOurs: code = 0
            case .malformed: code = 1
            case .valid, .protected: code = 2
            case .unknown(let shape): code = shape == nil ? 3 : 4
            }
            addressText.append(text)
            addressClass.append(cls)
            addressCode.append(code)
            addressStat.append(AddressStat())
            addressEvidence.append(nil)
        }
        return idx
    }

    @inline(__always)
    private func host(_ ip: IPAddress) -> Int {
        let (i, inserted) = hostTable.index(of: ip)
        if !inserted { return i }
        hostStat.append(HostStat())
        hostHitEvidence.append(nil)
        hostHitTrap.append(nil)
        hostTrappedEvidence.append(nil)
        return i
    }

    /// The evidence of a record, encoded (`Evidence.encoded`) straight from its bytes.
    private func evidence(_ r: RawRecord) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(192)
        let sep: UInt8 = 0x1F
        out.append(contentsOf: source.utf8)
        out.append(sep)
        out.append(contentsOf: file.utf8)
        out.append(sep)
        out.append(contentsOf: String(r.line).utf8)
        out.append(sep)
        out.append(contentsOf: r.kind.rawValue.utf8)
        out.append(sep)
        if r.kind == .spamtrap { out.append(0) } else { out.append(contentsOf: r.ip.description.utf8) }
        out.append(sep)
        if let h = r.helo { ParseReport.appendPrintable(h, limit: 200, to: &out) } else { out.append(0) }
        out.append(sep)
        if r.kind.isTuple { ParseReport.appendPrintable(r.from, limit: 300, to: &out) } else { out.append(0) }
        out.append(sep)
        if r.kind == .white || r.kind == .trapped {
            out.append(0)
        } else {
            ParseReport.appendPrintable(r.to, limit: 300, to: &out)
        }
        out.append(sep)
        out.append(contentsOf: String(r.kind == .spamtrap ? now : r.time).utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// Visits every host without building a dictionary (the merge's hot path).
    public func forEachHost(_ body: (IPAddress, HostStatView) throws -> Void) rethrows {
        for (i, ip) in hostTable.all.enumerated() {
            let st = hostStat[i]
            try body(
                ip,
                HostStatView(
                    firstHit: st.hits > 0 ? st.firstHit : nil, lastHit: st.hits > 0 ? st.lastHit : nil,
                    lastNonVerifierHit: st.lastNonVerifierHit == .min ? nil : st.lastNonVerifierHit,
                    trappedExpire: st.trappedExpire == .min ? nil : st.trappedExpire,
                    hitEvidence: hostHitEvidence[i], hitTrap: hostHitTrap[i], trappedEvidence: hostTrappedEvidence[i]))
        }
    }

    /// One host as `forEachHost` shows it; evidence encoded.
    public struct HostStatView {
        public var firstHit: Int64?
        public var lastHit: Int64?
        public var lastNonVerifierHit: Int64?
        public var trappedExpire: Int64?
        public var hitEvidence: String?
        public var hitTrap: String?
        public var trappedEvidence: String?
    }

    @inline(__always)
    private func sighting(_ idx: Int, role: AddressRoles, time: Int64, _ r: RawRecord) {
        addressStat.withUnsafeMutableBufferPointer { stats in
            stats[idx].roles |= UInt8(role.rawValue)
            if time < stats[idx].first { stats[idx].first = time }
            if time > stats[idx].last { stats[idx].last = time }
        }
        // The evidence is the first sighting read: the line that created the entry.
        if addressStat[idx].evidenceTime == .max {
            addressStat[idx].evidenceTime = time
            addressEvidence[idx] = evidence(r)
        }
    }

    private func noteMalformed(_ idx: Int, _ r: RawRecord) {
        malformed += 1
        if malformedSeen.count < ParseReport.rejectsKept, case .malformed(let why) = addressClass[idx] {
            malformedSeen.append((source, file, r.line, why, ParseReport.printable(r.to, limit: 80)))
        }
    }

    /// Adds one parsed record.
    public func add(_ r: RawRecord) {
        kindCounts[Harvest.slot(r.kind)] += 1
        switch r.kind {
        case .white:
            return
        case .trapped:
            let i = host(r.ip)
            if r.time > hostStat[i].trappedExpire {
                hostStat[i].trappedExpire = r.time
                hostTrappedEvidence[i] = evidence(r)
            }
            return
        case .spamtrap:
            // Already normalised by spamd: lower-case only, strip nothing.
            let n = Classifier.lowercase(r.to, into: scratchA)
            let key = UnsafeRawBufferPointer(rebasing: scratchA[0..<n])
            guard isOurs(key) else {
                notOurs += 1
                return
            }
            let idx = entry(key)
            if addressCode[idx] == 1 {
                noteMalformed(idx, r)
                return
            }
            sighting(idx, role: .spamtrap, time: now, r)
            return
        case .grey, .logGrey, .logBlack, .logNewEntry:
            addTuple(r)
        }
    }

    private func addTuple(_ r: RawRecord) {
        let nt = Classifier.normalize(r.to, into: scratchA)
        let to = UnsafeRawBufferPointer(rebasing: scratchA[0..<nt])
        let ns = Classifier.normalize(r.from, into: scratchB)
        let from = UnsafeRawBufferPointer(rebasing: scratchB[0..<ns])

        if isOurs(to) {
            let idx = entry(to)
            switch addressCode[idx] {
            case 1:
                noteMalformed(idx, r)
            case 2:
                sighting(idx, role: .recipient, time: r.time, r)
            case 3, 4:
                if addressCode[idx] == 4, case .unknown(let shape?) = addressClass[idx],
                    let probe = classifier.detector.match(
                        shape: shape, sender: String(decoding: from, as: UTF8.self),
                        helo: r.helo.map { AddressBook.lower(String(decoding: $0, as: UTF8.self)) }, seen: r.time)
                {
                    recordProbe(probe, address: addressText[idx], r)
                    // A probe counts as a verifier-shaped hit: the prober is a verifier host,
                    // and its TRAPPED entries are not exported either (callbacks.md).
                    hit(r, trap: idx, verifier: true)
                    break
                }
                sighting(idx, role: .recipient, time: r.time, r)
                hit(
                    r, trap: idx,
                    verifier: ProbeDetector.isVerifierSender(bytes: from)
                        || ProbeDetector.isServiceFingerprint(sender: from, helo: r.helo))
            default:
                break
            }
        } else {
            notOurs += 1
        }

        if ns > 0 && isOurs(from) {
            let idx = entry(from)
            if addressCode[idx] >= 2 {
                sighting(idx, role: .sender, time: r.time, r)
            }
        }
    }

    @inline(__always)
    private func hit(_ r: RawRecord, trap idx: Int, verifier: Bool) {
        let i = host(r.ip)
        var needEvidence = false
        hostStat.withUnsafeMutableBufferPointer { hs in
            hs[i].hits += 1
            if r.time < hs[i].firstHit { hs[i].firstHit = r.time }
            if r.time > hs[i].lastHit { hs[i].lastHit = r.time }
            if verifier {
                hs[i].verifierHits += 1
                if !hs[i].hasHitEvidence {
                    hs[i].hasHitEvidence = true
                    needEvidence = true
                }
            } else {
                if r.time > hs[i].lastNonVerifierHit { hs[i].lastNonVerifierHit = r.time }
                if !hs[i].hasNonVerifierEvidence {
                    hs[i].hasNonVerifierEvidence = true
                    hs[i].hasHitEvidence = true
                    needEvidence = true
                }
            }
        }
        if needEvidence {
            hostHitEvidence[i] = evidence(r)
            hostHitTrap[i] = addressText[idx]
        }
    }

    /// Counts for summaries, without building the full arrays.
    public var addressCount: Int { addressText.count }
    public var unknownSeenCount: Int {
        var n = 0
        for i in 0..<addressCode.count where addressCode[i] >= 3 && addressStat[i].roles != 0 { n += 1 }
        return n
    }
    public var hostCount: Int { hostTable.count }

    /// Merges the harvest of a later part of the same input (a chunk parsed on another thread).
    /// `lineOffset` is the number of lines before that chunk: its evidence line numbers are
    /// shifted by it. Evidence already held here (earlier in the file) wins, as in one pass.
    public func absorb(_ other: Harvest, lineOffset: Int) {
        func shifted(_ encoded: String?) -> String? {
            guard lineOffset != 0, let encoded, var e = Evidence(encoded: encoded) else { return encoded }
            if e.file == file { e.line += lineOffset }
            return e.encoded
        }
        for j in 0..<other.addressText.count {
            let idx: Int =
                other.addressText[j].utf8.withContiguousStorageIfAvailable { buf in
                    table.index(of: UnsafeRawBufferPointer(buf)).index
                }
                ?? {
                    var copy = other.addressText[j]
                    return copy.withUTF8 { table.index(of: UnsafeRawBufferPointer($0)).index }
                }()
            if idx == addressText.count {
                addressText.append(other.addressText[j])
                addressClass.append(other.addressClass[j])
                addressCode.append(other.addressCode[j])
                addressStat.append(AddressStat())
                addressEvidence.append(nil)
            }
            let o = other.addressStat[j]
            addressStat[idx].roles |= o.roles
            addressStat[idx].first = min(addressStat[idx].first, o.first)
            addressStat[idx].last = max(addressStat[idx].last, o.last)
            if addressEvidence[idx] == nil, let e = other.addressEvidence[j] {
                addressEvidence[idx] = shifted(e)
                addressStat[idx].evidenceTime = o.evidenceTime
            }
        }
        for (j, ip) in other.hostTable.all.enumerated() {
            let i = host(ip)
            let o = other.hostStat[j]
            var h = hostStat[i]
            h.hits += o.hits
            h.verifierHits += o.verifierHits
            h.firstHit = min(h.firstHit, o.firstHit)
            h.lastHit = max(h.lastHit, o.lastHit)
            h.lastNonVerifierHit = max(h.lastNonVerifierHit, o.lastNonVerifierHit)
            if o.trappedExpire > h.trappedExpire {
                h.trappedExpire = o.trappedExpire
                hostTrappedEvidence[i] = shifted(other.hostTrappedEvidence[j])
            }
            let takeHit =
                (!h.hasHitEvidence && o.hasHitEvidence) || (!h.hasNonVerifierEvidence && o.hasNonVerifierEvidence)
            if takeHit {
                hostHitEvidence[i] = shifted(other.hostHitEvidence[j])
                hostHitTrap[i] = other.hostHitTrap[j]
            }
            h.hasHitEvidence = h.hasHitEvidence || o.hasHitEvidence
            h.hasNonVerifierEvidence = h.hasNonVerifierEvidence || o.hasNonVerifierEvidence
            hostStat[i] = h
        }
        for c in other.callbackIncidents {
            let key = CallbackKey(ip: c.ip, address: c.probeAddress)
            if let i = callbackIndex[key] {
                if callbackIncidents[i].helo == nil { callbackIncidents[i].helo = c.helo }
                if c.seen < callbackIncidents[i].seen { callbackIncidents[i].seen = c.seen }
                continue
            }
            var c = c
            if c.file == file { c.line += lineOffset }
            callbackIndex[key] = callbackIncidents.count
            callbackIncidents.append(c)
        }
        for k in 0..<kindCounts.count { kindCounts[k] += other.kindCounts[k] }
        notOurs += other.notOurs
        malformed += other.malformed
        probes += other.probes
        for m in other.malformedSeen where malformedSeen.count < ParseReport.rejectsKept {
            malformedSeen.append((m.source, m.file, m.file == file ? m.line + lineOffset : m.line, m.why, m.text))
        }
    }

    private func recordProbe(_ probe: CallbackProbe, address: String, _ r: RawRecord) {
        probes += 1
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
