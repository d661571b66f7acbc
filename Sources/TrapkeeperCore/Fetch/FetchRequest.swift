/// One source to fetch: where from, where to, and what the cached copy's validators are.
public struct FetchRequest: Sendable {
    /// The source's settings (limits, credentials, CA file); its `name` appears in every message.
    public var source: SourceConfig
    /// Already resolved: `http://…`, `https://…` or `file:///abs/path`.
    public var url: String
    /// Path the body is written to. The fetcher writes `destination + ".part"`, fsyncs it and
    /// renames it over `destination` only on success; a failed fetch never touches `destination`.
    public var destination: String
    /// The cached copy's `ETag`, sent as `If-None-Match` (only when `cachedCopy` exists).
    public var etag: String?
    /// The cached copy's `Last-Modified`, sent verbatim as `If-Modified-Since` (only when
    /// `cachedCopy` exists).
    public var lastModified: String?
    /// The copy `etag` and `lastModified` describe: `destination` itself, or a copy kept
    /// elsewhere (the nightly run fetches into a scratch file beside its last good copy). The
    /// validators are sent only when this file exists; a 304 then means it is current, and a
    /// 304 to a request sent without them is a failure.
    public var cachedCopy: String

    /// A request for `source`, fetching `url` into `destination`, conditional on the cached
    /// copy's `etag` / `lastModified` when given and `cachedCopy` (default: `destination`) exists.
    public init(
        source: SourceConfig, url: String, destination: String,
        etag: String? = nil, lastModified: String? = nil, cachedCopy: String? = nil
    ) {
        self.source = source
        self.url = url
        self.destination = destination
        self.etag = etag
        self.lastModified = lastModified
        self.cachedCopy = cachedCopy ?? destination
    }

    /// The path the body is streamed to before it is renamed over `destination`.
    public var partPath: String { destination + ".part" }
}
