import Foundation
import TrapkeeperCore

/// A seeded, labelled end-to-end scenario: a greylist dump, a spamd log, a valid-address list and
/// a config, together with what a correct `classify` + `publish` must produce from them
/// (including near-misses of valid addresses, held or promoted: docs/rules.md, rule 3b).
///
/// The expectations are derived from the written rules (shared/spec/cli.md "Classification",
/// shared/spec/callbacks.md "Rules the harvester follows", shared/spec/formats.md), never from an
/// implementation:
///
/// - every address in our domains that appears gets an explicit label when the generator writes
///   it (trap, valid, protected, probe, ignored) — the builder refuses to write an unlabelled one
///   and refuses two different labels for one address;
/// - every host records the tuples it sent (time, the recipient's label, whether the envelope
///   sender is verifier-shaped) and its TRAPPED expiries; `HostRecord.isExported` applies the
///   host rule to that record, and the builder also checks it against the intent stated when the
///   host was made (double-entry bookkeeping);
/// - the pf lines are the unique minimal exact CIDR cover of the exported hosts.
///
/// Cases are built so no rule has to be guessed: fresh events lie 10 min–20 h before `now`,
/// stale ones 50 h–20 days; probe epochs lie within ±3 days of the tuple (window ±7) or years
/// off; a host's verifier status is the same whether one looks at all its hits or only the
/// fresh ones. Log time stamps are UTC: the test runs the CLI with `TZ=UTC`.
struct LabelledScenario: Sendable {
    /// 2025-10-10 11:00:00 UTC.
    static let now: Int64 = 1_760_094_000
    static let hostTTL: Int64 = 24 * 3600
    static let ourDomains = ["bsdly.com", "bsdly.net", "datadok.no"]
    static let catchAllDomain = "catchall.example"
    static var configuredDomains: [String] { ourDomains + [catchAllDomain] }

    static let roles = [
        "postmaster", "abuse", "hostmaster", "webmaster", "info", "sales", "support", "noc", "security",
        "marketing", "news", "usenet", "www", "uucp", "ftp", "root", "mailer-daemon", "double-bounce",
    ]

    /// The built-in never-block list of shared/spec/cli.md (RFC 6890, not globally reachable).
    static let neverBlock: [CIDR] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "::1/128", "::/128", "fc00::/7", "fe80::/10",
        "ff00::/8", "2001:db8::/32",
    ].map { CIDR($0)! }

    let seed: UInt64
    let dump: [UInt8]
    let log: [UInt8]
    let validList: String
    let config: String
    /// Every address in our domains (and every look-alike) the scenario wrote, normalised.
    let labels: [String: AddressLabel]
    let hosts: [HostRecord]
    /// Lines written to the dump per kind, for self-checks.
    let lineCounts: [String: Int]
    /// The /24 that is completely exported and must be published as one line.
    let fullBlock: CIDR
    /// A /24 with one verifier and one innocent host: must not be published as one line.
    let holedBlock: CIDR

    init(seed: UInt64 = 2017_08_19) {
        var b = ScenarioBuilder(seed: seed)
        b.build()
        self.seed = seed
        dump = b.dumpBytes()
        log = b.logBytes()
        validList = b.validList
        config = """
            domains = [\(LabelledScenario.configuredDomains.map { "\"\($0)\"" }.joined(separator: ", "))]
            valid_addresses = "valid-addresses.txt"
            recipient_delimiter = "+"
            state = "state.sqlite"
            publish_dir = "publish"

            """
        labels = b.labels
        hosts = b.hosts
        lineCounts = b.lineCounts
        fullBlock = b.fullBlock
        holedBlock = b.holedBlock
    }

    /// The traps a correct publish lists: lower-case, sorted by bytes.
    var expectedTraps: [String] {
        labels.filter { $0.value.verdict == .trap }.map(\.key).sorted(by: LabelledScenario.byBytes)
    }

    var expectedExportedHosts: [IPAddress] {
        hosts.filter(\.isExported).map(\.ip).sorted()
    }

    /// The address lines of a correct traplist.pf, in canonical text (bare address for a host).
    var expectedPFLines: [String] {
        LabelledScenario.minimalCover(expectedExportedHosts).map(\.description)
    }

    /// Writes greylist.dump, spamd.log, valid-addresses.txt and trapkeeper.toml into `dir`.
    func write(to dir: URL) throws {
        try Data(dump).write(to: dir.appendingPathComponent("greylist.dump"))
        try Data(log).write(to: dir.appendingPathComponent("spamd.log"))
        try Data(validList.utf8).write(to: dir.appendingPathComponent("valid-addresses.txt"))
        try Data(config.utf8).write(to: dir.appendingPathComponent("trapkeeper.toml"))
    }

    /// Writes expected-spamtraps.txt, expected-traplist.txt and the labels (address / host,
    /// verdict, why) as tab-separated files, for a look by hand.
    func writeExpectations(to dir: URL) throws {
        let traps = expectedTraps.map { $0 + "\n" }.joined()
        try Data(traps.utf8).write(to: dir.appendingPathComponent("expected-spamtraps.txt"))
        try Data(expectedPFLines.map { $0 + "\n" }.joined().utf8).write(
            to: dir.appendingPathComponent("expected-traplist.txt"))
        let addressRows = labels.sorted { LabelledScenario.byBytes($0.key, $1.key) }
            .map { "\($0.key)\t\($0.value.verdict.rawValue)\t\($0.value.why)\n" }.joined()
        try Data(addressRows.utf8).write(to: dir.appendingPathComponent("labels-addresses.tsv"))
        let hostRows = hosts.sorted { $0.ip < $1.ip }
            .map { "\($0.ip)\t\($0.isExported ? "exported" : "not exported")\t\($0.category)\n" }.joined()
        try Data(hostRows.utf8).write(to: dir.appendingPathComponent("labels-hosts.tsv"))
    }

    static func byBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func isNeverBlock(_ ip: IPAddress) -> Bool {
        neverBlock.contains { $0.contains(ip) }
    }

    /// The unique minimal set of CIDR blocks covering exactly `addresses` (no address outside it).
    static func minimalCover(_ addresses: [IPAddress]) -> [CIDR] {
        let sorted = Array(Set(addresses)).sorted()
        var result: [CIDR] = []
        var i = 0
        while i < sorted.count {
            let a = sorted[i]
            // length of the run of consecutive addresses starting at i (within one 64-bit word)
            var run = 1
            while i + run < sorted.count, sorted[i + run].isIPv4 == a.isIPv4, sorted[i + run].high == a.high,
                sorted[i + run].low == a.low &+ UInt64(run), a.low &+ UInt64(run) > a.low
            {
                run += 1
            }
            let width = a.isIPv4 ? 32 : 128
            var bits = 0
            while bits < 32, (1 << (bits + 1)) <= run, a.low & ((1 << UInt64(bits + 1)) - 1) == 0 { bits += 1 }
            result.append(CIDR(address: a, prefix: width - bits))
            i += 1 << bits
        }
        return result
    }
}

/// What the rules say must become of an address.
enum AddressVerdict: String, Sendable {
    case trap  // unknown in our domains, or a SPAMTRAP line not overruled by rule 1/2
    case valid  // valid list, +tag, catch-all
    case protected  // RFC 2142 roles, root, mailer-daemon, double-bounce
    case probe  // a recognised callback probe (Exim in window, AfterShip, Reacher)
    case notOurs  // look-alike or foreign domain
    case ignored  // only in garbage lines or non-envelope log lines
    case heldNearMiss  // one keystroke from a valid address, mailed from too few networks (rule 3b)
}

struct AddressLabel: Sendable {
    var verdict: AddressVerdict
    var why: String
}

/// One tuple a host sent, as the host rule sees it.
struct HostEvent: Sendable {
    var time: Int64
    var recipient: String
    var recipientVerdict: AddressVerdict
    /// `<>`, `postmaster@…`, `double-bounce…@…` (shared/spec/callbacks.md "Verifier hosts").
    var verifierSender: Bool
}

struct HostRecord: Sendable {
    let ip: IPAddress
    /// How the dump writes it (not always canonical).
    let text: String
    let category: String
    let intendedExport: Bool
    var events: [HostEvent] = []
    var trappedExpiries: [Int64] = []

    /// Trap hits and recognised probes: the events the verifier test looks at.
    func relevantEvents(freshOnly: Bool) -> [HostEvent] {
        events.filter {
            ($0.recipientVerdict == .trap || $0.recipientVerdict == .probe)
                && (!freshOnly || LabelledScenario.now - $0.time <= LabelledScenario.hostTTL)
        }
    }

    /// A host whose every trap hit has a verifier-shaped sender or is a recognised probe.
    func isVerifier(freshOnly: Bool) -> Bool {
        let relevant = relevantEvents(freshOnly: freshOnly)
        return !relevant.isEmpty && relevant.allSatisfy { $0.recipientVerdict == .probe || $0.verifierSender }
    }

    /// shared/spec/cli.md: exported when it hit a trap within host_ttl_hours before now, or a
    /// TRAPPED line for it has not expired — unless never-block or a verifier host.
    var isExported: Bool {
        if LabelledScenario.isNeverBlock(ip) || isVerifier(freshOnly: false) { return false }
        let now = LabelledScenario.now
        let freshHit = events.contains {
            $0.recipientVerdict == .trap && $0.time <= now && now - $0.time <= LabelledScenario.hostTTL
        }
        return freshHit || trappedExpiries.contains { $0 > now }
    }
}

/// The scenario's generator: the shared SplitMix64.
typealias ScenarioRandom = SeededRandom
