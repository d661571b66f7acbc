import Foundation

/// What format a source's body is in.
public enum SourceFormat: String, Sendable, CaseIterable {
    case spamdb
    case spamdLog = "spamd-log"
    case auto
}

/// One `[[sources]]` entry: where a firewall's greylist dump or spamd log is fetched from.
public struct SourceConfig: Sendable, Equatable {
    /// Unique, `[A-Za-z0-9._-]+`; used in messages, the cache file name and the state.
    public var name: String
    /// As written in the config: `http(s)://…`, `file:///abs/path`, or a path.
    public var url: String
    public var format: SourceFormat
    /// Whole transfer limit.
    public var timeoutSeconds: Int
    /// A transfer slower than `lowSpeedBytesPerSecond` for `lowSpeedSeconds` is cut off.
    public var lowSpeedBytesPerSecond: Int
    public var lowSpeedSeconds: Int
    /// A body larger than this (after decompression) is a failure of the source.
    public var maxBytes: Int64
    /// How old the last good copy may be and still stand in for a failed fetch.
    public var maxStaleHours: Int
    /// A netrc file with the credentials for this source's host (absolute path).
    public var netrcFile: String?
    /// A file whose first line is a bearer token (absolute path).
    public var bearerTokenFile: String?
    /// CA bundle to verify the server's certificate with (absolute path).
    public var caFile: String?
    /// Line of the `[[sources]]` header in the config file (for messages).
    public var configLine: Int?

    public static let defaultTimeoutSeconds = 300
    public static let defaultLowSpeedBytesPerSecond = 1024
    public static let defaultLowSpeedSeconds = 30
    public static let defaultMaxBytes: Int64 = 2 * 1024 * 1024 * 1024
    public static let defaultMaxStaleHours = 48

    public init(
        name: String, url: String, format: SourceFormat = .auto,
        timeoutSeconds: Int = SourceConfig.defaultTimeoutSeconds,
        lowSpeedBytesPerSecond: Int = SourceConfig.defaultLowSpeedBytesPerSecond,
        lowSpeedSeconds: Int = SourceConfig.defaultLowSpeedSeconds,
        maxBytes: Int64 = SourceConfig.defaultMaxBytes,
        maxStaleHours: Int = SourceConfig.defaultMaxStaleHours,
        netrcFile: String? = nil, bearerTokenFile: String? = nil, caFile: String? = nil,
        configLine: Int? = nil
    ) {
        self.name = name
        self.url = url
        self.format = format
        self.timeoutSeconds = timeoutSeconds
        self.lowSpeedBytesPerSecond = lowSpeedBytesPerSecond
        self.lowSpeedSeconds = lowSpeedSeconds
        self.maxBytes = maxBytes
        self.maxStaleHours = maxStaleHours
        self.netrcFile = netrcFile
        self.bearerTokenFile = bearerTokenFile
        self.caFile = caFile
        self.configLine = configLine
    }

    /// The URL libcurl fetches: http(s) and file URLs as given; a plain path resolved against
    /// `baseDirectory` and turned into a `file://` URL.
    public func resolvedURL(baseDirectory: String) -> String {
        if url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("file://") {
            return url
        }
        let path = url.hasPrefix("/") ? url : (baseDirectory as NSString).appendingPathComponent(url)
        return URL(fileURLWithPath: (path as NSString).standardizingPath).absoluteString
    }
}
