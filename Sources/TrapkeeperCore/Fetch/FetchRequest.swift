/// One source to fetch: where from, where to, and what the cached copy's validators are.
public struct FetchRequest: Sendable {
    /// The source's settings (limits, credentials, CA file); its `name` appears in every message.
    public var source: SourceConfig
    /// Already resolved: `http://…`, `https://…` or `file:///abs/path`.
    public var url: String
    /// Path the body is written to. The fetcher writes `destination + ".part"`, fsyncs it and
    /// renames it over `destination` only on success; a failed fetch never touches `destination`.
    public var destination: String
    /// The cached copy's `ETag`, sent as `If-None-Match` (only when `destination` exists).
    public var etag: String?
    /// The cached copy's `Last-Modified`, sent verbatim as `If-Modified-Since` (only when
    /// `destination` exists).
    public var lastModified: String?

    /// A request for `source`, fetching `url` into `destination`, conditional on the cached
    /// copy's `etag` / `lastModified` when given.
    public init(
        source: SourceConfig, url: String, destination: String,
        etag: String? = nil, lastModified: String? = nil
    ) {
        self.source = source
        self.url = url
        self.destination = destination
        self.etag = etag
        self.lastModified = lastModified
    }

    /// The path the body is streamed to before it is renamed over `destination`.
    public var partPath: String { destination + ".part" }
}
