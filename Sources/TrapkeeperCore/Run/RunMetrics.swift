import Foundation

/// The numbers for monitoring: `metrics_file`, in the Prometheus text exposition format, for
/// node_exporter's textfile collector. Written atomically (`AtomicFile`) after every command
/// that publishes (`run`, `publish`, `delist`, `relist`; not their dry runs), whatever its
/// outcome: the file always describes the last such command.
///
/// Everything but the run's own numbers (exit code, start, duration) is read from the state
/// after the command, so it stays true when the command failed or was refused: the trap and
/// host numbers are those of the lists on disk (the state records what was last published; a
/// refused or failed publish leaves the old lists, and the old record), the source numbers
/// those of each source's last fetch and last good copy. When the state cannot be opened only
/// the run's numbers are written. Names follow the Prometheus conventions: the `trapkeeper_`
/// prefix, base units (`_seconds`, `_bytes`), every metric a gauge (none is a counter, so none
/// ends in `_total`).
public enum RunMetrics {
    /// The command the file describes.
    public struct Run: Sendable {
        public var exitCode: ExitStatus
        public var started: Date
        public var finished: Date

        public init(exitCode: ExitStatus, started: Date, finished: Date) {
            self.exitCode = exitCode
            self.started = started
            self.finished = finished
        }
    }

    /// The metrics text: the run's numbers, then the state's (unless `workspace` is nil: the
    /// state could not be opened). A state that cannot be read throws.
    public static func render(run: Run, workspace ws: Workspace?) throws -> String {
        var out = runText(run)
        if let ws { out += try stateText(ws) }
        return out
    }

    /// One gauge family: HELP, TYPE and its samples (nothing when there are none).
    static func family(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) -> String {
        guard !samples.isEmpty else { return "" }
        var out = "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
        for s in samples { out += "\(name)\(s.labels) \(s.value)\n" }
        return out
    }

    static func runText(_ run: Run) -> String {
        func seconds(_ d: Double) -> String { String(format: "%.3f", d) }
        return family(
            "trapkeeper_run_exit_code",
            "Exit status of the last run, publish, delist or relist (0 ok, 1 could not run, 3 some sources failed, 4 a guard refused).",
            [("", String(run.exitCode.rawValue))])
            + family(
                "trapkeeper_run_start_timestamp_seconds", "When that command started (Unix time).",
                [("", seconds(run.started.timeIntervalSince1970))])
            + family(
                "trapkeeper_run_duration_seconds", "How long that command took.",
                [("", seconds(max(0, run.finished.timeIntervalSince(run.started))))])
    }

    static func stateText(_ ws: Workspace) throws -> String {
        var out = ""
        func one(_ name: String, _ help: String, _ value: String) { out += family(name, help, [("", value)]) }
        let store = ws.store
        if let t = try store.lastPublishFinishedAt() {
            one(
                "trapkeeper_last_publish_timestamp_seconds", "When the lists were last published (Unix time).",
                String(t))
        }
        one(
            "trapkeeper_traps", "Trap addresses in the published spamtraps.txt.",
            String(try store.publishedCount(kind: "trap")))
        let hosts = try store.published(kind: "host").compactMap { IPAddress($0) }.sorted()
        let blocks = CIDRAggregator.aggregate(hosts)
        var covered: UInt64 = 0
        for b in blocks { covered = covered.addingReportingOverflow(HostListWriter.addressCount(b)).partialValue }
        one("trapkeeper_exported_hosts", "Hosts on the published traplist.", String(hosts.count))
        one(
            "trapkeeper_exported_entries", "Entries (addresses and CIDR blocks) of the published traplist.pf.",
            String(blocks.count))
        one(
            "trapkeeper_exported_addresses",
            "Addresses the entries of traplist.pf cover (IPv6 blocks wider than /64 count as 2^63).",
            String(covered))
        one(
            "trapkeeper_callback_incidents", "Callback probes recorded in the state.", String(try store.callbackCount())
        )
        one("trapkeeper_valid_addresses", "Entries of the valid-address list.", String(ws.book.validCount))

        let health = Dictionary(try store.sourceHealth().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let sources = ws.config.sources.map { (label: "{source=\"\(label($0.name))\"}", health: health[$0.name]) }
        out += family(
            "trapkeeper_source_up", "1 when the source's last fetch succeeded (or was not modified), else 0.",
            sources.map { s in
                let up = s.health.map { $0.lastSuccess != nil && $0.lastSuccess == $0.lastAttempt } ?? false
                return (s.label, up ? "1" : "0")
            })
        func perSource(_ name: String, _ help: String, _ value: (SourceHealth) -> Int64?) {
            out += family(name, help, sources.compactMap { s in s.health.flatMap(value).map { (s.label, String($0)) } })
        }
        perSource(
            "trapkeeper_source_last_success_timestamp_seconds",
            "When the source was last fetched successfully (Unix time).",
            { $0.lastSuccess })
        perSource("trapkeeper_source_size_bytes", "Size of the source's last good copy.", { $0.bytes })
        perSource("trapkeeper_source_lines", "Lines of the source's last good copy.", { $0.lines.map(Int64.init) })
        perSource(
            "trapkeeper_source_records", "Records (tuples, TRAPPED and SPAMTRAP lines) of the source's last good copy.",
            { $0.records.map(Int64.init) })
        perSource(
            "trapkeeper_source_rejected_lines", "Lines of the source's last good copy that could not be read.",
            { $0.rejects.map(Int64.init) })
        return out
    }

    /// A label value as the text format wants it (`\`, `"` and newlines escaped). Source names
    /// are `[A-Za-z0-9._-]+` already; this keeps the file valid whatever they become.
    static func label(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Writes `config.metricsFile` (when set) atomically. Problems come back as warnings, never
    /// thrown: the command's own outcome stands. A state that cannot be read leaves the run's
    /// numbers alone in the file.
    public static func write(config: Config, workspace: Workspace?, run: Run) -> [String] {
        guard let path = config.metricsFile else { return [] }
        var warnings: [String] = []
        var text = runText(run)
        if let workspace {
            do {
                text += try stateText(workspace)
            } catch {
                warnings.append("metrics_file \(path): only the run's numbers: the state cannot be read: \(error)")
            }
        }
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            warnings.append("cannot write metrics_file \(path): \(error)")
        }
        return warnings
    }
}
