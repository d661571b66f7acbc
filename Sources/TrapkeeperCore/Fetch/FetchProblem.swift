/// Why a fetch failed, turned into one operator-facing line by `message(source:url:)`.
enum FetchProblem: Error, Sendable, Equatable {
    /// A final HTTP status other than 2xx / 304.
    case httpStatus(Int)
    /// A 304 although no conditional request was sent.
    case unaskedNotModified
    /// A 2xx that is an HTML page (`why` says how it was recognised).
    case htmlPage(why: String)
    /// More than `max_bytes` body bytes (after decompression).
    case tooLarge(maxBytes: Int64)
    /// The connection closed before `Content-Length` bytes arrived.
    case truncated(got: Int64, expected: Int64?)
    /// The body looked like gzip but does not inflate.
    case corruptGzip(String)
    /// The gzip body stopped in the middle of a member.
    case truncatedGzip
    /// A redirect to a scheme other than http / https.
    case refusedRedirect(to: String?, curlText: String)
    /// A `file://` URL whose file cannot be read.
    case unreadableFile(curlText: String)
    /// A credentials file (`netrc_file`, `bearer_token_file`) that cannot be used.
    case credentials(String)
    /// The `.part` file could not be created, written, synced or renamed.
    case localFile(String)
    /// A timeout or low-speed cut-off.
    case timedOut(curlText: String, timeoutSeconds: Int, lowSpeedBytes: Int, lowSpeedSeconds: Int)
    /// Anything else libcurl reports (connection refused, DNS, TLS, …), in its own words.
    case curl(String)

    /// `source 'NAME': …` — one line, naming the source and the (credential-free) URL.
    func message(source: String, url rawURL: String) -> String {
        let url = Self.redacted(rawURL)
        let text: String
        switch self {
        case .httpStatus(let code):
            text = "HTTP \(code) from \(url)\(Self.hint(forStatus: code))"
        case .unaskedNotModified:
            text =
                "HTTP 304 (not modified) from \(url), but no conditional request was sent; "
                + "the server or a proxy in between is misbehaving"
        case .htmlPage(let why):
            text =
                "\(url) served an HTML page, not a dump (\(why)); "
                + "check the url, or whether a login or error page is in the way"
        case .tooLarge(let maxBytes):
            text =
                "body from \(url) is larger than max_bytes \(maxBytes); "
                + "raise max_bytes for this source if the dump really is that big"
        case .truncated(let got, let expected):
            let of = expected.map { " of \($0)" } ?? ""
            text =
                "truncated: got \(got)\(of) bytes from \(url) before the connection closed; "
                + "try again, and check the server if it keeps happening"
        case .corruptGzip(let detail):
            text = "\(url) sent a gzip body that does not decompress (\(detail))"
        case .truncatedGzip:
            text = "\(url) sent a gzip body that ends early (truncated)"
        case .refusedRedirect(let target, let curlText):
            let to = target.map { " to \(Self.redacted($0))" } ?? ""
            text =
                "\(url) redirected\(to), which is refused: only http and https redirects are "
                + "followed (\(curlText))"
        case .unreadableFile(let curlText):
            text = "cannot read \(url): no such file, or not readable (\(curlText)); check the url"
        case .credentials(let detail):
            text = "cannot fetch \(url): \(detail)"
        case .localFile(let detail):
            text = "fetching \(url): \(detail)"
        case .timedOut(let curlText, let timeout, let lowBytes, let lowSeconds):
            text =
                "cannot fetch \(url): \(curlText) (limits: timeout_seconds \(timeout), "
                + "at least \(lowBytes) bytes/s over \(lowSeconds) s)"
        case .curl(let curlText):
            text = "cannot fetch \(url): \(curlText)"
        }
        return Self.oneLine("source '\(source)': \(text)")
    }

    private static func hint(forStatus code: Int) -> String {
        switch code {
        case 401, 403: return "; check the credentials (netrc_file / bearer_token_file) for this source"
        case 404, 410: return "; check the url"
        case 300..<400: return "; the redirect could not be followed (too many, or no Location)"
        case 500..<600: return "; the server has a problem, try again later"
        default: return ""
        }
    }

    /// Replaces any control character (newlines included) with a space.
    static func oneLine(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map {
                    $0.properties.generalCategory == .control ? " " : $0
                }))
    }

    /// `scheme://user:secret@host/…` → `scheme://user:***@host/…`, so messages never carry a password.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = url[authorityStart...].firstIndex(where: { "/?#".contains($0) }) ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userinfo = authority[authority.startIndex..<at]
        let user = userinfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        return String(url[..<authorityStart]) + user + ":***" + String(url[at...])
    }
}
