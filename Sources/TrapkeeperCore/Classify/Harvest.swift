import CScan

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
///
/// `@unchecked Sendable`: mutable state without a lock. It holds because a harvest is used by
/// one thread at a time and changes hands only where memory is ordered (a chunk's harvest is
/// filled inside `concurrentPerform` and absorbed after it returns; the merge starts its second
/// thread after `drain()`); the one overlap, the merge, has two threads reading it after
/// `drain()` and none writing it.
public final class Harvest: @unchecked Sendable {
    public struct AddressInfo: Sendable, Equatable {
        public var address: String
        public var addressClass: AddressClass
        public var roles: AddressRoles
        public var firstSeen: Int64
        public var lastSeen: Int64
        public var evidence: Evidence?
    }

    public struct HostInfo: Sendable, Equatable {
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

    public struct Counts: Sendable, Equatable {
        public var records: [RecordKind: Int] = [:]
        public var notOurs = 0
        public var malformed = 0
        public var probes = 0
    }

    /// A host's hits to one address, as the merge stores them.
    public struct HitInfo: Sendable, Equatable {
        public var ip: IPAddress
        public var address: String
        public var first: Int64
        public var last: Int64
        public var lastNonVerifier: Int64?
    }

    public let classifier: Classifier
    public let now: Int64
    /// Whether the (host, address) hit pairs are kept. Only the state's merge reads them: a dry
    /// run keeps none (its summary and everything else it reports are the same).
    public let keepsPairs: Bool
    /// Everything the harvest holds, with the machinery that fills it. One stored property, so
    /// that a call takes one exclusive access to it (checked at run time, as for any class
    /// property) and the accesses inside, per line, are checked by the compiler.
    private var state: HarvestState

    public init(classifier: Classifier, now: Int64, keepsPairs: Bool = true) {
        self.classifier = classifier
        self.now = now
        self.keepsPairs = keepsPairs
        state = HarvestState(classifier: classifier, now: now, keepsPairs: keepsPairs)
    }

    /// Names the input the following `add` calls come from (for evidence).
    public func beginInput(source: String, file: String) { state.beginInput(source: source, file: file) }

    /// Adds one parsed record (`HarvestState.add`: its bytes must stay valid until `drain()`).
    func add(_ r: RawRecord) { state.add(r) }

    /// Lends the state to `body` for a whole parse: one exclusive access for all its lines.
    func filling<R>(_ body: (inout HarvestState) throws -> R) rethrows -> R { try body(&state) }

    /// Applies every record still in the pipeline. Every reader calls it; after it the harvest
    /// is read-only until the next `add` (the merge reads it from two threads: with nothing
    /// waiting, this only reads).
    func drain() {
        if !state.isDrained { state.drain() }
    }

    /// Every callback probe seen, one per (host, probe address).
    public var callbackIncidents: [CallbackIncident] {
        drain()
        return state.incidents
    }
    /// First few malformed addresses in our domains (source, file:line, reason).
    public var malformedExamples: [String] {
        drain()
        return state.malformedExamples
    }
    /// Every address of our domains seen in this run.
    public var addresses: [AddressInfo] {
        drain()
        return state.addresses
    }
    /// Every host with a trap hit or a TRAPPED entry in this run.
    public var hosts: [IPAddress: HostInfo] {
        drain()
        return state.hosts
    }
    public var counts: Counts {
        drain()
        return state.counts
    }
    /// Every (host, address) pair with a trap hit in this run (none when `keepsPairs` is false).
    public var hits: [HitInfo] {
        drain()
        return state.hits
    }
    /// Counts for summaries, without building the full arrays.
    public var addressCount: Int {
        drain()
        return state.addressCount
    }
    public var unknownSeenCount: Int {
        drain()
        return state.unknownSeenCount
    }
    public var hostCount: Int {
        drain()
        return state.hostCount
    }

    /// Merges the harvest of a later part of the same input (a chunk parsed on another thread).
    /// `lineOffset` is the number of lines before that chunk: its evidence line numbers are
    /// shifted by it. Evidence already held here (earlier in the file) wins, as in one pass.
    public func absorb(_ other: Harvest, lineOffset: Int) {
        drain()
        other.drain()
        state.absorb(other.state, lineOffset: lineOffset)
    }

    /// Lends the contents, read-only, to `body` (the merge: one access for all its rows).
    func reading<R>(_ body: (borrowing HarvestState) throws -> R) rethrows -> R {
        drain()
        return try body(state)
    }
}

/// A harvest's contents and the machinery that fills them (`Harvest` holds one and lends it
/// out). Not copyable: it owns its tables and buffers, freed with it. Its methods work on
/// `self` alone, so every access inside is checked by the compiler, none at run time.
struct HarvestState: ~Copyable {
    let classifier: Classifier
    let now: Int64
    /// `Harvest.keepsPairs`.
    let keepsPairs: Bool
    /// Every callback probe seen, one per (host, probe address).
    private(set) var incidents: [Harvest.CallbackIncident] = []
    /// First few malformed addresses in our domains (source, file:line, reason).
    var malformedExamples: [String] {
        malformedSeen.map {
            "source '\($0.source)': \($0.file):\($0.line): address in our domain not usable (\($0.why)): \($0.text)"
        }
    }
    private var malformedSeen: [(source: String, file: String, line: Int, why: String, text: String)] = []

    /// A callback incident by host and address index (the per-line lookup: no String).
    struct ProbeKey: Hashable {
        var ip: IPAddress
        var address: Int32
    }

    /// One host's hits to one address (`lastNonVerifier` .min: every one was a verifier's).
    struct PairStat {
        var host: Int32
        var address: Int32
        var first: Int64
        var last: Int64
        var lastNonVerifier: Int64

        /// Adds more hits of the same pair: first = min, last = max, last non-verifier = max
        /// (`HitList.merged`'s rule; `Int64.min`, none, loses to any time).
        @inline(__always)
        mutating func fold(first: Int64, last: Int64, lastNonVerifier: Int64) {
            self.first = min(self.first, first)
            self.last = max(self.last, last)
            self.lastNonVerifier = max(self.lastNonVerifier, lastNonVerifier)
        }

        /// `fold` with another record of the same pair.
        @inline(__always)
        mutating func fold(_ other: PairStat) {
            fold(first: other.first, last: other.last, lastNonVerifier: other.lastNonVerifier)
        }
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

    /// The fixed part of an evidence record in `evidenceArena`; helo, sender and recipient
    /// bytes (as read, cut just past their print limit) follow it. A length of -1: no field.
    struct EvidenceHead {
        var line: Int64
        var time: Int64
        var ipHigh: UInt64
        var ipLow: UInt64
        var input: Int32
        var heloLength: Int16
        var fromLength: Int16
        var toLength: Int16
        var kind: UInt8
        /// 0 no address (SPAMTRAP), 1 IPv4, 2 IPv6.
        var ipForm: UInt8

        var size: Int {
            MemoryLayout<EvidenceHead>.stride + max(0, Int(heloLength)) + max(0, Int(fromLength))
                + max(0, Int(toLength))
        }
    }

    static let heloLimit = 200
    static let addressLimit = 300
    static let kinds: [RecordKind] = [.grey, .white, .trapped, .spamtrap, .logGrey, .logBlack, .logNewEntry]

    /// Normalised addresses of our domains → dense index; the key bytes are the address.
    private var table = ByteKeyTable(capacity: 1 << 14)
    /// Per address; nil for a listed address whose class only `addresses` needs in words.
    private var addressClass: [AddressClass?] = []
    private var hostTable = IPKeyTable(capacity: 1 << 14)
    private var hostStat = PlainArray<HostStat>(capacity: 1 << 14)
    private var hostHitEvidence = PlainArray<Int>(capacity: 1 << 14)
    /// Address index of the trap the hit evidence hit, -1 none.
    private var hostHitTrap = PlainArray<Int32>(capacity: 1 << 14)
    private var hostTrappedEvidence = PlainArray<Int>(capacity: 1 << 14)
    /// Trap hits per (host, address): whether a hit counts is decided at publish time, by
    /// whether its address is a trap then. `pairIndex`: host index << 32 | address index → slot,
    /// for `pairs[..<pairsIndexed]`, each pair there once. The pairs an absorb brings are
    /// appended after them as they are (a pair may then come twice) and indexed only when this
    /// harvest notes a hit or absorbs again (`indexAbsorbedPairs`): the last absorb of a run is
    /// never indexed, and the readers fold repeats (`forEachPairRecord`). So the records are at
    /// most the pairs plus those of the last harvest absorbed, however many came before.
    private var pairIndex = PairIndex()
    private var pairs = PlainArray<PairStat>()
    private var pairsIndexed = 0
    /// Evidence is kept as compact records (bytes as read) and turned into text only when the
    /// state asks for it: most first sightings of a steady-state run are never written.
    private var evidenceArena = ByteArena(capacity: 1 << 20)
    /// (source, file) of every input evidence points at.
    private var inputs: [(source: String, file: String)] = []
    /// Per input: `source␟file␟`, the start of its evidence text.
    private var inputPrefixes: [[UInt8]] = []
    private var currentInput: Int32 = -1
    /// Incident index by (host, address index); `incidentAddress[i]` is incident i's address.
    private var probeIndex: [ProbeKey: Int] = [:]
    private var incidentAddress: [Int32] = []
    /// Room for a line's normalised keys (`scratchBytes` each); lent to a call at a time.
    private let scratchA = RawMemory.allocate(HarvestState.scratchBytes)
    private let scratchB = RawMemory.allocate(HarvestState.scratchBytes)
    private let scratchC = RawMemory.allocate(HarvestState.scratchBytes)
    private var kindCounts = PlainArray<Int>(zeros: 8)
    private var notOurs = 0
    private var malformed = 0
    private var probes = 0

    init(classifier: Classifier, now: Int64, keepsPairs: Bool) {
        self.classifier = classifier
        self.now = now
        self.keepsPairs = keepsPairs
        internationalDomains = classifier.internationalDomains
        for d in classifier.domains {
            let packed = Array("@\(d)".utf8)
            domainSpans.append((packed.withUnsafeBytes { domainBuffer.append($0) }, packed.count))
        }
    }

    /// A line's address, and room for it in its ASCII-domain form (`asciiDomainForm`: the
    /// domain grows to at most 253 bytes).
    static let scratchBytes = LineReader.maxLineBytes + 16 + 512
    /// `classifier.internationalDomains`, read per line.
    private let internationalDomains: Bool

    /// Our domains as `@domain`, packed for the per-line suffix check.
    private var domainBuffer = ByteArena(capacity: 1024)
    private var domainSpans: [(offset: Int, count: Int)] = []
    private var source = ""
    private var file = ""

    /// Names the input the following `add` calls come from (for evidence).
    mutating func beginInput(source: String, file: String) {
        drain()
        self.source = source
        self.file = file
        currentInput = inputIndex(source: source, file: file)
    }

    private mutating func inputIndex(source: String, file: String) -> Int32 {
        if let i = inputs.firstIndex(where: { $0.source == source && $0.file == file }) { return Int32(i) }
        inputs.append((source, file))
        inputPrefixes.append(Array(source.utf8) + [0x1F] + Array(file.utf8) + [0x1F])
        return Int32(inputs.count - 1)
    }

    @inline(__always)
    private func isOurs(_ a: UnsafeRawBufferPointer) -> Bool {
        guard let base = a.baseAddress else { return false }
        // `>=`: `@domain` alone is ours too, with an empty local part (malformed, reported).
        for d in domainSpans where a.count >= d.count {
            // Both hold d.count bytes: the domain's, and the end of `a` (at least as long).
            let end = base + (a.count - d.count)
            if domainBuffer.withBytes(at: d.offset, count: d.count, { bytesEqual($0.baseAddress!, end, d.count) }) {
                return true
            }
        }
        return false
    }

    /// A normalised address that is not ours as written, with its domain in the ASCII form
    /// (`DomainName.toASCII`), when that form is ours: mail to `x@bücher.example` is mail to
    /// `x@xn--bcher-kva.example`, one entry under that form. Nil otherwise. The local part's
    /// bytes are kept as they are. Asked only when `internationalDomains`; Strings are built
    /// only for an address with a non-ASCII byte after its last `@`.
    ///
    /// Inlined, and the work done in a static function: a call from a mutating method to a
    /// non-inlined method of `self` copies the whole state (1.3 kB) for the call, per line.
    @inline(__always)
    private func asciiDomainForm(_ key: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let form = HarvestState.asciiDomainSpelling(key) else { return nil }
        return form.withUnsafeBytes { isOurs($0) } ? form : nil
    }

    /// `key` with its domain in the ASCII form, when the domain has a non-ASCII byte and has
    /// such a form; nil otherwise.
    @inline(never)
    private static func asciiDomainSpelling(_ key: UnsafeRawBufferPointer) -> [UInt8]? {
        var at = key.count
        var nonASCII = false
        while at > 0 && key[at - 1] != 64 {
            if key[at - 1] >= 0x80 { nonASCII = true }
            at -= 1
        }
        guard nonASCII, at > 0 else { return nil }
        let domain = String(decoding: UnsafeRawBufferPointer(rebasing: key[at...]), as: UTF8.self)
        guard let ascii = DomainName.toASCII(Substring(domain)) else { return nil }
        return Array(key[0..<at]) + Array(ascii.utf8)
    }

    /// `key` (in `scratch`, which has `scratchBytes`), rewritten in place to its ASCII-domain
    /// form when that is ours; whether it is ours. `mutating` though it changes nothing: a
    /// non-mutating call from a mutating method copies the whole state (see `asciiDomainForm`).
    private mutating func ours(_ key: UnsafeRawBufferPointer, in scratch: UnsafeMutableRawBufferPointer) -> (
        UnsafeRawBufferPointer, Bool
    ) {
        if key.count > 0 && isOurs(key) { return (key, true) }
        guard internationalDomains, let form = asciiDomainForm(key) else { return (key, false) }
        // Fits: the key is at most a line, its new domain at most 253 bytes (`scratchBytes`).
        form.withUnsafeBytes { scratch.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: form.count) }
        return (UnsafeRawBufferPointer(start: scratch.baseAddress!, count: form.count), true)
    }

    @inline(__always)
    private func addressText(_ idx: Int) -> String {
        table.withKey(idx) { String(decoding: $0, as: UTF8.self) }
    }

    /// Every address of our domains seen in this run.
    var addresses: [Harvest.AddressInfo] {
        (0..<table.count).map { i in
            let st = table[entry: i]
            return Harvest.AddressInfo(
                address: addressText(i),
                addressClass: addressClass[i] ?? classifier.classify(address: addressText(i)),
                roles: AddressRoles(rawValue: Int(st.roles)),
                firstSeen: st.first, lastSeen: st.last,
                evidence: evidenceText(st.evidence).flatMap(Evidence.init(encoded:)))
        }
    }

    /// Every host with a trap hit or a TRAPPED entry in this run.
    var hosts: [IPAddress: Harvest.HostInfo] {
        var out: [IPAddress: Harvest.HostInfo] = [:]
        out.reserveCapacity(hostTable.count)
        for i in 0..<hostTable.count {
            let st = hostStat[i]
            var h = Harvest.HostInfo()
            if st.hits > 0 {
                h.firstHit = st.firstHit
                h.lastHit = st.lastHit
            }
            if st.lastNonVerifierHit != .min { h.lastNonVerifierHit = st.lastNonVerifierHit }
            h.hits = st.hits
            h.verifierHits = st.verifierHits
            if st.trappedExpire != .min { h.trappedExpire = st.trappedExpire }
            h.trappedEvidence = evidenceText(hostTrappedEvidence[i]).flatMap(Evidence.init(encoded:))
            h.hitEvidence = evidenceText(hostHitEvidence[i]).flatMap(Evidence.init(encoded:))
            h.hitTrap = hostHitTrap[i] < 0 ? nil : addressText(Int(hostHitTrap[i]))
            out[hostTable.key(i)] = h
        }
        return out
    }

    var counts: Harvest.Counts {
        var c = Harvest.Counts()
        for (slot, k) in HarvestState.kinds.enumerated() {
            let n = kindCounts[slot]
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
    private mutating func entry(_ key: UnsafeRawBufferPointer, hash: UInt64?) -> Int {
        let (idx, inserted) = table.index(of: key, hash: hash ?? ByteKeyTable.hash(key))
        if inserted { classifyNew(key) }
        return idx
    }

    @inline(never)
    private mutating func classifyNew(_ key: UnsafeRawBufferPointer) {
        let cls: AddressClass?
        let code: AddressEntry.Code
        switch classifier.quickClass(key, scratch: scratchC.start) {
        case .listed:
            // Valid or protected: the code is all a run needs; `addresses` words the reason.
            cls = nil
            code = .listed
        case .unknown(let shape):
            cls = .unknown(probeShape: shape)
            code = shape == nil ? .unknown : .probeShaped
        case nil:
            var c = classifier.classify(address: String(decoding: key, as: UTF8.self))
            if case .unknown = c, String(validating: key, as: UTF8.self) == nil {
                c = .malformed("not valid UTF-8")
            }
            code = AddressEntry.Code(c)
            cls = c
        }
        addressClass.append(cls)
        table[entry: table.count - 1].code = code
    }

    @inline(__always)
    private mutating func host(_ ip: IPAddress, hash: UInt64? = nil) -> Int {
        let (i, inserted) = hostTable.index(of: ip, hash: hash ?? IPKeyTable.hash(ip))
        if !inserted { return i }
        hostStat.append(HostStat())
        hostHitEvidence.append(-1)
        hostHitTrap.append(-1)
        hostTrappedEvidence.append(-1)
        return i
    }

    /// Keeps the evidence of a record (its bytes, not yet text); returns its offset.
    private mutating func evidence(_ r: RawRecord) -> Int {
        let helo = r.helo.map { UnsafeRawBufferPointer(rebasing: $0[0..<min($0.count, HarvestState.heloLimit + 1)]) }
        let from =
            r.kind.isTuple
            ? UnsafeRawBufferPointer(rebasing: r.from[0..<min(r.from.count, HarvestState.addressLimit + 1)]) : nil
        let to =
            r.kind == .white || r.kind == .trapped
            ? nil : UnsafeRawBufferPointer(rebasing: r.to[0..<min(r.to.count, HarvestState.addressLimit + 1)])
        let head = EvidenceHead(
            line: Int64(r.line), time: r.kind == .spamtrap ? now : r.time, ipHigh: r.ip.high, ipLow: r.ip.low,
            input: currentInput, heloLength: Int16(helo?.count ?? -1), fromLength: Int16(from?.count ?? -1),
            toLength: Int16(to?.count ?? -1), kind: UInt8(HarvestState.slot(r.kind)),
            ipForm: r.kind == .spamtrap ? 0 : (r.ip.isIPv4 ? 1 : 2))
        let offset = evidenceArena.reserve(head.size)
        evidenceArena.withMutableBytes(at: offset, count: head.size) { record in
            // 8-aligned, `head.size` bytes: the head, then the three fields' bytes.
            record.storeBytes(of: head, as: EvidenceHead.self)
            var p = record.baseAddress! + MemoryLayout<EvidenceHead>.stride
            // Field by field, not through an array literal: that allocated a heap array per record.
            if let helo, helo.count > 0 {
                p.copyMemory(from: helo.baseAddress!, byteCount: helo.count)
                p += helo.count
            }
            if let from, from.count > 0 {
                p.copyMemory(from: from.baseAddress!, byteCount: from.count)
                p += from.count
            }
            if let to, to.count > 0 { p.copyMemory(from: to.baseAddress!, byteCount: to.count) }
        }
        return offset
    }

    /// The evidence record at `offset` in `Evidence.encoded` form; nil for -1.
    func evidenceText(_ offset: Int) -> String? {
        guard offset >= 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(192)
        appendEvidence(offset, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the evidence record at `offset` (≥ 0) in `Evidence.encoded` form to `out`.
    func appendEvidence(_ offset: Int, to out: inout [UInt8]) {
        // Byte by byte, no String per field: a fresh state writes ~150 000 of these.
        let head = evidenceHead(offset)
        let sep: UInt8 = 0x1F
        out.append(contentsOf: inputPrefixes[Int(head.input)])
        HarvestState.appendDecimal(head.line, to: &out)
        out.append(sep)
        out.append(contentsOf: HarvestState.kindNames[Int(head.kind)])
        out.append(sep)
        switch head.ipForm {
        case 1: IPAddress(v4: UInt32(truncatingIfNeeded: head.ipLow)).appendV4Text(to: &out)
        case 2: out.append(contentsOf: IPAddress(v6High: head.ipHigh, v6Low: head.ipLow).description.utf8)
        default: out.append(0)
        }
        let headBytes = MemoryLayout<EvidenceHead>.stride
        evidenceArena.withBytes(at: offset + headBytes, count: head.size - headBytes) { bytes in
            // The fields' bytes back to back, their lengths in the head (-1: no field).
            var at = 0
            func field(_ length: Int16, limit: Int) {
                out.append(sep)
                if length < 0 {
                    out.append(0)
                } else {
                    ParseReport.appendPrintable(
                        UnsafeRawBufferPointer(rebasing: bytes[at..<at + Int(length)]), limit: limit, to: &out)
                    at += Int(length)
                }
            }
            field(head.heloLength, limit: HarvestState.heloLimit)
            field(head.fromLength, limit: HarvestState.addressLimit)
            field(head.toLength, limit: HarvestState.addressLimit)
        }
        out.append(sep)
        HarvestState.appendDecimal(head.time, to: &out)
    }

    /// The head of the evidence record at `offset` (≥ 0, an offset `evidence` returned).
    private func evidenceHead(_ offset: Int) -> EvidenceHead {
        // Records start 8-aligned (`ByteArena.reserve`), as an EvidenceHead must.
        evidenceArena.withBytes(at: offset, count: MemoryLayout<EvidenceHead>.stride) {
            $0.load(as: EvidenceHead.self)
        }
    }

    static let kindNames: [[UInt8]] = kinds.map { Array($0.rawValue.utf8) }

    /// `String(v).utf8`, without the String.
    @inline(__always)
    static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 {
            out.append(contentsOf: String(v).utf8)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: Int64.max has 19 digits
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            var x = UInt64(v)
            repeat {
                d[23 - n] = UInt8(truncatingIfNeeded: 48 + x % 10)
                x /= 10
                n += 1
            } while x > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - n)...]))
        }
    }

    /// Copies an evidence record of `other` into this harvest; returns its offset here.
    private mutating func copyEvidence(
        _ offset: Int, from other: borrowing HarvestState, inputMap: [Int32], lineOffset: Int
    ) -> Int {
        guard offset >= 0 else { return -1 }
        var head = other.evidenceHead(offset)
        let size = head.size
        let mine = evidenceArena.reserve(size)
        other.evidenceArena.withBytes(at: offset, count: size) { record in
            evidenceArena.withMutableBytes(at: mine, count: size) { $0.copyMemory(from: record) }
        }
        if lineOffset != 0 && other.inputs[Int(head.input)].file == file { head.line += Int64(lineOffset) }
        head.input = inputMap[Int(head.input)]
        evidenceArena.withMutableBytes(at: mine, count: size) { $0.storeBytes(of: head, as: EvidenceHead.self) }
        return mine
    }

    @inline(__always)
    private mutating func sighting(_ idx: Int, role: AddressRoles, time: Int64, _ r: RawRecord) {
        var st = table[entry: idx]
        st.roles |= UInt8(role.rawValue)
        if time < st.first { st.first = time }
        if time > st.last { st.last = time }
        // The evidence is the first sighting read: the line that created the entry.
        if st.evidenceTime == .max {
            st.evidenceTime = time
            st.evidence = evidence(r)
        }
        table[entry: idx] = st
    }

    private mutating func noteMalformed(_ idx: Int, _ r: RawRecord) {
        malformed += 1
        if malformedSeen.count < ParseReport.rejectsKept, case .malformed(let why) = addressClass[idx] {
            malformedSeen.append((source, file, r.line, why, ParseReport.printable(r.to, limit: 80)))
        }
    }

    // MARK: adding records, pipelined

    /// A record waiting in the pipeline: its fields point into the parser's buffer (valid
    /// until the parser's `linesExpire`, which drains the pipeline), its normalised keys are
    /// in the ring's bytes, with the hashes its lookups will need.
    struct Pending {
        var ip: IPAddress
        var time: Int64
        var line: Int
        var helo: UnsafeRawPointer?
        var from: UnsafeRawPointer?
        var to: UnsafeRawPointer?
        var keyHash: UInt64
        var senderHash: UInt64
        var hostHash: UInt64
        var heloLength: Int32
        var fromLength: Int32
        var toLength: Int32
        /// Length of the normalised recipient (SPAMTRAP: lower-cased address) after the fields.
        var keyLength: Int32
        /// Length of the normalised sender after the recipient (tuples; else 0).
        var senderLength: Int32
        var candidate: Int32
        /// The host's likely index (from its hash slot at stage 2; -1: none yet).
        var hostCandidate: Int32 = -1
        var slot: UInt8
        var ours: Bool
        var senderOurs: Bool
        var hasHost: Bool
    }

    /// A record's normalised recipient and sender, whether each is in our domains, and the
    /// hashes already computed (nil: not computed).
    struct Keys {
        var to: UnsafeRawBufferPointer
        var toOurs: Bool
        var toHash: UInt64?
        var from: UnsafeRawBufferPointer
        var fromOurs: Bool
        var fromHash: UInt64?
        var hostHash: UInt64?
    }

    /// Records are applied `applyDistance` records after they arrive. Meanwhile the memory
    /// their lookups need is prefetched in stages: the hash slots when they arrive, the entries
    /// `stage2` records later, the key bytes at `stage3`. The tables outgrow the CPU caches on
    /// a real dump, and three dependent cache misses per lookup were most of a line's cost.
    /// Records are applied strictly in arrival order, so the result is the same as applying
    /// each at once.
    static let ringSize = 32
    static let stage2 = 8
    static let stage3 = 16
    static let applyDistance = 24
    static let pendingBytes = 1024

    private var ring = PlainArray<Pending>(capacity: HarvestState.ringSize)
    /// Per ring slot, `pendingBytes` for the record's normalised keys.
    private let ringBytes = RawMemory.allocate(HarvestState.ringSize * HarvestState.pendingBytes)
    private var added = 0
    private var applied = 0

    /// Adds one parsed record. Its bytes must stay valid until the next `drain()`: the
    /// record waits in the pipeline with pointers to them. That is `RawRecord`'s contract when
    /// `drain()` is called from the parser's `linesExpire`, as ClassifyJob does.
    mutating func add(_ r: RawRecord) {
        let kind = HarvestState.slot(r.kind)
        kindCounts[kind] += 1
        if r.kind == .white { return }
        guard r.from.count + r.to.count <= HarvestState.pendingBytes else {
            // Keys too long for the ring: apply everything before it, then it.
            return drainAndProcess(r)
        }
        let k = added & (HarvestState.ringSize - 1)
        // Slot k's bytes. Normalising never lengthens (from + to ≤ pendingBytes, checked above),
        // and the ASCII forms are checked against pendingBytes before they are written.
        var p = ringBytes.start + k * HarvestState.pendingBytes
        // The normalised recipient and sender go to the ring: applying the record reuses them.
        var n =
            r.kind == .spamtrap
            ? Classifier.lowercase(r.to, into: UnsafeMutableRawBufferPointer(start: p, count: r.to.count))
            : Classifier.normalize(r.to, into: UnsafeMutableRawBufferPointer(start: p, count: r.to.count))
        var toOurs = r.kind != .trapped && isOurs(UnsafeRawBufferPointer(start: p, count: n))
        if !toOurs && internationalDomains && r.kind != .trapped,
            let form = asciiDomainForm(UnsafeRawBufferPointer(start: p, count: n))
        {
            // Rare: an international domain of ours written in Unicode. Its ASCII form replaces it.
            guard form.count + r.from.count <= HarvestState.pendingBytes else { return drainAndProcess(r) }
            form.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: form.count) }
            n = form.count
            toOurs = true
        }
        let key = UnsafeRawBufferPointer(start: p, count: n)
        p += n
        let tuple = r.kind.isTuple
        var ns =
            tuple ? Classifier.normalize(r.from, into: UnsafeMutableRawBufferPointer(start: p, count: r.from.count)) : 0
        var senderOurs = ns > 0 && isOurs(UnsafeRawBufferPointer(start: p, count: ns))
        if ns > 0 && !senderOurs && internationalDomains,
            let form = asciiDomainForm(UnsafeRawBufferPointer(start: p, count: ns))
        {
            guard n + form.count <= HarvestState.pendingBytes else { return drainAndProcess(r) }
            form.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: form.count) }
            ns = form.count
            senderOurs = true
        }
        let sender = UnsafeRawBufferPointer(start: p, count: ns)

        var pending = Pending(
            ip: r.ip, time: r.time, line: r.line, helo: r.helo?.baseAddress, from: r.from.baseAddress,
            to: r.to.baseAddress, keyHash: 0, senderHash: 0, hostHash: 0,
            heloLength: Int32(r.helo?.count ?? -1), fromLength: Int32(r.from.count), toLength: Int32(r.to.count),
            keyLength: Int32(n), senderLength: Int32(ns), candidate: -1, slot: UInt8(kind), ours: false,
            senderOurs: false, hasHost: r.kind == .trapped)
        if toOurs {
            pending.ours = true
            pending.keyHash = ByteKeyTable.hash(key)
            table.prefetchSlot(pending.keyHash)
            // A tuple to one of our addresses may be a trap hit: its host will be looked up.
            pending.hasHost = tuple
        }
        if senderOurs {
            pending.senderOurs = true
            pending.senderHash = ByteKeyTable.hash(sender)
            table.prefetchSlot(pending.senderHash)
        }
        if pending.hasHost {
            pending.hostHash = IPKeyTable.hash(r.ip)
            hostTable.prefetchSlot(pending.hostHash)
        }
        if ring.count < HarvestState.ringSize { ring.append(pending) } else { ring[k] = pending }
        added += 1

        let s2 = added - 1 - HarvestState.stage2
        if s2 >= applied { prefetchEntries(s2) }
        let s3 = added - 1 - HarvestState.stage3
        if s3 >= applied { prefetchKey(s3) }
        if added - applied > HarvestState.applyDistance {
            apply(applied)
            applied += 1
        }
    }

    /// Applies everything in the pipeline, then `r` (whose keys do not fit in the ring).
    private mutating func drainAndProcess(_ r: RawRecord) {
        drain()
        process(r, keys: nil)
    }

    /// Whether every record added has been applied.
    var isDrained: Bool { applied == added }

    /// Applies every record still in the pipeline.
    @inline(__always)
    mutating func drain() {
        while applied < added {
            apply(applied)
            applied += 1
        }
    }

    private mutating func prefetchEntries(_ m: Int) {
        let k = m & (HarvestState.ringSize - 1)
        if ring[k].ours {
            let c = table.candidate(ring[k].keyHash)
            ring[k].candidate = Int32(c)
            if c >= 0 { table.prefetchEntry(c) }
        }
        if ring[k].senderOurs {
            let c = table.candidate(ring[k].senderHash)
            if c >= 0 { table.prefetchEntry(c) }
        }
        if ring[k].hasHost {
            let c = hostTable.candidate(ring[k].ip, hash: ring[k].hostHash)
            ring[k].hostCandidate = Int32(c)
            if c >= 0 { hostStat.prefetch(c) }
        }
    }

    /// Inlined: see `asciiDomainForm` (this one runs for every record).
    @inline(__always)
    private func prefetchKey(_ m: Int) {
        let p = ring[m & (HarvestState.ringSize - 1)]
        let c = Int(p.candidate)
        if c >= 0 && c < table.count { table.prefetchKey(c) }
        // A tuple from a known host to a known address of ours: the slot of its (host, address)
        // pair, which a trap hit looks up (a cache miss per hit otherwise: most of `hit`'s time).
        if c >= 0 && p.hostCandidate >= 0 {
            pairIndex.prefetch(UInt64(UInt32(p.hostCandidate)) << 32 | UInt64(UInt32(c)))
        }
    }

    private mutating func apply(_ m: Int) {
        let k = m & (HarvestState.ringSize - 1)
        let p = ring[k]
        // The parser's bytes are still valid: records are applied by `drain()` at the latest,
        // which runs before the parser's buffer is reused (RawRecord's contract).
        let helo: UnsafeRawBufferPointer? =
            p.heloLength < 0 ? nil : UnsafeRawBufferPointer(start: p.helo, count: Int(p.heloLength))
        let from = UnsafeRawBufferPointer(start: p.from, count: Int(p.fromLength))
        let to = UnsafeRawBufferPointer(start: p.to, count: Int(p.toLength))
        let bytes = UnsafeRawPointer(ringBytes.start + k * HarvestState.pendingBytes)  // slot k, written by `add`
        let key = UnsafeRawBufferPointer(start: bytes, count: Int(p.keyLength))
        let sender = UnsafeRawBufferPointer(start: bytes + Int(p.keyLength), count: Int(p.senderLength))
        let r = RawRecord(
            kind: HarvestState.kinds[Int(p.slot)], ip: p.ip, helo: helo, from: from, to: to, time: p.time, line: p.line)
        process(
            r,
            keys: Keys(
                to: key, toOurs: p.ours, toHash: p.ours ? p.keyHash : nil, from: sender, fromOurs: p.senderOurs,
                fromHash: p.senderOurs ? p.senderHash : nil, hostHash: p.hasHost ? p.hostHash : nil))
    }

    /// Applies one record (not WHITE: those only count). `keys`, when given, holds the
    /// record's normalised recipient (SPAMTRAP: lower-cased address) and sender, and the hashes
    /// computed for them and for the record's host; nil: computed here.
    private mutating func process(_ r: RawRecord, keys given: Keys?) {
        switch r.kind {
        case .white:
            return
        case .trapped:
            let i = host(r.ip, hash: given?.hostHash)
            if r.time > hostStat[i].trappedExpire {
                hostStat[i].trappedExpire = r.time
                hostTrappedEvidence[i] = evidence(r)
            }
            return
        case .spamtrap:
            // Already normalised by spamd: lower-case only, strip nothing.
            let (key, keyOurs) =
                given.map { ($0.to, $0.toOurs) }
                ?? ours(
                    UnsafeRawBufferPointer(
                        rebasing: scratchA.buffer[0..<Classifier.lowercase(r.to, into: scratchA.buffer)]),
                    in: scratchA.buffer)
            guard keyOurs else {
                notOurs += 1
                return
            }
            let idx = entry(key, hash: given?.toHash)
            if table[entry: idx].code == .malformed {
                noteMalformed(idx, r)
                return
            }
            sighting(idx, role: .spamtrap, time: now, r)
            return
        case .grey, .logGrey, .logBlack, .logNewEntry:
            if let given {
                addTuple(r, keys: given)
            } else {
                let (to, toOurs) = ours(
                    UnsafeRawBufferPointer(
                        rebasing: scratchA.buffer[0..<Classifier.normalize(r.to, into: scratchA.buffer)]),
                    in: scratchA.buffer)
                let (from, fromOurs) = ours(
                    UnsafeRawBufferPointer(
                        rebasing: scratchB.buffer[0..<Classifier.normalize(r.from, into: scratchB.buffer)]),
                    in: scratchB.buffer)
                addTuple(
                    r,
                    keys: Keys(
                        to: to, toOurs: toOurs, toHash: nil, from: from, fromOurs: fromOurs, fromHash: nil,
                        hostHash: nil))
            }
        }
    }

    private mutating func addTuple(_ r: RawRecord, keys: Keys) {
        let to = keys.to
        let from = keys.from
        if keys.toOurs {
            let idx = entry(to, hash: keys.toHash)
            switch table[entry: idx].code {
            case .malformed:
                noteMalformed(idx, r)
            case .listed:
                sighting(idx, role: .recipient, time: r.time, r)
            case .unknown, .probeShaped:
                if table[entry: idx].code == .probeShaped, case .unknown(let shape?) = addressClass[idx],
                    classifier.detector.matches(shape: shape, sender: from, helo: r.helo, seen: r.time)
                {
                    recordProbe(shape, address: idx, sender: from, r)
                    // A probe counts as a verifier-shaped hit: the prober is a verifier host,
                    // and its TRAPPED entries are not exported either (callbacks.md).
                    hit(r, trap: idx, verifier: true, hostHash: keys.hostHash)
                    break
                }
                sighting(idx, role: .recipient, time: r.time, r)
                hit(
                    r, trap: idx,
                    verifier: ProbeDetector.isVerifierSender(bytes: from)
                        || ProbeDetector.isServiceFingerprint(sender: from, helo: r.helo), hostHash: keys.hostHash)
            case .notOurs:
                break
            }
        } else {
            notOurs += 1
        }

        if keys.fromOurs {
            let idx = entry(from, hash: keys.fromHash)
            if table[entry: idx].code.isUsable {
                sighting(idx, role: .sender, time: r.time, r)
            }
        }
    }

    @inline(__always)
    private mutating func hit(_ r: RawRecord, trap idx: Int, verifier: Bool, hostHash: UInt64?) {
        let i = host(r.ip, hash: hostHash)
        var needEvidence = false
        do {
            var hs = hostStat[i]
            hs.hits += 1
            if r.time < hs.firstHit { hs.firstHit = r.time }
            if r.time > hs.lastHit { hs.lastHit = r.time }
            if verifier {
                hs.verifierHits += 1
                if !hs.hasHitEvidence {
                    hs.hasHitEvidence = true
                    needEvidence = true
                }
            } else {
                if r.time > hs.lastNonVerifierHit { hs.lastNonVerifierHit = r.time }
                if !hs.hasNonVerifierEvidence {
                    hs.hasNonVerifierEvidence = true
                    hs.hasHitEvidence = true
                    needEvidence = true
                }
            }
            hostStat[i] = hs
        }
        if needEvidence {
            hostHitEvidence[i] = evidence(r)
            hostHitTrap[i] = Int32(idx)
        }
        if keepsPairs {
            notePair(host: i, address: idx, first: r.time, last: r.time, lastNonVerifier: verifier ? .min : r.time)
        }
    }

    /// Adds hits of host `host` to address `address` to their pair.
    @inline(__always)
    private mutating func notePair(host: Int, address: Int, first: Int64, last: Int64, lastNonVerifier: Int64) {
        if pairsIndexed != pairs.count { indexAbsorbedPairs() }
        let key = UInt64(UInt32(host)) << 32 | UInt64(UInt32(address))
        if let p = pairIndex.find(key) {
            pairs[Int(p)].fold(first: first, last: last, lastNonVerifier: lastNonVerifier)
        } else {
            pairIndex.insert(key, Int32(pairs.count))
            pairs.append(
                PairStat(
                    host: Int32(host), address: Int32(address), first: first, last: last,
                    lastNonVerifier: lastNonVerifier))
            pairsIndexed += 1
        }
    }

    /// Indexes the pairs absorbs appended: each one already indexed is folded into that pair
    /// (first = min, last = max, last non-verifier = max) and dropped, the others move down and
    /// are indexed. After it every pair is in `pairIndex` once.
    @inline(never)
    private mutating func indexAbsorbedPairs() {
        // Each lookup's slot is asked for 16 pairs ahead (the absorbed pairs hit the index at
        // random: without it, a cache miss each).
        let ahead = 16
        let end = pairs.count
        func key(_ p: PairStat) -> UInt64 { UInt64(UInt32(p.host)) << 32 | UInt64(UInt32(p.address)) }
        var kept = pairsIndexed
        for k in pairsIndexed..<end {
            if k + ahead < end { pairIndex.prefetch(key(pairs[k + ahead])) }
            let p = pairs[k]
            if let found = pairIndex.find(key(p)) {
                pairs[Int(found)].fold(p)
            } else {
                pairIndex.insert(key(p), Int32(kept))
                pairs[kept] = p
                kept += 1
            }
        }
        pairs.removeLast(end - kept)
        pairsIndexed = kept
    }

    /// Every (host, address) pair with a trap hit in this run.
    var hits: [Harvest.HitInfo] {
        var out: [Harvest.HitInfo] = []
        forEachPair { host, address, first, last, lastNonVerifier in
            out.append(
                Harvest.HitInfo(
                    ip: hostTable.key(host), address: addressText(address), first: first, last: last,
                    lastNonVerifier: lastNonVerifier))
        }
        return out
    }

    // MARK: the merge's view (TrapStore.merge, through `Harvest.reading`): bytes and plain
    // values, no strings per row

    var addressCount: Int { table.count }
    var hostCount: Int { hostTable.count }
    /// Number of pair records (`forEachPairRecord`): at least the number of pairs.
    var pairRecordCount: Int { pairs.count }

    /// Calls `body` with every pair record (host and address index, first and last hit, last
    /// non-verifier hit or `Int64.min`: none). A pair comes once per harvest absorbed whole
    /// since it was last indexed: a reader folds repeats (first = min, last = max, last
    /// non-verifier = max), as `PairOrder` does while it sorts.
    func forEachPairRecord(
        _ body: (_ host: Int, _ address: Int, _ first: Int64, _ last: Int64, _ lastNonVerifier: Int64) throws -> Void
    ) rethrows {
        for i in 0..<pairs.count {
            let p = pairs[i]
            try body(Int(p.host), Int(p.address), p.first, p.last, p.lastNonVerifier)
        }
    }

    /// Calls `body` with every pair once, repeats folded (host and address index, first and
    /// last hit, last non-verifier hit or nil), in the order they were first hit. For tests and
    /// `hits`: the merge reads the records (`PairOrder`).
    func forEachPair(
        _ body: (_ host: Int, _ address: Int, _ first: Int64, _ last: Int64, _ lastNonVerifier: Int64?) throws -> Void
    ) rethrows {
        var folded: [PairStat] = []
        var position: [UInt64: Int] = [:]
        for i in 0..<pairs.count {
            let p = pairs[i]
            let key = UInt64(UInt32(p.host)) << 32 | UInt64(UInt32(p.address))
            if let k = position[key] {
                folded[k].fold(p)
            } else {
                position[key] = folded.count
                folded.append(p)
            }
        }
        for p in folded {
            try body(Int(p.host), Int(p.address), p.first, p.last, p.lastNonVerifier == .min ? nil : p.lastNonVerifier)
        }
    }

    /// Index of a normalised address seen in this run, or nil.
    func findAddress(_ key: UnsafeRawBufferPointer) -> Int? { table.find(key) }
    /// Calls `body` with the bytes of address `i`.
    func withAddressKey<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try table.withKey(i, body)
    }
    /// Roles, first and last seen, evidence offset (-1 none) of address `i`.
    func addressEntry(_ i: Int) -> AddressEntry { table[entry: i] }

    /// Index in `incidents` of the incident of (host, probe address), or nil.
    func incidentIndex(ip: IPAddress, address: UnsafeRawBufferPointer) -> Int? {
        guard let idx = table.find(address) else { return nil }
        return probeIndex[ProbeKey(ip: ip, address: Int32(idx))]
    }

    /// Index of a host of this run, or nil.
    func findHost(_ ip: IPAddress) -> Int? { hostTable.find(ip) }
    func hostKey(_ i: Int) -> IPAddress { hostTable.key(i) }
    /// A host's values (nil: none), evidence as offsets (-1 none) and the hit
    /// trap as an address index (-1 none).
    func hostValues(_ i: Int) -> (
        firstHit: Int64?, lastHit: Int64?, lastNonVerifierHit: Int64?, trappedExpire: Int64?, hitEvidence: Int,
        hitTrap: Int, trappedEvidence: Int
    ) {
        let st = hostStat[i]
        return (
            st.hits > 0 ? st.firstHit : nil, st.hits > 0 ? st.lastHit : nil,
            st.lastNonVerifierHit == .min ? nil : st.lastNonVerifierHit,
            st.trappedExpire == .min ? nil : st.trappedExpire, hostHitEvidence[i], Int(hostHitTrap[i]),
            hostTrappedEvidence[i]
        )
    }

    /// Addresses seen as unknowns (with or without a probe shape).
    var unknownSeenCount: Int {
        var n = 0
        for i in 0..<table.count where table[entry: i].code.isUnknown && table[entry: i].roles != 0 {
            n += 1
        }
        return n
    }
    /// `Harvest.absorb`: `other` has nothing waiting in its pipeline.
    mutating func absorb(_ other: borrowing HarvestState, lineOffset: Int) {
        drain()
        // The pairs of the absorb before this one are indexed now: a run that only absorbs (each
        // source parsed apart, `trapkeeper run`) keeps one record per pair plus the last one's.
        if pairsIndexed != pairs.count { indexAbsorbedPairs() }
        let inputMap = other.inputs.map { inputIndex(source: $0.source, file: $0.file) }
        // The lookups below go all over this harvest's tables: each one's slot is prefetched
        // `ahead` entries before (the other table's hashes are known), its entry halfway.
        let ahead = 16
        let addressCount = other.table.count
        var addressMap = [Int32](repeating: -1, count: addressCount)
        for j in 0..<addressCount {
            if j + ahead < addressCount { table.prefetchSlot(other.table.storedHash(j + ahead)) }
            if j + ahead / 2 < addressCount {
                let c = table.candidate(other.table.storedHash(j + ahead / 2))
                if c >= 0 { table.prefetchEntry(c) }
            }
            let (idx, inserted) = other.table.withKey(j) { table.index(of: $0, hash: other.table.storedHash(j)) }
            let o = other.table[entry: j]
            if inserted {
                addressClass.append(other.addressClass[j])
                table[entry: idx].code = o.code
            }
            addressMap[j] = Int32(idx)
            var st = table[entry: idx]
            st.roles |= o.roles
            st.first = min(st.first, o.first)
            st.last = max(st.last, o.last)
            if st.evidence < 0 && o.evidence >= 0 {
                st.evidence = copyEvidence(o.evidence, from: other, inputMap: inputMap, lineOffset: lineOffset)
                st.evidenceTime = o.evidenceTime
            }
            table[entry: idx] = st
        }
        let hostCount = other.hostTable.count
        var hostMap = [Int](repeating: -1, count: hostCount)
        for j in 0..<hostCount {
            if j + ahead < hostCount { hostTable.prefetchSlot(IPKeyTable.hash(other.hostTable.key(j + ahead))) }
            if j + ahead / 2 < hostCount {
                let ip = other.hostTable.key(j + ahead / 2)
                let c = hostTable.candidate(ip, hash: IPKeyTable.hash(ip))
                if c >= 0 { hostStat.prefetch(c) }
            }
            let i = host(other.hostTable.key(j))
            hostMap[j] = i
            let o = other.hostStat[j]
            var h = hostStat[i]
            h.hits += o.hits
            h.verifierHits += o.verifierHits
            h.firstHit = min(h.firstHit, o.firstHit)
            h.lastHit = max(h.lastHit, o.lastHit)
            h.lastNonVerifierHit = max(h.lastNonVerifierHit, o.lastNonVerifierHit)
            if o.trappedExpire > h.trappedExpire {
                h.trappedExpire = o.trappedExpire
                hostTrappedEvidence[i] = copyEvidence(
                    other.hostTrappedEvidence[j], from: other, inputMap: inputMap, lineOffset: lineOffset)
            }
            let takeHit =
                (!h.hasHitEvidence && o.hasHitEvidence) || (!h.hasNonVerifierEvidence && o.hasNonVerifierEvidence)
            if takeHit {
                hostHitEvidence[i] = copyEvidence(
                    other.hostHitEvidence[j], from: other, inputMap: inputMap, lineOffset: lineOffset)
                let t = other.hostHitTrap[j]
                hostHitTrap[i] = t < 0 ? -1 : addressMap[Int(t)]
            }
            h.hasHitEvidence = h.hasHitEvidence || o.hasHitEvidence
            h.hasNonVerifierEvidence = h.hasNonVerifierEvidence || o.hasNonVerifierEvidence
            hostStat[i] = h
        }
        // The other harvest's pairs, appended with this harvest's host and address indexes, not
        // looked up: indexed only if this harvest notes a hit again (`indexAbsorbedPairs`).
        for k in 0..<(keepsPairs ? other.pairs.count : 0) {
            var p = other.pairs[k]
            p.host = Int32(hostMap[Int(p.host)])
            p.address = addressMap[Int(p.address)]
            pairs.append(p)
        }
        for (n, c) in other.incidents.enumerated() {
            let idx = addressMap[Int(other.incidentAddress[n])]
            let key = ProbeKey(ip: c.ip, address: idx)
            if let i = probeIndex[key] {
                if incidents[i].helo == nil { incidents[i].helo = c.helo }
                if c.seen < incidents[i].seen { incidents[i].seen = c.seen }
                continue
            }
            var c = c
            if c.file == file { c.line += lineOffset }
            probeIndex[key] = incidents.count
            incidents.append(c)
            incidentAddress.append(idx)
        }
        for k in 0..<8 { kindCounts[k] += other.kindCounts[k] }
        notOurs += other.notOurs
        malformed += other.malformed
        probes += other.probes
        for m in other.malformedSeen where malformedSeen.count < ParseReport.rejectsKept {
            malformedSeen.append((m.source, m.file, m.file == file ? m.line + lineOffset : m.line, m.why, m.text))
        }
    }

    /// Notes a probe line (`ProbeDetector.matches` said yes). The incident and its rule text
    /// are built once per (host, address); later lines of it only update it.
    private mutating func recordProbe(
        _ shape: ProbeShape, address idx: Int, sender: UnsafeRawBufferPointer, _ r: RawRecord
    ) {
        probes += 1
        let key = ProbeKey(ip: r.ip, address: Int32(idx))
        if let i = probeIndex[key] {
            if incidents[i].helo == nil, let h = r.helo { incidents[i].helo = ParseReport.printable(h, limit: 200) }
            if r.time < incidents[i].seen { incidents[i].seen = r.time }
            return
        }
        let address = addressText(idx)
        guard
            let probe = classifier.detector.match(
                shape: shape, sender: String(decoding: sender, as: UTF8.self),
                helo: r.helo.map { AddressBook.lower(String(decoding: $0, as: UTF8.self)) }, seen: r.time)
        else {
            preconditionFailure("ProbeDetector.matches and .match disagree on \(address)")
        }
        let helo = r.helo.map { ParseReport.printable($0, limit: 200) }
        probeIndex[key] = incidents.count
        incidentAddress.append(Int32(idx))
        incidents.append(
            Harvest.CallbackIncident(
                ip: r.ip, helo: helo, probeAddress: address, sender: ParseReport.printable(r.from, limit: 300),
                shape: probe.shape, rule: probe.rule, probeTime: probe.probeTime, seen: r.time, source: source,
                file: file, line: r.line))
    }
}

extension Classifier {
    /// ASCII lower-case copy into `out` (at least `raw.count` bytes); returns the length.
    @inline(__always)
    static func lowercase(_ raw: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        assert(out.count >= raw.count, "lowercase: out is shorter than raw")
        if raw.count > 0 {  // tk_lower reads raw.count bytes and writes as many
            tk_lower(
                raw.baseAddress!.assumingMemoryBound(to: UInt8.self), raw.count,
                out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return raw.count
    }
}
