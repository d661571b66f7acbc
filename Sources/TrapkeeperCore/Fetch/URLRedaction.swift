/// Keeps a password written in a URL out of everything a person reads and everything the state
/// stores.
///
/// `Config.load` refuses a source URL with a password (credentials belong in a netrc file); this
/// is the second line of defence, for URLs that arrive some other way: a `Config` built in code,
/// a redirect's `Location`, libcurl's error text, a message stored by an older version.
/// Every message that can hold a URL, and every URL or message written to the state, goes
/// through `redacted` or `scrubbed`.
public enum URLRedaction {
    /// What a password is replaced with.
    static let mask = "***"

    /// `scheme://user:secret@host/…` → `scheme://user:***@host/…`, and every query value masked
    /// (`?access_token=***&sig=***`: a token in a query string is a password too).
    ///
    /// A user name alone (`https://user@host/`) is no secret and is kept. A password holding an
    /// unencoded `/`, `?` or `#` ends the authority early (`https://user:pa/ss@host/`): the part
    /// that then stands where a port would is no number, and everything from `://` to the last
    /// `@` is masked (`https://***@host/`). Text without `://` is returned as it is; redacting a
    /// redacted URL changes nothing.
    public static func redacted(_ url: String) -> String {
        maskedQuery(withoutPassword(url))
    }

    /// The query values of `url` (after `?`, before `#`) replaced by the mask; keys kept.
    static func maskedQuery(_ url: String) -> String {
        guard url.contains("://"), let q = url.firstIndex(of: "?") else { return url }
        let end = url[q...].firstIndex(of: "#") ?? url.endIndex
        let pairs = url[url.index(after: q)..<end].split(separator: "&", omittingEmptySubsequences: false).map {
            pair -> String in
            guard let eq = pair.firstIndex(of: "="), pair.index(after: eq) != pair.endIndex else { return String(pair) }
            return pair[...eq] + mask
        }
        return String(url[...q]) + pairs.joined(separator: "&") + String(url[end...])
    }

    /// The userinfo part of `redacted`.
    static func withoutPassword(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            guard let colon = userinfo.firstIndex(of: ":") else { return url }  // a user name, no password
            return String(url[..<colon]) + ":" + mask + String(url[at...])
        }
        if hasNonNumericPort(authority), let at = rest.lastIndex(of: "@") {
            return String(url[..<schemeEnd.upperBound]) + mask + String(url[at...])
        }
        return url
    }

    /// `text` with every URL in it redacted. A URL starts with its scheme (letters, digits, `+`,
    /// `-`, `.`) before `://` and runs to white space, a quote or `<` / `>`.
    public static func scrubbed(_ text: String) -> String {
        guard text.contains("://") else { return text }
        var out = ""
        var rest = text[...]
        while let marker = rest.range(of: "://") {
            var start = marker.lowerBound
            while start > rest.startIndex, isSchemeCharacter(rest[rest.index(before: start)]) {
                start = rest.index(before: start)
            }
            let end = rest[marker.upperBound...].firstIndex(where: endsURL) ?? rest.endIndex
            out += rest[..<start]
            out += redacted(String(rest[start..<end]))
            rest = rest[end...]
        }
        return out + rest
    }

    /// Whether `url` carries a password in its userinfo (`user:pw@`).
    public static func holdsPassword(_ url: String) -> Bool { withoutPassword(url) != url }

    /// `host:port` whose port is not a (possibly empty) number; `[v6]:port` alike.
    private static func hasNonNumericPort(_ authority: Substring) -> Bool {
        var hostPort = authority
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            hostPort = hostPort[hostPort.index(after: close)...]
            guard !hostPort.isEmpty else { return false }
            guard hostPort.hasPrefix(":") else { return true }
        }
        guard let colon = hostPort.firstIndex(of: ":") else { return false }
        return !hostPort[hostPort.index(after: colon)...].allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func isSchemeCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "+" || c == "-" || c == ".")
    }

    private static func endsURL(_ c: Character) -> Bool {
        c.isWhitespace || c == "\"" || c == "'" || c == "<" || c == ">"
    }
}
