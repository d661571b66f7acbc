import Foundation

/// The addresses that must never become traps: the valid-address list (real users, aliases,
/// catch-all domains) and the protected names (built-in role mailboxes plus configured ones).
///
/// Valid list format: one address per line, `*@domain` marks a catch-all domain; the file is read
/// by `OperatorListFile` (comments, blank lines, any line ends, `<…>`). Matching is
/// case-insensitive (ASCII) and aware of the recipient delimiter: `alice+news@` is valid when
/// `alice@` is. A domain may be written in either IDNA form (`anna@bücher.example`,
/// `anna@xn--bcher-kva.example`): it is kept in its ASCII form, the form addresses are looked up in.
public struct AddressBook: Sendable {
    /// address (lower-case, domain in ASCII form) → "file:line"
    public private(set) var valid = ValidAddresses(fileName: "test")
    /// catch-all domain → "file:line"
    public private(set) var catchAll: [String: String] = [:]
    /// protected local part (any of our domains) → where it comes from
    public private(set) var protectedLocalParts: [String: String] = [:]
    /// protected full address → where it comes from
    public private(set) var protectedAddresses: [String: String] = [:]
    /// What the operator should know about the lists but need not stop for.
    public private(set) var warnings: [String] = []
    public let delimiters: Set<UInt8>
    /// `delimiters` as a 256-entry table: `Set.contains` hashed every byte of every local part.
    private let isDelimiter: [Bool]

    /// RFC 2142 role mailboxes and the system names every mail domain has.
    public static let builtInProtected: [String] = [
        "postmaster", "abuse", "hostmaster", "webmaster", "www", "info", "marketing", "sales", "support",
        "noc", "security", "news", "usenet", "uucp", "ftp", "root", "mailer-daemon", "double-bounce",
    ]

    /// Number of entries in the valid list (addresses + catch-alls).
    public var validCount: Int { valid.count + catchAll.count }
    /// Entries of the valid list in our domains (the others never match): what the shrink guard
    /// (`min_valid_share`) counts.
    public var validInOurDomains = 0

    public init(delimiters: String) {
        self.delimiters = Set(delimiters.utf8)
        var table = [Bool](repeating: false, count: 256)
        for d in delimiters.utf8 { table[Int(d)] = true }
        isDelimiter = table
        for name in AddressBook.builtInProtected {
            protectedLocalParts[name] = "built-in role mailbox (RFC 2142 / system name)"
        }
    }

    /// Loads the valid list and (optionally) the protected list, both read by `OperatorListFile`
    /// (any line ends, a BOM, `#` comments, `<…>` around entries; case-insensitive).
    ///
    /// Valid list entries are `local@domain` or `*@domain`; protected list entries a local part
    /// (that name in every domain) or `local@domain`. Errors (exit 1): either file missing, a
    /// folder or unreadable; the valid list with no entry at all — never "every user is unknown";
    /// an entry that is not what its list holds, named by file and line. An empty protected list
    /// is fine. Entries in none of `domains` can never match: one warning per file in `warnings`.
    public static func load(
        validFile: String, protectedFile: String?, domains: [String], delimiters: String
    ) throws -> AddressBook {
        try load(
            validFile: validFile, bytes: OperatorListFile.contents(validFile, what: "valid-address list"),
            protectedFile: protectedFile, domains: domains, delimiters: delimiters, quickly: true)
    }

    /// `load` with the valid list's `bytes` (the contents of `validFile`) read with
    /// `ValidList.readQuickly` (`quickly`, what `load` does) or with its definition
    /// `ValidList.read` (tests hold the one to the other).
    static func load(
        validFile: String, bytes: [UInt8], protectedFile: String?, domains: [String], delimiters: String,
        quickly: Bool
    ) throws -> AddressBook {
        // Each entry takes a line, so a list within this size has fewer entries than
        // `ByteNameTable` holds; no hand-kept list comes near it.
        guard bytes.count <= ValidList.largestFile else {
            throw ConfigError(
                file: validFile,
                "the valid-address list is \(bytes.count) bytes, more than a list of addresses can be (at most \(ValidList.largestFile)): check valid_addresses"
            )
        }
        var book = AddressBook(delimiters: delimiters)
        let ours = Set(domains.map(AddressBook.lower))
        let list =
            try quickly
            ? ValidList.readQuickly(bytes, file: validFile, ours: ours)
            : ValidList.read(bytes, file: validFile, ours: ours)
        book.valid = list.addresses
        book.catchAll = list.catchAll
        guard book.validCount > 0 else {
            throw ConfigError(
                file: validFile,
                "the valid-address list holds no address: refusing to run, every real user would look unknown")
        }
        // Entries of other domains never match: a list with none in our domains (a list for
        // another site, every line cut short) is as good as empty.
        book.validInOurDomains = list.entryCount - list.outsideCount
        guard book.validInOurDomains > 0 else {
            throw ConfigError(
                file: validFile,
                "the valid-address list holds no address in \(domains.joined(separator: ", ")) (its \(list.entryCount) entries are all in other domains): refusing to run, every real user would look unknown"
            )
        }
        if let warning = OperatorListFile.outsideDomainsWarning(
            file: validFile, outside: list.outsideCount, examples: list.outsideExamples, of: list.entryCount,
            domains: domains)
        {
            book.warnings.append(warning)
        }
        if let protectedFile {
            let entries = try OperatorListFile.read(protectedFile, what: "protected list")
            let pname = (protectedFile as NSString).lastPathComponent
            var outside: [OperatorListEntry] = []
            for entry in entries {
                func refuse(_ reason: String) -> ConfigError {
                    ConfigError(
                        file: protectedFile, line: entry.line,
                        "'\(OperatorListFile.visible(entry.text))' is not a local part or address: \(reason)")
                }
                switch entry.shape() {
                case .failure(let m):
                    throw refuse(m.reason)
                case .success(.catchAll):
                    throw refuse("a catch-all ('*@domain') belongs in the valid-address list")
                case .success(.localPart) where entry.key == "*":
                    throw refuse("'*' alone names nothing; a catch-all ('*@domain') belongs in the valid-address list")
                case .success(.localPart):
                    book.protectedLocalParts[entry.key] = "\(pname):\(entry.line)"
                case .success(.address(let domain)):
                    book.protectedAddresses[AddressBook.addressKey(entry.key)] = "\(pname):\(entry.line)"
                    if !ours.contains(AddressBook.domainKey(domain)) { outside.append(entry) }
                }
            }
            if let warning = OperatorListFile.outsideDomainsWarning(
                file: protectedFile, outside: outside.count, examples: outside, of: entries.count, domains: domains)
            {
                book.warnings.append(warning)
            }
        }
        return book
    }

    /// Adds an address or catch-all in code (tests); its origin reads "test".
    public mutating func addValid(_ address: String) {
        let a = AddressBook.addressKey(address)
        if a.hasPrefix("*@") {
            catchAll[String(a.dropFirst(2))] = valid.fileName
        } else {
            valid.set(a, line: 0)
        }
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
