extension StatusReport {
    /// `trapkeeper status --format json`: the facts of `text`, as one JSON object (`JSONText`).
    ///
    /// Keys: `published` {`traps`, `hosts`, `publish_dir`}; `valid_list` {`entries`, `file`};
    /// `sources`, one per configured source in config order: {`name`, `url` (redacted),
    /// `state` ("ok", "failing", "never_succeeded", "never_fetched"), `last_attempt`,
    /// `last_success`, `failing_since`, `last_error`, `http_status`, `bytes`, `lines`,
    /// `records`, `rejected`, `etag`, `cached_at`}; `runs`, the last 10, newest first: {`id`,
    /// `command`, `started_at`, `now`, `finished_at`, `exit_code`, `traps`, `hosts`, `message`}.
    /// Times are epoch seconds; a value not known is null.
    public static func json(workspace ws: Workspace, now: Int64) throws -> String {
        let health = try ws.store.sourceHealth()
        let sources: [[String: Any?]] = ws.config.sources.map { s in
            guard let h = health.first(where: { $0.name == s.name }) else {
                return [
                    "name": s.name, "url": URLRedaction.redacted(s.url), "state": "never_fetched",
                    "last_attempt": nil, "last_success": nil, "failing_since": nil, "last_error": nil,
                    "http_status": nil, "bytes": nil, "lines": nil, "records": nil, "rejected": nil, "etag": nil,
                    "cached_at": nil,
                ]
            }
            // As the text says it: failing when the last error is not older than the last success.
            var failingSince: Int64?
            if let at = h.lastErrorAt, at >= (h.lastSuccess ?? 0), h.lastError != nil { failingSince = at }
            let state = failingSince != nil ? "failing" : (h.lastSuccess != nil ? "ok" : "never_succeeded")
            return [
                "name": s.name, "url": URLRedaction.redacted(h.url), "state": state, "last_attempt": h.lastAttempt,
                "last_success": h.lastSuccess, "failing_since": failingSince,
                "last_error": failingSince != nil ? h.lastError.map(URLRedaction.scrubbed) : nil,
                "http_status": h.httpStatus, "bytes": h.bytes, "lines": h.lines, "records": h.records,
                "rejected": h.rejects, "etag": h.etag, "cached_at": h.cachedAt,
            ]
        }
        let runs: [[String: Any?]] = try ws.store.runs(limit: 10).map { r in
            [
                "id": r.id, "command": r.command, "started_at": r.startedAt, "now": r.now, "finished_at": r.finishedAt,
                "exit_code": r.exitCode, "traps": r.traps, "hosts": r.hosts,
                "message": r.message.map(URLRedaction.scrubbed),
            ]
        }
        return JSONText.render([
            "published": [
                "traps": try ws.store.published(kind: "trap").count,
                "hosts": try ws.store.published(kind: "host").count, "publish_dir": ws.config.publishDir,
            ] as [String: Any?],
            "valid_list": ["entries": ws.book.validCount, "file": ws.config.validAddressesFile] as [String: Any?],
            "sources": sources,
            "runs": runs,
        ])
    }
}
