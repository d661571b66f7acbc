import Foundation

/// The nightly job: fetch every source (concurrently), judge what came back, fall back to a
/// source's last good copy when the fetch failed, classify, publish.
///
/// Exit status: 0 all good; 3 something failed but lists were published from the rest (or, when
/// every source failed, left exactly as they were); 4 a guard refused; 75 locked.
public enum NightlyRun {
    /// A fetched body in which more than this share of the lines are not records at all is not a
    /// dump. Only structural rejects count (unknown kind, bad IP, bad time fields): records whose
    /// helo, sender or recipient — bytes any SMTP client chooses — cannot be read count as dump
    /// lines, so no sender can switch a source off by flooding it with unreadable tuples.
    public static let maxRejectShare = 0.5

    struct SourceResult {
        var input: ClassifyInput?
        var fresh: Bool
        var failed: Bool
        /// A fetched body, parsed once to judge it, kept for classification.
        var parsed: (harvest: Harvest, report: ParseReport)? = nil
    }

    static func cacheDir(_ ws: Workspace) -> String { ws.config.cacheDirectory }

    /// Creates the cache folder readable by its owner only (the dumps hold our correspondents'
    /// addresses), and takes group and other access away from one made by an earlier release.
    static func makePrivateCache(_ dir: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw JobFailure(.cannotRun, "cannot create the fetch cache \(dir): \(error.localizedDescription)")
        }
        guard chmod(dir, 0o700) == 0 else {
            throw JobFailure(
                .cannotRun, "cannot make the fetch cache \(dir) private: \(String(cString: strerror(errno)))")
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            _ = chmod((dir as NSString).appendingPathComponent(name), 0o600)
        }
    }

    /// Fetches and judges every source; promotes good bodies to the cache; records health.
    static func collect(
        workspace ws: Workspace, now: Int64, dryRun: Bool, reporter: Reporter
    ) throws -> [String: SourceResult] {
        let dir = cacheDir(ws)
        try makePrivateCache(dir)
        var requests: [FetchRequest] = []
        var health: [String: SourceHealth] = [:]
        for s in ws.config.sources {
            let url = s.resolvedURL(baseDirectory: ws.config.baseDirectory)
            let shown = URLRedaction.redacted(url)
            let h = try ws.store.sourceHealth(name: s.name) ?? SourceHealth(name: s.name, url: shown)
            health[s.name] = h
            // The validators describe the last good copy, so they go with it: sent only when it
            // exists (the fetcher checks) and was fetched from this same URL.
            let sameURL = h.url == shown
            requests.append(
                FetchRequest(
                    source: s, url: url, destination: (dir as NSString).appendingPathComponent("\(s.name).incoming"),
                    etag: sameURL ? h.etag : nil, lastModified: sameURL ? h.lastModified : nil,
                    cachedCopy: (dir as NSString).appendingPathComponent("\(s.name).dump")))
        }
        let outcomes = Fetcher.fetchAll(requests)
        var results: [String: SourceResult] = [:]
        for (req, out) in zip(requests, outcomes) {
            let s = req.source
            let shownURL = URLRedaction.redacted(req.url)
            var h = health[s.name]!
            h.url = shownURL
            h.lastAttempt = now
            h.httpStatus = out.httpStatus
            let good = (dir as NSString).appendingPathComponent("\(s.name).dump")
            var problem: String? = out.error
            switch out.status {
            case .fetched:
                // Parsed once: the same harvest serves the judgement and the classification.
                let kept = dryRun ? req.destination : good
                let harvest = Harvest(classifier: ws.classifier, now: now, keepsPairs: !dryRun)
                let report = try? ClassifyJob.parseInput(
                    ClassifyInput(source: s.name, path: req.destination, format: s.format, name: kept), into: harvest,
                    workspace: ws, now: now)
                if let why = judge(report, bytes: out.bytes, previous: h) {
                    problem = "source '\(s.name)': \(why) (\(shownURL))"
                    try? FileManager.default.removeItem(atPath: req.destination)
                } else {
                    if !dryRun {
                        _ = try? FileManager.default.removeItem(atPath: good)
                        try FileManager.default.moveItem(atPath: req.destination, toPath: good)
                        _ = chmod(good, 0o600)
                    }
                    h.etag = out.etag
                    h.lastModified = out.lastModified
                    h.cachedAt = now
                    h.cachePath = good
                    h.bytes = out.bytes
                    h.lines = report?.lines
                    h.records = report?.records
                    h.rejects = report?.rejected
                    h.lastSuccess = now
                    results[s.name] = SourceResult(
                        input: ClassifyInput(source: s.name, path: kept, format: s.format), fresh: true, failed: false,
                        parsed: report.map { (harvest, $0) })
                    reporter.progress(
                        "source '\(s.name)': \(out.bytes) bytes from \(shownURL) in \(String(format: "%.1f", out.seconds)) s"
                    )
                }
            case .notModified:
                // The fetcher sent validators only because the good copy existed; it answers
                // for that copy, so the copy is confirmed current, validators and counts kept.
                guard FileManager.default.fileExists(atPath: good) else {
                    problem = "source '\(s.name)': HTTP 304 (not modified), but the cached copy \(good) is gone"
                    break
                }
                h.etag = out.etag ?? h.etag
                h.lastModified = out.lastModified ?? h.lastModified
                h.cachedAt = now
                h.lastSuccess = now
                results[s.name] = SourceResult(
                    input: ClassifyInput(source: s.name, path: good, format: s.format), fresh: true, failed: false)
                reporter.progress("source '\(s.name)': not modified since the cached copy (\(shownURL))")
            case .failed:
                break
            }
            if let problem {
                h.lastError = problem
                h.lastErrorAt = now
                let maxAge = Int64(s.maxStaleHours) * 3600
                if let cached = h.cachedAt, now - cached <= maxAge, FileManager.default.fileExists(atPath: good) {
                    reporter.warn(
                        "\(problem); using the copy from \(TimeText.utc(cached)) (\(TimeText.duration(now - cached)) old)"
                    )
                    results[s.name] = SourceResult(
                        input: ClassifyInput(source: s.name, path: good, format: s.format), fresh: false, failed: true)
                } else {
                    let why =
                        h.cachedAt.map {
                            "the last good copy from \(TimeText.utc($0)) is older than max_stale_hours (\(s.maxStaleHours))"
                        } ?? "no earlier copy"
                    reporter.warn("\(problem); \(why): left out of this run")
                    results[s.name] = SourceResult(input: nil, fresh: false, failed: true)
                }
            }
            if !dryRun { try ws.store.saveSourceHealth(h) }
        }
        return results
    }

    /// Why a fetched body is not a usable dump or log, or nil when it is.
    static func judge(_ report: ParseReport?, bytes: Int64, previous: SourceHealth) -> String? {
        guard let r = report else { return "the fetched copy cannot be read" }
        if r.looksLikeHTML { return "served an HTML page, not a dump or log" }
        if bytes == 0 || r.lines == r.ignored && r.records == 0 && r.rejected == 0 {
            if let b = previous.bytes, b > 0 { return "empty body, but the last good copy had \(b) bytes" }
            return nil
        }
        let judged = r.records + r.rejected
        let structural = r.structurallyRejected
        if judged > 0 && Double(structural) / Double(judged) > maxRejectShare {
            let first = r.firstRejects.first.map { " (line \($0.line): \($0.reason))" } ?? ""
            return
                "\(structural) of \(judged) lines are not records: not a \(r.format == .spamdLog ? "spamd log" : "spamdb dump")\(first)"
        }
        return nil
    }

    /// `trapkeeper collect`: fetch into the cache only.
    public static func collectOnly(workspace ws: Workspace, now: Int64, reporter: Reporter) throws -> ExitStatus {
        let lock = try RunLock(statePath: ws.config.statePath)
        defer { withExtendedLifetime(lock) {} }
        let results = try collect(workspace: ws, now: now, dryRun: false, reporter: reporter)
        return results.values.contains { $0.failed } ? .partial : .ok
    }

    /// `trapkeeper run`.
    public static func run(
        workspace ws: Workspace, now: Int64, dryRun: Bool, force: Bool, reporter: Reporter
    ) throws -> ExitStatus {
        let lock = try RunLock(statePath: ws.config.statePath)
        defer { withExtendedLifetime(lock) {} }
        guard !ws.config.sources.isEmpty else {
            throw JobFailure(.cannotRun, "config error: \(ws.config.file): no [[sources]] to fetch")
        }
        let runID = try ws.store.beginRun(command: dryRun ? "run --dry-run" : "run", now: now)
        do {
            try ws.checkValidListSize(runID: runID)
            let results = try collect(workspace: ws, now: now, dryRun: dryRun, reporter: reporter)
            let failed = ws.config.sources.filter { results[$0.name]?.failed ?? true }.map(\.name)
            if failed.count == ws.config.sources.count {
                let msg = "every source failed: nothing published, the published lists stay exactly as they were"
                reporter.warn(msg)
                try ws.store.finishRun(id: runID, exitCode: 3, traps: nil, hosts: nil, validCount: nil, message: msg)
                return .partial
            }
            let inputs = ws.config.sources.compactMap { results[$0.name]?.input }
            var preparsed: [String: (harvest: Harvest, report: ParseReport)] = [:]
            for (name, r) in results { if let p = r.parsed { preparsed[name] = p } }
            _ = try ClassifyJob.run(
                inputs, workspace: ws, now: now, dryRun: dryRun, reporter: reporter, preparsed: preparsed)
            // An outage never makes a host vanish: while a source is down — with or without a
            // last good copy standing in, whose hits only grow older — every host published last
            // time stays published (unless delisted or never-block).
            let o = try PublishJob.run(
                workspace: ws, now: now, force: force, keepPreviousHosts: !failed.isEmpty, dryRun: dryRun,
                reporter: reporter)
            let status: ExitStatus = failed.isEmpty ? .ok : .partial
            let msg = failed.isEmpty ? nil : "failed sources: \(failed.joined(separator: ", "))"
            if !dryRun {
                try ws.store.finishRun(
                    id: runID, exitCode: Int(status.rawValue), traps: o.plan.traps.count, hosts: o.plan.hosts.count,
                    validCount: nil, message: msg)
            }
            reporter.progress(
                "published \(o.plan.traps.count) traps, \(o.plan.hosts.count) hosts in \(o.plan.blocks.count) blocks\(dryRun ? " (dry run: nothing written)" : "")"
            )
            return status
        } catch let f as JobFailure {
            try? ws.store.finishRun(
                id: runID, exitCode: Int(f.status.rawValue), traps: nil, hosts: nil, validCount: nil, message: f.message
            )
            throw f
        }
    }
}
