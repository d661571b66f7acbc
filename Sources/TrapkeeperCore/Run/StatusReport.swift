/// `trapkeeper status`: last runs, per-source health, list sizes. URLs and stored messages are
/// shown through `URLRedaction` (a state written by an older version may still hold a password).
public enum StatusReport {
    public static func text(workspace ws: Workspace, now: Int64) throws -> String {
        var out: [String] = []
        let traps = try ws.store.published(kind: "trap").count
        let hosts = try ws.store.published(kind: "host").count
        out.append("published: \(traps) traps, \(hosts) hosts (in \(ws.config.publishDir))")
        out.append(
            "valid list: \(ws.book.validCount) entries, \(ws.book.validInOurDomains) in our domains (\(ws.config.validAddressesFile))"
        )
        let held = try ws.store.nearMisses().filter { $0.promotedAt == nil }.count
        out.append("near-misses held: \(held) (typos of valid addresses, not traps; trapkeeper near-misses)")
        out.append("")
        out.append("sources:")
        let health = try ws.store.sourceHealth()
        for s in ws.config.sources {
            guard let h = health.first(where: { $0.name == s.name }) else {
                out.append("  \(s.name): never fetched (\(URLRedaction.redacted(s.url)))")
                continue
            }
            var line = "  \(s.name): "
            if let ok = h.lastSuccess {
                line += "last success \(TimeText.utc(ok)) (\(TimeText.duration(now - ok)) ago)"
            } else {
                line += "never succeeded"
            }
            if let at = h.lastErrorAt, at >= (h.lastSuccess ?? 0), let e = h.lastError {
                line += "; FAILING since \(TimeText.utc(at)): \(URLRedaction.scrubbed(e))"
            }
            out.append(line)
            var detail = "    "
            if let st = h.httpStatus { detail += "HTTP \(st), " }
            detail +=
                "\(h.bytes ?? 0) bytes, \(h.lines ?? 0) lines, \(h.records ?? 0) records, \(h.rejects ?? 0) rejected"
            if let e = h.etag { detail += ", ETag \(e)" }
            if let c = h.cachedAt { detail += ", cached copy from \(TimeText.utc(c))" }
            out.append(detail)
        }
        out.append("")
        out.append("last runs:")
        for r in try ws.store.runs(limit: 10) {
            var line = "  #\(r.id) \(r.command) at \(TimeText.utc(r.startedAt))"
            if let c = r.exitCode { line += " exit \(c)" } else { line += " (unfinished)" }
            if let t = r.traps, let h = r.hosts { line += ", \(t) traps, \(h) hosts" }
            if let m = r.message {
                line += ": " + URLRedaction.scrubbed(m.split(separator: "\n").first.map(String.init) ?? "")
            }
            out.append(line)
        }
        return out.joined(separator: "\n") + "\n"
    }
}
