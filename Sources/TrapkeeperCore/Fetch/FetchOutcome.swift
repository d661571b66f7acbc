/// What happened to one `FetchRequest`.
public struct FetchOutcome: Sendable {
    /// How a fetch ended.
    public enum Status: Sendable, Equatable {
        /// A new body was written to the destination (possibly empty: the caller decides).
        case fetched
        /// The server answered 304 to a conditional request: the request's `cachedCopy` is
        /// current; nothing was written. (A 304 to a request sent without validators is `.failed`.)
        case notModified
        /// Nothing was written to the destination; `error` says why.
        case failed
    }

    /// The `name` of the source this outcome belongs to.
    public var sourceName: String
    /// Fetched, not modified, or failed.
    public var status: Status
    /// The final HTTP status (after redirects); `nil` for `file://` or when no response arrived.
    public var httpStatus: Int?
    /// Body bytes written, after any decompression. On failure: how many were written to the
    /// (deleted) `.part` file before the fetch stopped.
    public var bytes: Int64
    /// The response's `ETag`; on `.notModified` the request's when the 304 did not repeat it.
    public var etag: String?
    /// The response's `Last-Modified` (for `file://`: the file's modification time, HTTP format);
    /// on `.notModified` the request's when the 304 did not repeat it.
    public var lastModified: String?
    /// The response's `Content-Type`, if any.
    public var contentType: String?
    /// One line naming the source and the URL and what went wrong; `nil` unless `.failed`.
    public var error: String?
    /// Wall-clock duration of this fetch.
    public var seconds: Double

    /// An outcome; everything but the source name and status defaults to empty.
    public init(
        sourceName: String, status: Status, httpStatus: Int? = nil, bytes: Int64 = 0,
        etag: String? = nil, lastModified: String? = nil, contentType: String? = nil,
        error: String? = nil, seconds: Double = 0
    ) {
        self.sourceName = sourceName
        self.status = status
        self.httpStatus = httpStatus
        self.bytes = bytes
        self.etag = etag
        self.lastModified = lastModified
        self.contentType = contentType
        self.error = error
        self.seconds = seconds
    }
}
