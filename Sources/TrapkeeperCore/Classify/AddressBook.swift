import Foundation

/// The addresses that must never become traps: the valid-address list (real users, aliases,
/// catch-all domains) and the protected names (built-in role mailboxes plus configured ones).
///
/// Valid list format: one address per line, `*@domain` marks a catch-all domain, `#` starts a
/// comment, blank lines are skipped. Matching is case-insensitive (ASCII) and aware of the
/// recipient delimiter: `alice+news@` is valid when `alice@` is. A domain may be written in
/// either IDNA form (`anna@bücher.example`, `anna@xn--bcher-kva.example`): it is kept in its
/// ASCII form, the form addresses are looked up in.
public struct AddressBook: Sendable {
    /// address (lower-case) → "file:line"
    public private(set) var valid: [String: String] = [:]
    /// catch-all domain → "file:line"
    public private(set) var catchAll: [String: String] = [:]
    /// protected local part (any of our domains) → where it comes from
    public private(set) var protectedLocalParts: [String: String] = [:]
    /// protected full address → where it comes from
    public private(set) var protectedAddresses: [String: String] = [:]
    public let delimiters: Set<UInt8>
    /// `delimiters` as a 256-entry table: `Set.contains` hashed every byte of every local part.
    private let isDelimiter: [Bool]

    /// RFC 2142 role mailboxes and the system names every mail domain has.
    public static let builtInProtected: [String] = [
        "postmaster", "abuse", "hostmaster", "webmaster", "www", "info", "marketing", "sales", "support",
        "noc", "security", "news", "usenet", "uucp", "ftp", "root", "mailer-daemon", "double-bounce",
    ]

    /// Number of entries in the valid list (addresses + catch-alls), for the shrink guard.
    public var validCount: Int { valid.count + catchAll.count }

    public init(delimiters: String) {
        self.delimiters = Set(delimiters.utf8)
        var table = [Bool](repeating: false, count: 256)
        for d in delimiters.utf8 { table[Int(d)] = true }
        isDelimiter = table
        for name in AddressBook.builtInProtected {
            protectedLocalParts[name] = "built-in role mailbox (RFC 2142 / system name)"
        }
    }

    /// Loads the valid list and (optionally) the protected list.
    ///
    /// Errors (exit 1): the valid list missing, unreadable, not UTF-8, or with no address at all —
    /// never "every user is unknown"; a line that is not an address.
    public static func load(validFile: String, protectedFile: String?, delimiters: String) throws -> AddressBook {
        var book = AddressBook(delimiters: delimiters)
        let name = (validFile as NSString).lastPathComponent
        for (line, text) in try readLines(validFile, what: "valid-address list") {
            guard let at = text.lastIndex(of: "@"), at != text.startIndex, text.index(after: at) != text.endIndex,
                !text.contains(where: { $0 == " " || $0 == "\t" })
            else {
                throw ConfigError(file: validFile, line: line, "'\(text)' is not an address (local@domain or *@domain)")
            }
            let local = String(text[..<at])
            let domain = AddressBook.domainKey(text[text.index(after: at)...])
            if local == "*" {
                book.catchAll[domain] = "\(name):\(line)"
            } else {
                book.valid[AddressBook.lower(local) + "@" + domain] = "\(name):\(line)"
            }
        }
        guard book.validCount > 0 else {
            throw ConfigError(
                file: validFile,
                "the valid-address list holds no address: refusing to run, every real user would look unknown")
        }
        if let protectedFile {
            let pname = (protectedFile as NSString).lastPathComponent
            for (line, text) in try readLines(protectedFile, what: "protected list") {
                guard !text.contains(where: { $0 == " " || $0 == "\t" }) else {
                    throw ConfigError(file: protectedFile, line: line, "'\(text)' is not a local part or address")
                }
                if text.contains("@") {
                    book.protectedAddresses[AddressBook.addressKey(text)] = "\(pname):\(line)"
                } else {
                    book.protectedLocalParts[AddressBook.lower(text)] = "\(pname):\(line)"
                }
            }
        }
        return book
    }

    /// Adds an address or catch-all in code (tests).
    public mutating func addValid(_ address: String, origin: String = "test") {
        let a = AddressBook.addressKey(address)
        if a.hasPrefix("*@") {
            catchAll[String(a.dropFirst(2))] = origin
        } else {
            valid[a] = origin
        }
    }

    static func readLines(_ path: String, what: String) throws -> [(Int, String)] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(file: path, "the \(what) does not exist")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, "the \(what) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, "the \(what) is not UTF-8")
        }
        var out: [(Int, String)] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var s = Substring(raw)
            if let hash = s.firstIndex(of: "#"), s[..<hash].allSatisfy({ $0 == " " || $0 == "\t" }) { s = s[..<hash] }
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            if !t.isEmpty { out.append((i + 1, t)) }
        }
        return out
    }

    /// The key of a listed domain: lower case, in its ASCII form when it is a domain name in
    /// either IDNA form (`DomainName.configured`: `Bücher.example` → `xn--bcher-kva.example`),
    /// else ASCII lower-cased as it is (it then never matches one of our domains).
    static func domainKey(_ domain: Substring) -> String {
        // ASCII (the common case, A-labels included) needs lower-casing only.
        if domain.utf8.allSatisfy({ $0 < 0x80 }) { return AddressBook.lower(String(domain)) }
        return DomainName.configured(String(domain)) ?? AddressBook.lower(String(domain))
    }

    /// The key of a listed address: the local part ASCII lower-cased (as spamd does), the
    /// domain as `domainKey` says.
    static func addressKey(_ address: String) -> String {
        guard let at = address.utf8.lastIndex(of: 64) else { return AddressBook.lower(address) }
        return AddressBook.lower(String(address[..<at])) + "@" + domainKey(address[address.utf8.index(after: at)...])
    }

    /// ASCII lower-case, as spamd does (8-bit bytes untouched).
    public static func lower(_ s: String) -> String {
        String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// The local part cut at the first delimiter character (`alice+news` → `alice`), or nil.
    func baseLocalPart(_ local: Substring) -> Substring? {
        guard !delimiters.isEmpty else { return nil }
        guard let i = local.utf8.firstIndex(where: { isDelimiter[Int($0)] }), i != local.utf8.startIndex else {
            return nil
        }
        return local[..<i]
    }

    /// Where the address is declared valid ("valid-addresses.txt:2", "catch-all … "), or nil.
    /// `address` must already be normalised (lower-case, no brackets).
    public func validity(of address: String) -> String? {
        if let v = valid[address] { return "valid list \(v)" }
        guard let at = address.utf8.lastIndex(of: 64) else { return nil }
        let local = address[..<at]
        let domain = address[address.utf8.index(after: at)...]
        if let c = catchAll[String(domain)] { return "catch-all domain \(domain) (\(c))" }
        if let base = baseLocalPart(local), let v = valid["\(base)@\(domain)"] {
            return "valid list \(v) (\(base)@\(domain) with recipient delimiter)"
        }
        return nil
    }

    /// Why the address is protected, or nil.
    public func protection(of address: String) -> String? {
        if let p = protectedAddresses[address] { return "protected address (\(p))" }
        guard let at = address.utf8.lastIndex(of: 64) else { return nil }
        let local = address[..<at]
        if let p = protectedLocalParts[String(local)] { return "protected name '\(local)': \(p)" }
        if let base = baseLocalPart(local) {
            if let p = protectedLocalParts[String(base)] { return "protected name '\(base)': \(p)" }
            let domain = address[address.utf8.index(after: at)...]
            if let p = protectedAddresses["\(base)@\(domain)"] { return "protected address (\(p))" }
        }
        return nil
    }
}
