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
    /// The gzip body (a `.gz` file, or `Content-Encoding: gzip`) stopped in the middle of a member.
    case truncatedGzip
    /// An http(s) body whose last byte is not a newline: its last line was cut short (`bytes`
    /// written in all). A body that ends when the connection closes looks complete whenever it
    /// is cut, so the missing newline is the only sign; `spamdb` and syslog always end a line.
    case cutMidLine(bytes: Int64)
    /// A `Content-Encoding` other than gzip (only gzip is asked for).
    case unsupportedEncoding(String)
    /// A redirect to a scheme other than http / https.
    case refusedRedirect(to: String?, curlText: String)
    /// A `file://` URL whose file cannot be read.
    case unreadableFile(curlText: String)
    /// A credentials or CA file (`netrc`, `bearer_token_file`, `ca_file`) that cannot be used.
    case credentials(String)
    /// The `.part` file could not be created, written, synced or renamed.
    case localFile(String)
    /// A timeout or low-speed cut-off.
    case timedOut(curlText: String, timeoutSeconds: Int, lowSpeedBytes: Int, lowSpeedSeconds: Int)
    /// Anything else libcurl reports (connection refused, DNS, TLS, …), in its own words.
    case curl(String)

    /// `source 'NAME': …` — one line, naming the source and the URL, with every URL in it
    /// passed through `URLRedaction.scrubbed` (no password, whatever libcurl wrote).
    func message(source: String, url: String) -> String {
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
        case .cutMidLine(let bytes):
            text =
                "the body from \(url) ends in the middle of a line (\(bytes) bytes, no final newline): cut "
                + "short on the way, or the dump was rewritten while it was served; try again, and check the "
                + "server if it keeps happening"
        case .unsupportedEncoding(let encoding):
            text =
                "\(url) sent Content-Encoding \(encoding), which trapkeeper does not decode (it asks for gzip "
                + "only); check the server's compression settings"
        case .refusedRedirect(let target, let curlText):
            let to = target.map { " to \(URLRedaction.redacted($0))" } ?? ""
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
                + "low_speed_bytes_per_second \(lowBytes) over low_speed_seconds \(lowSeconds))"
        case .curl(let curlText):
            text = "cannot fetch \(url): \(curlText)"
        }
        return Self.oneLine(URLRedaction.scrubbed("source '\(source)': \(text)"))
    }

    private static func hint(forStatus code: Int) -> String {
        switch code {
        case 401, 403: return "; check the credentials (netrc / bearer_token_file) for this source"
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
}
