/// One format of the published host list (`exports = [...]`). Each is written from the same
/// exported blocks as `traplist.pf`.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// `traplist.pf`, for `pfctl -T replace -f`.
    case pf
    /// `traplist.spamd`, a spamd-setup blacklist (IPv4 only).
    case spamd
    /// `traplist.nft`, for `nft -f`.
    case nft
    /// `traplist.ipset`, for `ipset restore -f`.
    case ipset
    /// `traplist.rbldnsd` and `traplist6.rbldnsd`, served by rbldnsd.
    case rbldnsd

    /// What `exports` holds when the config does not say.
    public static let defaults: [ExportFormat] = [.pf, .spamd]

    /// The files of this export in `publish_dir`.
    public var files: [String] {
        switch self {
        case .pf: return [Publisher.pfFile]
        case .spamd: return [Publisher.spamdFile]
        case .nft: return [NftWriter.file]
        case .ipset: return [IpsetWriter.file]
        case .rbldnsd: return [RbldnsdWriter.file4, RbldnsdWriter.file6]
        }
    }
}

/// The `[nft]` table: the nftables table (family inet) and the name stem of its two sets.
public struct NftConfig: Sendable, Equatable {
    /// Table name (family inet).
    public var table = "trapkeeper"
    /// Set names are this with "4" and "6" appended.
    public var set = "traps"

    public init(table: String = "trapkeeper", set: String = "traps") {
        self.table = table
        self.set = set
    }

    /// Longest table or set stem accepted (nft allows more; nobody needs it).
    public static let maxNameLength = 64
}

/// The `[ipset]` table: the name stem of the two sets and their fixed `maxelem`.
public struct IpsetConfig: Sendable, Equatable {
    /// Set names are this with "4" and "6" appended (the scratch sets with "4-new", "6-new").
    public var name = "trapkeeper"
    /// The sets' `maxelem`: a cap, not an allocation, and never changed between runs (`create
    /// -exist` fails on a set that exists with another `maxelem`).
    public var maxelem = 1_048_576

    public init(name: String = "trapkeeper", maxelem: Int = 1_048_576) {
        self.name = name
        self.maxelem = maxelem
    }

    /// ipset names hold at most 31 bytes (IPSET_MAXNAMELEN 32 with the NUL); the longest name
    /// written is the stem plus "6-new".
    public static let maxNameLength = 31 - "6-new".count
    /// `maxelem` range: ipset takes a 32-bit count; 2^28 is far beyond any trap list.
    public static let maxelemRange = 1...(1 << 28)
}

/// The `[rbldnsd]` table: how the DNSBL answers, and how long a zone stays valid unrefreshed.
public struct RbldnsdConfig: Sendable, Equatable {
    /// The DNSBL zone (only named in the files' header: rbldnsd takes it on its command line).
    public var zone: String
    /// The A record a listed host gets: an IPv4 address in 127.0.0.0/8.
    public var a = "127.0.0.2"
    /// The TXT template; rbldnsd puts the queried address for each `$` (`$$` is a dollar sign).
    public var txt = "$ sent mail to a spamtrap"
    /// `$SOA` origin and person names, or nil for no `$SOA` line.
    public var soa: (origin: String, person: String)?
    /// `$NS` names (none: no `$NS` line).
    public var ns: [String] = []
    /// `$TIMESTAMP … +<validHours>h`: a zone not refreshed for this long answers SERVFAIL.
    public var validHours = 48

    public init(
        zone: String, a: String = "127.0.0.2", txt: String = "$ sent mail to a spamtrap",
        soa: (origin: String, person: String)? = nil, ns: [String] = [], validHours: Int = 48
    ) {
        self.zone = zone
        self.a = a
        self.txt = txt
        self.soa = soa
        self.ns = ns
        self.validHours = validHours
    }

    public static func == (l: RbldnsdConfig, r: RbldnsdConfig) -> Bool {
        l.zone == r.zone && l.a == r.a && l.txt == r.txt && l.soa?.origin == r.soa?.origin
            && l.soa?.person == r.soa?.person && l.ns == r.ns && l.validHours == r.validHours
    }

    /// `valid_hours`: up to a year.
    public static let validHoursRange = 1...8_760
    /// rbldnsd cuts a TXT value at 255 bytes (one DNS character-string); the `$` grows by up to 38.
    public static let maxTxtBytes = 200

    /// True when `s` is an IPv4 address in 127.0.0.0/8 (what DNSBL clients take as "listed").
    static func isLoopbackAnswer(_ s: String) -> Bool {
        guard let ip = IPAddress(s), ip.isIPv4 else { return false }
        return ip.v4 >> 24 == 127
    }

    /// True when the TXT template holds no control byte (a newline would end the rbldnsd line
    /// and start a data line of its own), does not start with '#' or white space (rbldnsd reads
    /// those as "no TXT"), and fits one DNS character-string with room for `$`.
    static func isSafeTxt(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return true }
        return first != UInt8(ascii: "#") && first != UInt8(ascii: " ") && s.utf8.count <= maxTxtBytes
            && s.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f }
    }

    /// A host name as `$SOA`/`$NS` take it: letters, digits, '-', '.', '_' (a trailing dot allowed).
    static func isHostName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 253 && !s.hasPrefix(".") && !s.hasPrefix("-")
            && s.utf8.allSatisfy { b in
                (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 45 || b == 46 || b == 95
            }
    }
}

extension ExportFormat {
    /// A table, set or ipset name: starts with a letter, then letters, digits, '_' and '-'
    /// (nothing a shell, nft or ipset would read as syntax or as an option), at most `max` bytes.
    static func isSafeName(_ s: String, max: Int) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= max else { return false }
        func letter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        return letter(first) && s.utf8.allSatisfy { b in letter(b) || (b >= 48 && b <= 57) || b == 95 || b == 45 }
    }
}
