import Foundation

extension Config {
    /// The folders that hold private data, with what they hold: the state (every address of our
    /// domains ever seen, real users included), the fetch cache (raw dumps: our correspondents'
    /// addresses), the config, the operator's lists and the credentials files.
    public var privateFolders: [(folder: String, holds: String)] {
        func folder(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
        var out: [(String, String)] = [
            (folder(statePath), "the state \((statePath as NSString).lastPathComponent)"),
            (cacheDirectory, "the fetch cache (raw dumps)"),
            (baseDirectory, "the config \((file as NSString).lastPathComponent)"),
            (folder(validAddressesFile), "the valid-address list"),
        ]
        if let p = protectedFile { out.append((folder(p), "the protected list")) }
        for s in sources {
            if let p = s.netrcFile { out.append((folder(p), "the netrc file of source '\(s.name)'")) }
            if let p = s.bearerTokenFile { out.append((folder(p), "the bearer token of source '\(s.name)'")) }
        }
        return out
    }

    /// Where fetched bodies are kept: `cache/` beside the state.
    public var cacheDirectory: String {
        ((statePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("cache")
    }

    /// Refuses a `publish_dir` through which a web server would serve private data: one that is,
    /// or contains, a folder of `privateFolders`, or that lies inside the cache (which only its
    /// owner may read). Paths are compared after resolving symbolic links.
    ///
    /// `publish_dir` may lie inside the config's or the state's folder (the spec's own defaults put
    /// `publish/` beside `state.sqlite`): the web server serves `publish_dir` and what is below
    /// it, never its parent.
    public func checkPublishDirIsPublic(line: Int? = nil) throws {
        let publish = Config.canonical(publishDir)
        for (folder, holds) in privateFolders {
            let f = Config.canonical(folder)
            if Config.isSameOrInside(f, publish) {
                let relation = f == publish ? "is the folder of" : "contains the folder of"
                throw ConfigError(
                    file: file, line: line,
                    "publish_dir \(publishDir) \(relation) \(holds) (\(folder)): everything in it would be on the web site. Give publish_dir a folder of its own"
                )
            }
        }
        let cache = Config.canonical(cacheDirectory)
        if Config.isSameOrInside(publish, cache) {
            throw ConfigError(
                file: file, line: line,
                "publish_dir \(publishDir) lies inside the fetch cache \(cacheDirectory), which only its owner may read. Give publish_dir a folder of its own"
            )
        }
    }

    /// Refuses a `metrics_file` inside `publish_dir`: the web server would show the world which
    /// source is down and since when — when the lists stop moving — and the source names. The
    /// numbers are for the monitoring (node_exporter's textfile collector reads its own folder).
    public func checkMetricsFileIsPrivate(line: Int? = nil) throws {
        guard let metricsFile else { return }
        if Config.isSameOrInside(Config.canonical(metricsFile), Config.canonical(publishDir)) {
            throw ConfigError(
                file: file, line: line,
                "metrics_file \(metricsFile) lies inside publish_dir \(publishDir): the web site would show which source is down and since when. Put it where the monitoring reads it, e.g. /var/lib/prometheus/node-exporter/trapkeeper.prom"
            )
        }
    }

    /// `inner` is `outer` or lies below it (both canonical).
    static func isSameOrInside(_ inner: String, _ outer: String) -> Bool {
        inner == outer || outer == "/" || inner.hasPrefix(outer + "/")
    }

    /// An absolute path with symbolic links resolved as far as the path exists, and `.`/`..`
    /// removed from the rest.
    static func canonical(_ path: String) -> String {
        var existing = (path as NSString).standardizingPath
        var rest: [String] = []
        while !existing.isEmpty && existing != "/" && !FileManager.default.fileExists(atPath: existing) {
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        var resolved = existing
        if let r = realpath(existing, nil) {
            resolved = String(cString: r)
            free(r)
        }
        for part in rest { resolved = (resolved as NSString).appendingPathComponent(part) }
        return (resolved as NSString).standardizingPath
    }
}
