import Foundation
import Testing

@testable import TrapkeeperCore

/// `metrics_file` through the real binary: valid for `promtool check metrics` after a good run,
/// a refused publish, a night whose every source failed and a state that cannot be opened, with
/// the numbers that are still true in each case.
@Suite(.serialized) struct RunMetricsTests {
    static let now: Int64 = 1_700_000_000

    static var promtool: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/promtool"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// promtool's verdict on a metrics file (nil when promtool is missing outside CI; a missing
    /// promtool on CI is a failure: the check would silently not happen).
    static func promtoolCheck(_ path: String) throws -> (ok: Bool, output: String)? {
        guard let promtool else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("promtool not found: run scripts/setup --test (Debian package prometheus)")
            }
            return nil
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promtool)
        p.arguments = ["check", "metrics"]
        p.standardInput = FileHandle(forReadingAtPath: path)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus == 0, text)
    }

    /// The samples of a metrics file: "name{labels}" → value.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }

    /// A site with two file sources, `metrics_file` in a folder of its own.
    static func site() -> (TempDir, config: String, metrics: String) {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        dir.write(
            "fw1.dump",
            grey("45.95.147.2", from: "kd@xmail.ru", to: "trap1@bsdly.com", at: now - 600)
                + grey("45.95.147.3", from: "kd@xmail.ru", to: "trap2@bsdly.com", at: now - 600)
                + grey("2001:67c:2e8::25", from: "kd@xmail.ru", to: "trap3@bsdly.com", at: now - 600))
        dir.write("fw2.log", "")
        try? FileManager.default.createDirectory(atPath: dir.file("prom"), withIntermediateDirectories: true)
        let config = dir.write(
            "t.toml",
            """
            domains = ["bsdly.com"]
            valid_addresses = "valid.txt"
            metrics_file = "prom/trapkeeper.prom"
            log_timezone = "UTC"
            [[sources]]
            name = "fw1"
            url = "fw1.dump"
            [[sources]]
            name = "fw2"
            url = "fw2.log"
            format = "spamd-log"

            """)
        return (dir, config, dir.file("prom/trapkeeper.prom"))
    }

    func run(_ args: [String]) throws -> Int32 {
        let (code, _, err) = try Binary.run(args)
        if code != 0 { print("trapkeeper \(args.first ?? ""): exit \(code): \(err)") }
        return code
    }

    @Test func goodRunRefusalAndOutageAllWriteValidMetrics() throws {
        let (dir, config, metrics) = Self.site()
        #expect(try run(["run", "--config", config, "--now", String(Self.now)]) == 0)
        var text = dir.read("prom/trapkeeper.prom") ?? ""
        if let check = try Self.promtoolCheck(metrics) { #expect(check.ok, "promtool: \(check.output)") }
        var m = Self.samples(text)
        #expect(m["trapkeeper_run_exit_code"] == 0)
        #expect(m["trapkeeper_traps"] == 3)
        #expect(m["trapkeeper_exported_hosts"] == 3)
        #expect(m["trapkeeper_exported_entries"] == 2)  // 45.95.147.2/31 covers two
        #expect(m["trapkeeper_exported_addresses"] == 3)
        #expect(m["trapkeeper_callback_incidents"] == 0)
        #expect(m["trapkeeper_source_up{source=\"fw1\"}"] == 1)
        #expect(m["trapkeeper_source_lines{source=\"fw1\"}"] == 3)
        #expect(m["trapkeeper_source_size_bytes{source=\"fw1\"}"] ?? 0 > 100)
        #expect(m["trapkeeper_source_rejected_lines{source=\"fw1\"}"] == 0)
        #expect(m["trapkeeper_source_last_success_timestamp_seconds{source=\"fw1\"}"] == Double(Self.now))
        #expect(m["trapkeeper_run_duration_seconds"] ?? -1 >= 0)
        #expect(text.contains("# TYPE trapkeeper_traps gauge\n"))
        #expect(!text.contains("_total"), "no metric is a counter")

        // A dry run writes nothing.
        try FileManager.default.removeItem(atPath: metrics)
        #expect(try run(["run", "--config", config, "--now", String(Self.now), "--dry-run"]) == 0)
        #expect(!FileManager.default.fileExists(atPath: metrics))

        // A refused publish (two days later every host's hit is past its TTL: the host list
        // would empty): exit 4, and the numbers of the lists still on disk.
        let later = Self.now + 2 * 86400
        #expect(try run(["run", "--config", config, "--now", String(later)]) == 4)
        text = dir.read("prom/trapkeeper.prom") ?? ""
        if let check = try Self.promtoolCheck(metrics) { #expect(check.ok, "promtool: \(check.output)") }
        m = Self.samples(text)
        #expect(m["trapkeeper_run_exit_code"] == 4)
        #expect(m["trapkeeper_traps"] == 3, "the published list is unchanged")
        #expect(m["trapkeeper_exported_hosts"] == 3)

        // Both fetches fail (their last good copies stand in): exit 3, both down, every host kept.
        try FileManager.default.removeItem(atPath: dir.file("fw1.dump"))
        try FileManager.default.removeItem(atPath: dir.file("fw2.log"))
        #expect(try run(["run", "--config", config, "--now", String(later + 60)]) == 3)
        text = dir.read("prom/trapkeeper.prom") ?? ""
        if let check = try Self.promtoolCheck(metrics) { #expect(check.ok, "promtool: \(check.output)") }
        m = Self.samples(text)
        #expect(m["trapkeeper_run_exit_code"] == 3)
        #expect(m["trapkeeper_source_up{source=\"fw1\"}"] == 0)
        #expect(m["trapkeeper_source_up{source=\"fw2\"}"] == 0)
        #expect(m["trapkeeper_source_last_success_timestamp_seconds{source=\"fw1\"}"] == Double(later))
        #expect(m["trapkeeper_traps"] == 3)
        #expect(m["trapkeeper_exported_hosts"] == 3)

        // delist publishes too (the sources being down, every host stays).
        let delist = ["delist", "--config", config, "--now", String(later + 120), "--force", "--reason", "a user"]
        #expect(try run(delist + ["trap1@bsdly.com"]) == 0)
        m = Self.samples(dir.read("prom/trapkeeper.prom") ?? "")
        #expect(m["trapkeeper_run_exit_code"] == 0)
        #expect(m["trapkeeper_traps"] == 2)
        #expect(m["trapkeeper_exported_hosts"] == 3)
    }

    /// A state that cannot be opened: exit 1, and only the run's numbers (none of the state's
    /// could be true).
    @Test func unreadableStateLeavesTheRunsNumbers() throws {
        let (dir, config, metrics) = Self.site()
        dir.write("state.sqlite", String(repeating: "not a database\n", count: 400))
        #expect(try run(["publish", "--config", config, "--now", String(Self.now)]) == 1)
        let text = dir.read("prom/trapkeeper.prom") ?? ""
        if let check = try Self.promtoolCheck(metrics) { #expect(check.ok, "promtool: \(check.output)") }
        let m = Self.samples(text)
        #expect(m["trapkeeper_run_exit_code"] == 1)
        #expect(m["trapkeeper_traps"] == nil)
        #expect(m.keys.allSatisfy { $0.hasPrefix("trapkeeper_run_") }, "\(m.keys)")
    }

    /// `metrics_file` inside `publish_dir` would put the source health on the web site.
    @Test func metricsInsideThePublishFolderAreRefused() throws {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        let path = dir.write(
            "t.toml",
            "domains = [\"bsdly.com\"]\nvalid_addresses = \"valid.txt\"\npublish_dir = \"www\"\nmetrics_file = \"www/x.prom\"\n"
        )
        #expect {
            _ = try Config.load(path: path)
        } throws: { e in
            let e = e as? ConfigError
            return e?.line == 4 && e?.message.contains("metrics_file") == true
                && e?.message.contains("publish_dir") == true
        }
        dir.write(
            "t.toml", "domains = [\"bsdly.com\"]\nvalid_addresses = \"valid.txt\"\nmetrics_file = \"prom/x.prom\"\n")
        #expect(try Config.load(path: path).metricsFile == dir.file("prom/x.prom"))
    }
}
