/// One entry of an operator list file (`OperatorListFile`).
struct OperatorListEntry: Sendable, Equatable {
    /// 1-based, as an editor counts lines: CRLF, CR and LF each end one line.
    let line: Int
    /// The entry as written, without the spaces, comment and `<…>` around it.
    let text: String
    /// `text` in ASCII lower case, as spamd compares addresses.
    let key: String

    /// What an entry names, read from `key`.
    enum Shape: Equatable {
        /// `local@domain`.
        case address(domain: Substring)
        /// `*@domain`: every address of the domain.
        case catchAll(domain: Substring)
        /// A local part without `@`: that name in every domain.
        case localPart
    }

    /// Why an entry cannot be an address or local part.
    struct Malformed: Error, Equatable {
        let reason: String
    }

    /// RFC 5322 `atext` besides letters and digits, plus `.`: what an unquoted local part holds.
    static let localPartSymbols = "!#$%&'*+-/=?^_`{|}~."
    /// What a domain label holds besides letters and digits, plus the dots between labels.
    static let domainSymbols = "-_."
    private static let localPartPunctuation = ByteClass(localPartSymbols)
    private static let domainPunctuation = ByteClass(domainSymbols)

    /// A set of bytes as a 256-entry table (a list of 100 000 entries asks for every dot).
    struct ByteClass: Sendable {
        private let member: [Bool]
        init(_ bytes: String) {
            var m = [Bool](repeating: false, count: 256)
            for b in bytes.utf8 { m[Int(b)] = true }
            member = m
        }
        func contains(_ b: UInt8) -> Bool { member[Int(b)] }
    }

    /// The shape of the entry, or why it cannot be a mail address or local part.
    ///
    /// A local part is a dot-atom (letters, digits, ``!#$%&'*+-/=?^_`{|}~`` and dots; 8-bit
    /// UTF-8 allowed, RFC 6531) or a quoted string (`"a@b"`, the only place a second `@` may be).
    /// A domain is dot-separated labels of letters, digits, `-` and `_` (8-bit UTF-8 allowed),
    /// none empty, or an address literal in brackets (`[192.0.2.1]`).
    func shape() -> Result<Shape, Malformed> {
        let u = key.utf8
        guard let at = u.lastIndex(of: UInt8(ascii: "@")) else {
            if let problem = Self.localPartProblem(key[...]) { return .failure(Malformed(reason: problem)) }
            return .success(.localPart)
        }
        let local = key[..<at]
        let domain = key[u.index(after: at)...]
        if local.isEmpty { return .failure(Malformed(reason: "empty local part")) }
        if domain.isEmpty { return .failure(Malformed(reason: "empty domain")) }
        if let problem = Self.domainProblem(domain) { return .failure(Malformed(reason: problem)) }
        if local == "*" { return .success(.catchAll(domain: domain)) }
        if let problem = Self.localPartProblem(local) { return .failure(Malformed(reason: problem)) }
        return .success(.address(domain: domain))
    }

    private static func localPartProblem(_ local: Substring) -> String? {
        let u = local.utf8
        if u.count >= 2 && u.first == UInt8(ascii: "\"") && u.last == UInt8(ascii: "\"") { return nil }
        if u.contains(UInt8(ascii: "@")) { return "more than one '@'" }
        for b in u where !(isAlphanumeric(b) || b >= 0x80 || localPartPunctuation.contains(b)) {
            return "'\(Character(Unicode.Scalar(b)))' cannot be in a local part (unless the local part is quoted)"
        }
        return nil
    }

    private static func domainProblem(_ domain: Substring) -> String? {
        let u = domain.utf8
        if u.first == UInt8(ascii: "[") && u.last == UInt8(ascii: "]") && u.count > 2
            && !u.dropFirst().dropLast().contains(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") })
        {
            return nil
        }
        var previous = UInt8(ascii: ".")  // a dot at the start makes an empty first label
        for b in u {
            if b == UInt8(ascii: ".") && previous == UInt8(ascii: ".") {
                return "empty label in the domain ('..', or a dot at its start or end)"
            }
            if !(isAlphanumeric(b) || b >= 0x80 || domainPunctuation.contains(b)) {
                let hint = b == UInt8(ascii: "#") ? " (a comment starts with '#' after a space)" : ""
                return "'\(Character(Unicode.Scalar(b)))' cannot be in a domain\(hint)"
            }
            previous = b
        }
        if previous == UInt8(ascii: ".") { return "empty label in the domain ('..', or a dot at its start or end)" }
        return nil
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
    }
}
