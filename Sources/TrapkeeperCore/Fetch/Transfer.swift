import CCurl
import Foundation

/// One request's libcurl easy handle, with its callbacks and the `BodySink` it streams into.
///
/// Lifecycle (driven by `Fetcher`): `init`, `configure()`, add `handle` to a multi handle,
/// remove it when done, then `complete(_:)`. Not thread-safe: one thread drives it.
final class Transfer {
    let request: FetchRequest
    /// The curl easy handle (`CURL *`); `nil` only if libcurl could not allocate one.
    let handle: UnsafeMutableRawPointer?
    private let sink: BodySink
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let isHTTP: Bool
    /// Whether `If-None-Match` / `If-Modified-Since` were sent.
    private var conditional = false
    private var checkedResponse = false
    private var problem: FetchProblem?
    private var responseETag: String?
    private var responseLastModified: String?
    private var responseContentEncoding: String?
    private let started = ContinuousClock.now

    static let userAgent = "trapkeeper/0.1"

    init(_ request: FetchRequest) {
        self.request = request
        self.handle = curl_easy_init()
        let lower = request.url.lowercased()
        self.isHTTP = lower.hasPrefix("http://") || lower.hasPrefix("https://")
        // A body that ends when the connection closes looks whole however it is cut: over the
        // network a last line without its newline is refused. A local file is read as it is.
        self.sink = BodySink(
            destination: request.destination, maxBytes: request.source.maxBytes, requiresFinalNewline: isHTTP)
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let handle { curl_easy_cleanup(handle) }
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    // MARK: - setup

    /// Sets every curl option, reads the credentials and opens the `.part` file.
    func configure() throws(FetchProblem) {
        guard let handle else { throw .curl("libcurl could not create a transfer handle") }
        let source = request.source

        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https,file")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 1)
        try set(CURLOPT_MAXREDIRS, 5)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_USERAGENT, Self.userAgent)
        // Only gzip is asked for, and the sink undoes it rather than libcurl: libcurl takes a
        // gzip stream cut short at a connection close for a whole one.
        try set(CURLOPT_HTTP_CONTENT_DECODING, 0)
        if isHTTP { append(header: "Accept-Encoding: gzip") }
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_FILETIME, 1)
        if source.timeoutSeconds > 0 { try set(CURLOPT_TIMEOUT, source.timeoutSeconds) }
        if source.lowSpeedBytesPerSecond > 0 && source.lowSpeedSeconds > 0 {
            try set(CURLOPT_LOW_SPEED_LIMIT, source.lowSpeedBytesPerSecond)
            try set(CURLOPT_LOW_SPEED_TIME, source.lowSpeedSeconds)
        }
        if let caFile = source.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw .credentials("cannot read ca_file \(caFile); check the path and its permissions")
            }
            try set(CURLOPT_CAINFO, caFile)
        }
        if let netrcFile = source.netrcFile {
            guard FileManager.default.isReadableFile(atPath: netrcFile) else {
                throw .credentials(
                    "cannot read the netrc file \(netrcFile) named by netrc; check the path and its permissions")
            }
            try set(CURLOPT_NETRC_FILE, netrcFile)
            try set(CURLOPT_NETRC, Int(CURL_NETRC_REQUIRED.rawValue))
        }
        if let tokenFile = source.bearerTokenFile {
            let token = try Self.readToken(tokenFile)
            try set(CURLOPT_HTTPAUTH, Int(tk_curlauth_bearer()))
            try set(CURLOPT_XOAUTH2_BEARER, token)
        }

        if FileManager.default.fileExists(atPath: request.cachedCopy) {
            if let etag = request.etag, !etag.isEmpty {
                append(header: "If-None-Match: \(etag)")
                conditional = true
            }
            if let lastModified = request.lastModified, !lastModified.isEmpty {
                append(header: "If-Modified-Since: \(lastModified)")
                conditional = true
            }
        }
        if let headerList { try check(tk_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)) }

        try check(tk_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(
            tk_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, me in
                guard let me else { return 0 }
                let transfer = Unmanaged<Transfer>.fromOpaque(me).takeUnretainedValue()
                return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            })
        try check(tk_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me))
        try check(
            tk_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, me in
                guard let me else { return 0 }
                let transfer = Unmanaged<Transfer>.fromOpaque(me).takeUnretainedValue()
                transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
                return size * count
            })
        try check(tk_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me))

        if let problem = sink.open() { throw problem }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(FetchProblem) {
        try check(tk_easy_setopt_long(handle, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws(FetchProblem) {
        try check(tk_easy_setopt_string(handle, option, value))
    }

    private func check(_ code: CURLcode) throws(FetchProblem) {
        if code != CURLE_OK {
            throw .curl("libcurl refused an option: \(String(cString: curl_easy_strerror(code)))")
        }
    }

    private func append(header: String) {
        headerList = curl_slist_append(headerList, header)
    }

    /// The token on the first line of `path`, read like the operator's list files
    /// (`OperatorListFile.lines`: LF, CRLF or CR line ends, a BOM skipped, spaces and tabs around
    /// trimmed). A token that could not go in an HTTP header as written (a space, a control byte,
    /// a byte outside ASCII) is refused: libcurl would send it as is.
    private static func readToken(_ path: String) throws(FetchProblem) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .credentials("cannot read bearer_token_file \(path); check the path and its permissions")
        }
        let token = OperatorListFile.trimmed(OperatorListFile.lines([UInt8](data)).first?.bytes ?? [])
        if token.isEmpty {
            throw .credentials("bearer_token_file \(path) is empty; put the token on its first line")
        }
        if let bad = token.first(where: { $0 <= 0x20 || $0 >= 0x7F }) {
            let what =
                bad == 0x20 ? "a space" : bad < 0x20 || bad == 0x7F ? "a control byte" : "a byte outside ASCII"
            throw .credentials(
                "bearer_token_file \(path): the token on its first line holds \(what) (0x\(String(bad, radix: 16, uppercase: true))), which cannot go in an HTTP header"
            )
        }
        return String(decoding: token, as: UTF8.self)
    }

    // MARK: - callbacks

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        if problem != nil { return 0 }
        if !checkedResponse {
            checkedResponse = true
            problem = checkResponse()
            if problem != nil { return 0 }
        }
        if let failure = sink.consume(bytes) {
            problem = failure
            return 0
        }
        return bytes.count
    }

    /// A final response that must not be written: not 2xx, declared HTML, or in a content
    /// encoding other than gzip. A gzip one is handed to the sink to undo.
    private func checkResponse() -> FetchProblem? {
        guard isHTTP else { return nil }
        let code = responseCode
        if !(200..<300).contains(code) { return .httpStatus(code) }
        if let type = contentType, Self.isHTMLType(type) { return .htmlPage(why: "Content-Type \(type)") }
        switch responseContentEncoding?.lowercased() {
        case nil, "", "identity": return nil
        case "gzip", "x-gzip": return sink.decodeContentEncoding()
        case let other?: return .unsupportedEncoding(other)
        }
    }

    private func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {  // a new response (redirect, 100 Continue): forget the old one
            responseETag = nil
            responseLastModified = nil
            responseContentEncoding = nil
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        switch name {
        case "etag": responseETag = value
        case "last-modified": responseLastModified = value
        case "content-encoding": responseContentEncoding = value
        default: break
        }
    }

    // MARK: - completion

    /// The outcome, once curl finished with `code` (and the handle left the multi handle).
    /// Renames the `.part` file on success, deletes it otherwise.
    func complete(_ code: CURLcode) -> FetchOutcome {
        let status = isHTTP && responseCode > 0 ? responseCode : nil
        var outcome = FetchOutcome(
            sourceName: request.source.name, status: .failed, httpStatus: status,
            bytes: sink.bytesWritten, etag: responseETag,
            lastModified: responseLastModified ?? fileTime, contentType: contentType)

        if code == CURLE_OK, problem == nil, status == 304 {
            sink.discard()
            if conditional {
                outcome.status = .notModified
                outcome.etag = responseETag ?? request.etag
                outcome.lastModified = responseLastModified ?? request.lastModified
            } else {
                outcome.error = FetchProblem.unaskedNotModified.message(source: request.source.name, url: request.url)
            }
            outcome.seconds = elapsed
            return outcome
        }

        if let failure = failure(for: code) ?? sink.finish() ?? sink.commit() {
            sink.discard()
            outcome.bytes = sink.bytesWritten
            outcome.error = failure.message(source: request.source.name, url: request.url)
        } else {
            outcome.status = .fetched
            outcome.bytes = sink.bytesWritten
        }
        outcome.seconds = elapsed
        return outcome
    }

    private func failure(for code: CURLcode) -> FetchProblem? {
        if let problem { return problem }
        switch code {
        case CURLE_OK:
            if !checkedResponse {  // no body at all: check the status and type now
                checkedResponse = true
                return checkResponse()
            }
            return nil
        case CURLE_PARTIAL_FILE:
            let expected = offInfo(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T)
            return .truncated(got: offInfo(CURLINFO_SIZE_DOWNLOAD_T), expected: expected >= 0 ? expected : nil)
        case CURLE_UNSUPPORTED_PROTOCOL where isHTTP && effectiveURL != request.url:
            return .refusedRedirect(to: effectiveURL, curlText: curlText(code))
        case CURLE_TOO_MANY_REDIRECTS:
            return .curl(curlText(code) + "; the server keeps redirecting, check the url")
        case CURLE_FILE_COULDNT_READ_FILE:
            return .unreadableFile(curlText: curlText(code))
        case CURLE_OPERATION_TIMEDOUT:
            let source = request.source
            return .timedOut(
                curlText: curlText(code), timeoutSeconds: source.timeoutSeconds,
                lowSpeedBytes: source.lowSpeedBytesPerSecond, lowSpeedSeconds: source.lowSpeedSeconds)
        default:
            return .curl(curlText(code))
        }
    }

    /// The outcome of a request that failed before curl started.
    static func failed(_ request: FetchRequest, _ problem: FetchProblem, seconds: Double = 0) -> FetchOutcome {
        FetchOutcome(
            sourceName: request.source.name, status: .failed,
            error: problem.message(source: request.source.name, url: request.url), seconds: seconds)
    }

    /// Deletes the `.part` file of a transfer that will not complete.
    func abandon() { sink.discard() }

    var elapsed: Double {
        let duration = started.duration(to: .now)
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: - curl info

    private var responseCode: Int {
        var code = 0
        _ = tk_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    private var contentType: String? { stringInfo(CURLINFO_CONTENT_TYPE) }

    private var effectiveURL: String? { stringInfo(CURLINFO_EFFECTIVE_URL) }

    /// For `file://`: the file's modification time as an HTTP date.
    private var fileTime: String? {
        guard !isHTTP else { return nil }
        let time = offInfo(CURLINFO_FILETIME_T)
        guard time >= 0 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(time)))
    }

    private func stringInfo(_ info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard tk_easy_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    private func offInfo(_ info: CURLINFO) -> Int64 {
        var value: curl_off_t = -1
        guard tk_easy_getinfo_off_t(handle, info, &value) == CURLE_OK else { return -1 }
        return Int64(value)
    }

    private func curlText(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    private static func isHTMLType(_ type: String) -> Bool {
        let lower = type.lowercased().trimmingCharacters(in: .whitespaces)
        return lower.hasPrefix("text/html") || lower.hasPrefix("application/xhtml+xml")
    }
}
