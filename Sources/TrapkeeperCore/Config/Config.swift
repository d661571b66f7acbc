import Foundation
import TOMLKit

/// Thresholds of the publication guards (`[guards]` table).
public struct GuardConfig: Sendable, Equatable {
    /// Refuse when the trap or host list would lose more than this share in one run.
    public var maxShrinkPercent: Double = 10
    /// Refuse when the trap or host list would grow by more than this factor in one run
    /// (applies only once the previous list held at least `growthFloor` entries).
    public var maxGrowthFactor: Double = 10
    public var growthFloor: Int = 100
    /// Refuse when the exported blocks cover more addresses than this (IPv4 and IPv6 /64s counted).
    public var maxHostAddresses: Int = 1_000_000
    /// Any exported block wider than these must be fully earned.
    public var maxUnearnedPrefixV4: Int = 24
    public var maxUnearnedPrefixV6: Int = 48
    /// pf's default `set limit table-entries`: more entries than this only warns.
    public var pfTableEntriesLimit: Int = 200_000
    /// The valid-address list may not shrink below this share of last run's count.
    public var minValidShare: Double = 0.5

    public init() {}
}

/// The whole configuration, loaded from a TOML file; relative paths resolved against its folder.
public struct Config: Sendable {
    public var file: String
    public var baseDirectory: String
    public var domains: [String]
    public var validAddressesFile: String
    public var recipientDelimiters: String
    public var protectedFile: String?
    public var neverBlock: [String]
    public var harvestSenders: Bool
    public var hostTTLHours: Int
    /// How long the state keeps a host after its last trap hit and TRAPPED expiry, and a callback
    /// incident after it was last seen (`history_days`). Traps are kept forever.
    public var historyDays: Int = Config.defaultHistoryDays
    /// Rule 3b: both local parts of a near-miss have at least this many characters
    /// (`typo_min_length`).
    public var typoMinLength: Int = NearMissRule.defaultMinLength
    /// Rule 3b: a near-miss becomes a trap once mailed from this many networks
    /// (`typo_promote_networks`).
    public var typoPromoteNetworks: Int = NearMissRule.defaultPromoteNetworks
    public var probeWindowDays: Int
    public var logTimeZone: TimeZone
    public var statePath: String
    public var publishDir: String
    public var pageTemplate: String?
    /// Where the Prometheus metrics are written after every run (`metrics_file`), or nil.
    public var metricsFile: String?
    public var guards: GuardConfig
    public var sources: [SourceConfig]
    /// The host-list formats written (`exports`), in the config's order, each once.
    public var exports: [ExportFormat]
    public var nft: NftConfig
    public var ipset: IpsetConfig
    /// The `[rbldnsd]` table; required (for its `zone`) when `exports` holds "rbldnsd".
    public var rbldnsd: RbldnsdConfig?
    /// How long an address withdrawn from spamtraps.txt stays in spamtraps-withdrawn.txt.
    public var withdrawnKeepDays: Int

    public static let defaultHostTTLHours = 24
    public static let defaultProbeWindowDays = 7
    public static let defaultHistoryDays = 90
    public static let defaultWithdrawnKeepDays = 90

    static let topLevelKeys: Set<String> = [
        "domains", "valid_addresses", "recipient_delimiter", "protected", "never_block",
        "harvest_senders", "host_ttl_hours", "history_days", "typo_min_length", "typo_promote_networks",
        "probe_window_days", "log_timezone", "state",
        "publish_dir", "page_template", "metrics_file", "guards", "sources", "exports", "nft", "ipset", "rbldnsd",
        "withdrawn_keep_days",
    ]
    static let sourceKeys: Set<String> = [
        "name", "url", "format", "timeout_seconds", "low_speed_bytes_per_second", "low_speed_seconds",
        "max_bytes", "max_stale_hours", "netrc", "bearer_token_file", "ca_file",
    ]
    static let guardKeys: Set<String> = [
        "max_shrink_percent", "max_growth_factor", "growth_floor", "max_host_addresses",
        "max_unearned_prefix_v4", "max_unearned_prefix_v6", "pf_table_entries_limit", "min_valid_share",
    ]
    static let nftKeys: Set<String> = ["table", "set"]
    static let ipsetKeys: Set<String> = ["name", "maxelem"]
    static let rbldnsdKeys: Set<String> = ["zone", "a", "txt", "soa", "ns", "valid_hours"]

    /// Builds a config in code (tests); paths are taken as given.
    public init(
        file: String = "<memory>", baseDirectory: String, domains: [String], validAddressesFile: String,
        recipientDelimiters: String = "", protectedFile: String? = nil, neverBlock: [String] = [],
        harvestSenders: Bool = true, hostTTLHours: Int = Config.defaultHostTTLHours,
        probeWindowDays: Int = Config.defaultProbeWindowDays, logTimeZone: TimeZone = .current,
        statePath: String, publishDir: String, pageTemplate: String? = nil,
        guards: GuardConfig = GuardConfig(), sources: [SourceConfig] = [], metricsFile: String? = nil,
        exports: [ExportFormat] = ExportFormat.defaults, nft: NftConfig = NftConfig(),
        ipset: IpsetConfig = IpsetConfig(), rbldnsd: RbldnsdConfig? = nil,
        withdrawnKeepDays: Int = Config.defaultWithdrawnKeepDays
    ) {
        self.file = file
        self.baseDirectory = baseDirectory
        self.domains = domains.map { DomainName.configured($0) ?? $0.lowercased() }
        self.validAddressesFile = validAddressesFile
        self.recipientDelimiters = recipientDelimiters
        self.protectedFile = protectedFile
        self.neverBlock = neverBlock
        self.harvestSenders = harvestSenders
        self.hostTTLHours = hostTTLHours
        self.probeWindowDays = probeWindowDays
        self.logTimeZone = logTimeZone
        self.statePath = statePath
        self.publishDir = publishDir
        self.pageTemplate = pageTemplate
        self.metricsFile = metricsFile
        self.guards = guards
        self.sources = sources
        self.exports = exports
        self.nft = nft
        self.ipset = ipset
        self.rbldnsd = rbldnsd
        self.withdrawnKeepDays = withdrawnKeepDays
    }

    /// Reads and checks a config file. Every problem is a `ConfigError` naming the file and,
    /// where it can be found, the line.
    public static func load(path: String) throws -> Config {
        let file = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: file, "cannot read the config file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, "the config file is not UTF-8")
        }
        // Split as the list files are (LF, CRLF or CR; a BOM dropped): `String` keeps "\r\n" as
        // one Character, so splitting the text on "\n" left a CRLF file one long line.
        let lines = OperatorListFile.lines([UInt8](data)).map { String(decoding: $0.bytes, as: UTF8.self) }
        /// The line that sets `key` (bare, quoted or as the last part of a dotted key), searching
        /// lines `start..<end` (0-based).
        func lineOf(_ key: String, after start: Int = 0, before end: Int? = nil) -> Int? {
            let stop = min(end ?? lines.count, lines.count)
            guard start < stop else { return nil }
            for i in start..<stop {
                var t = Substring(lines[i].trimmingCharacters(in: .whitespaces))
                guard let eq = t.firstIndex(of: "=") else { continue }
                t = t[..<eq]
                let parts = t.split(separator: ".").map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                }
                if parts.last == key { return i + 1 }
            }
            return nil
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ConfigError(file: file, line: e.source.begin.line, "TOML syntax error: \(e.description)")
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let base = (absolute as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String {
            if p.hasPrefix("/") { return p }
            return ((base as NSString).appendingPathComponent(p) as NSString).standardizingPath
        }
        func err(_ key: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: lineOf(key), message)
        }

        for key in table.keys where !topLevelKeys.contains(key) {
            throw err(key, "unknown key '\(key)' (known: \(topLevelKeys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws -> String? {
            guard let v = table[key] else { return nil }
            guard let s = v.string else { throw err(key, "'\(key)' must be a string") }
            return s
        }
        func int(_ key: String, in t: TOMLTable, range: ClosedRange<Int>, line: Int? = nil) throws -> Int? {
            guard let v = t[key] else { return nil }
            guard let i = v.int, range.contains(i) else {
                throw ConfigError(
                    file: file, line: line ?? lineOf(key),
                    "'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(v.debugDescription)"
                )
            }
            return i
        }

        guard let domainsValue = table["domains"] else {
            throw ConfigError(file: file, "'domains' is required: the domains whose unknown addresses become traps")
        }
        guard let domainArray = domainsValue.array else {
            throw err("domains", "'domains' must be an array of strings")
        }
        var domains: [String] = []
        for v in domainArray {
            // Either IDNA form; kept in the ASCII form addresses are compared in.
            guard let s = v.string, let domain = DomainName.configured(s) else {
                throw err("domains", "'domains' holds \(v.debugDescription), which is not a domain name")
            }
            domains.append(domain)
        }
        guard !domains.isEmpty else { throw err("domains", "'domains' is empty") }

        guard let valid = try string("valid_addresses") else {
            throw ConfigError(
                file: file, "'valid_addresses' is required: the file of real addresses that must never be trapped")
        }
        let delimiter = try string("recipient_delimiter") ?? ""
        // Delimiters are bytes to the matching (as to Postfix's recipient_delimiter): printable
        // ASCII only. A non-ASCII character would make each of its UTF-8 bytes a delimiter.
        if let bad = delimiter.unicodeScalars.first(where: { $0.value < 0x21 || $0.value > 0x7E || $0 == "@" }) {
            throw err(
                "recipient_delimiter",
                "'recipient_delimiter' holds \(bad.value < 0x21 || bad.value == 0x7F ? "a control or blank character" : "'\(bad)' (U+\(String(bad.value, radix: 16, uppercase: true)))"): it must be printable ASCII characters other than '@', such as \"+\" or \"+-\""
            )
        }
        let protected = try string("protected").map(resolve)
        var neverBlock: [String] = []
        if let v = table["never_block"] {
            guard let a = v.array else { throw err("never_block", "'never_block' must be an array of CIDR strings") }
            for item in a {
                guard let s = item.string, CIDR(s) != nil else {
                    throw err(
                        "never_block", "'never_block' holds \(item.debugDescription), which is not an address or CIDR")
                }
                neverBlock.append(s)
            }
        }
        var harvest = true
        if let v = table["harvest_senders"] {
            guard let b = v.bool else { throw err("harvest_senders", "'harvest_senders' must be true or false") }
            harvest = b
        }
        let ttl = try int("host_ttl_hours", in: table, range: Limits.hostTTLHours) ?? defaultHostTTLHours
        let window = try int("probe_window_days", in: table, range: Limits.probeWindowDays) ?? defaultProbeWindowDays
        let history = try int("history_days", in: table, range: Limits.historyDays) ?? defaultHistoryDays
        let typoMin = try int("typo_min_length", in: table, range: 1...64) ?? NearMissRule.defaultMinLength
        let typoNetworks =
            try int("typo_promote_networks", in: table, range: 1...10_000) ?? NearMissRule.defaultPromoteNetworks
        var zone = TimeZone.current
        if let z = try string("log_timezone") {
            guard let tz = TimeZone(identifier: z) else { throw err("log_timezone", "unknown time zone '\(z)'") }
            zone = tz
        }
        let state = resolve(try string("state") ?? "state.sqlite")
        let publishDir = resolve(try string("publish_dir") ?? "publish")
        let template = try string("page_template").map(resolve)
        let metrics = try string("metrics_file").map(resolve)

        var guards = GuardConfig()
        if let g = table["guards"] {
            guard let gt = g.table else { throw err("guards", "'guards' must be a table") }
            for key in gt.keys where !guardKeys.contains(key) {
                throw err(
                    key, "unknown key '\(key)' in [guards] (known: \(guardKeys.sorted().joined(separator: ", ")))")
            }
            func double(_ key: String, range: ClosedRange<Double>) throws -> Double? {
                guard let v = gt[key] else { return nil }
                let d: Double
                if let x = v.double {
                    d = x
                } else if let i = v.int {
                    d = Double(i)
                } else {
                    throw err(key, "'\(key)' must be a number")
                }
                // nan and inf are TOML numbers too; a guard with either never fires.
                guard d.isFinite, range.contains(d) else {
                    throw err(
                        key,
                        "'\(key)' must be a number from \(Limits.text(range.lowerBound)) to \(Limits.text(range.upperBound)), not \(v.debugDescription)"
                    )
                }
                return d
            }
            func gint(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
                try int(key, in: gt, range: range)
            }
            if let v = try double("max_shrink_percent", range: 0...100) { guards.maxShrinkPercent = v }
            if let v = try double("max_growth_factor", range: 1...1_000_000) { guards.maxGrowthFactor = v }
            if let v = try double("min_valid_share", range: 0...1) { guards.minValidShare = v }
            if let v = try gint("growth_floor", 0...Limits.count) { guards.growthFloor = v }
            if let v = try gint("max_host_addresses", 1...Limits.addresses) { guards.maxHostAddresses = v }
            if let v = try gint("max_unearned_prefix_v4", 0...32) { guards.maxUnearnedPrefixV4 = v }
            if let v = try gint("max_unearned_prefix_v6", 0...128) { guards.maxUnearnedPrefixV6 = v }
            if let v = try gint("pf_table_entries_limit", 1...Limits.count) { guards.pfTableEntriesLimit = v }
        }

        let exports = try ExportSettings.parse(
            table, lines: lines, file: file, lineOf: { lineOf($0, after: $1, before: $2) },
            int: { try int($0, in: $1, range: $2, line: $3) })
        let keepDays =
            try int("withdrawn_keep_days", in: table, range: Limits.withdrawnKeepDays) ?? defaultWithdrawnKeepDays

        var sources: [SourceConfig] = []
        var sourceHeaderLines: [Int] = []
        for (i, raw) in lines.enumerated() where raw.trimmingCharacters(in: .whitespaces).hasPrefix("[[sources]]") {
            sourceHeaderLines.append(i + 1)
        }
        if let v = table["sources"] {
            guard let arr = v.array else { throw err("sources", "'sources' must be an array of tables ([[sources]])") }
            var seen: [String: Int] = [:]
            for (index, item) in arr.enumerated() {
                let header = index < sourceHeaderLines.count ? sourceHeaderLines[index] : nil
                let nextHeader = index + 1 < sourceHeaderLines.count ? sourceHeaderLines[index + 1] - 1 : nil
                func serr(_ key: String?, _ message: String) -> ConfigError {
                    // search only this table's lines: a key missing here must not point at the next table
                    let line = key.flatMap { lineOf($0, after: (header ?? 1) - 1, before: nextHeader) } ?? header
                    return ConfigError(file: file, line: line, "source #\(index + 1): \(message)")
                }
                guard let t = item.table else { throw serr(nil, "must be a table") }
                for key in t.keys where !sourceKeys.contains(key) {
                    throw serr(key, "unknown key '\(key)' (known: \(sourceKeys.sorted().joined(separator: ", ")))")
                }
                guard let name = t["name"]?.string, Config.isValidSourceName(name) else {
                    throw serr("name", "'name' is required and must match [A-Za-z0-9._-]+")
                }
                if let first = seen[name] {
                    throw serr("name", "duplicate source name '\(name)' (first used by source #\(first))")
                }
                seen[name] = index + 1
                guard let url = t["url"]?.string, !url.isEmpty else { throw serr("url", "'url' is required") }
                // A password here would show in messages, `status` and the state: refuse it.
                if URLRedaction.holdsPassword(url) {
                    throw serr(
                        "url",
                        "'url' holds a password, which would show in messages and the state; put the credentials "
                            + "for source '\(name)' in a netrc file and name it with netrc = \"/path/to/netrc\"")
                }
                if url.contains("://"),
                    !(url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("file:///"))
                {
                    throw serr(
                        "url",
                        "'url' must be http://, https://, file:///abs/path or a plain path, not '\(URLRedaction.redacted(url))'"
                    )
                }
                var format = SourceFormat.auto
                if let f = t["format"] {
                    guard let s = f.string, let parsed = SourceFormat(rawValue: s) else {
                        throw serr("format", "'format' must be \"spamdb\", \"spamd-log\" or \"auto\"")
                    }
                    format = parsed
                }
                func sint(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
                    guard let v = t[key] else { return nil }
                    guard let i = v.int, range.contains(i) else {
                        throw serr(
                            key,
                            "'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(v.debugDescription)"
                        )
                    }
                    return i
                }
                func spath(_ key: String) throws -> String? {
                    guard let v = t[key] else { return nil }
                    guard let s = v.string, !s.isEmpty else { throw serr(key, "'\(key)' must be a file path") }
                    let p = resolve(s)
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: p, isDirectory: &isDirectory), !isDirectory.boolValue,
                        FileManager.default.isReadableFile(atPath: p)
                    else {
                        throw serr(key, "'\(key)' file \(p) cannot be read")
                    }
                    return p
                }
                var source = SourceConfig(name: name, url: url, format: format, configLine: header)
                if let v = try sint("timeout_seconds", Limits.seconds) { source.timeoutSeconds = v }
                if let v = try sint("low_speed_bytes_per_second", 1...Limits.bytes) {
                    source.lowSpeedBytesPerSecond = v
                }
                if let v = try sint("low_speed_seconds", Limits.seconds) { source.lowSpeedSeconds = v }
                if let v = try sint("max_bytes", 1...Limits.bytes) { source.maxBytes = Int64(v) }
                if let v = try sint("max_stale_hours", Limits.staleHours) { source.maxStaleHours = v }
                source.netrcFile = try spath("netrc")
                source.bearerTokenFile = try spath("bearer_token_file")
                source.caFile = try spath("ca_file")
                sources.append(source)
            }
        }

        var config = Config(
            file: file, baseDirectory: base, domains: domains, validAddressesFile: resolve(valid),
            recipientDelimiters: delimiter, protectedFile: protected, neverBlock: neverBlock,
            harvestSenders: harvest, hostTTLHours: ttl, probeWindowDays: window, logTimeZone: zone,
            statePath: state, publishDir: publishDir, pageTemplate: template, guards: guards, sources: sources,
            metricsFile: metrics, exports: exports.formats, nft: exports.nft, ipset: exports.ipset,
            rbldnsd: exports.rbldnsd, withdrawnKeepDays: keepDays)
        config.historyDays = history
        config.typoMinLength = typoMin
        config.typoPromoteNetworks = typoNetworks
        try config.checkPublishDirIsPublic(line: lineOf("publish_dir"))
        try config.checkMetricsFileIsPrivate(line: lineOf("metrics_file"))
        return config
    }

    /// The ranges of the numeric keys. Every number the config holds is multiplied into seconds
    /// or bytes somewhere: the bounds keep that arithmetic far from overflowing, and each is
    /// far beyond any sensible value.
    public enum Limits {
        /// `host_ttl_hours`: up to ten years.
        public static let hostTTLHours = 1...87_600
        /// `probe_window_days`: up to ten years.
        public static let probeWindowDays = 1...3_650
        /// `history_days`: a day up to a hundred years.
        public static let historyDays = 1...36_500
        /// `max_stale_hours`: 0 (never use an old copy) up to ten years.
        public static let staleHours = 0...87_600
        /// `timeout_seconds`, `low_speed_seconds`: up to a day.
        public static let seconds = 1...86_400
        /// `max_bytes`, `low_speed_bytes_per_second`: up to 1 TiB.
        public static let bytes = 1 << 40
        /// `max_host_addresses`: 2^62, more than the IPv4 space many times over.
        public static let addresses = 1 << 62
        /// Entry counts (`growth_floor`, `pf_table_entries_limit`).
        public static let count = 1 << 40
        /// `withdrawn_keep_days`: up to ten years.
        public static let withdrawnKeepDays = 1...3_650

        static func text(_ d: Double) -> String {
            d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        }
    }

    static func isValidSourceName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { b in
                (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 46 || b == 95 || b == 45
            }
    }
}
