import Foundation
import Testing

@testable import TrapkeeperCore

/// Every numeric config key has a range: nan, inf, negatives, values that would overflow when
/// turned into seconds or bytes, and fractions where a whole number is meant are config errors
/// naming the key and its line — never a crash later (issue 10, item 2).
@Suite struct ConfigNumberTests {
    enum Place { case top, guards, source, ipset, rbldnsd }

    /// (key, where it lives, a value that must load)
    static let keys: [(key: String, place: Place, good: String)] = [
        ("host_ttl_hours", .top, "48"),
        ("probe_window_days", .top, "7"),
        ("history_days", .top, "90"),
        ("max_shrink_percent", .guards, "12.5"),
        ("max_growth_factor", .guards, "10.0"),
        ("growth_floor", .guards, "0"),
        ("max_host_addresses", .guards, "1000000"),
        ("max_unearned_prefix_v4", .guards, "24"),
        ("max_unearned_prefix_v6", .guards, "48"),
        ("pf_table_entries_limit", .guards, "200000"),
        ("min_valid_share", .guards, "0.5"),
        ("timeout_seconds", .source, "300"),
        ("low_speed_bytes_per_second", .source, "1024"),
        ("low_speed_seconds", .source, "30"),
        ("max_bytes", .source, "2147483648"),
        ("max_stale_hours", .source, "48"),
        ("withdrawn_keep_days", .top, "90"),
        ("maxelem", .ipset, "1048576"),
        ("valid_hours", .rbldnsd, "48"),
    ]
    static let badValues = ["nan", "inf", "-inf", "-1", "9000000000000000000", "-9000000000000000000", "1e300"]

    /// The config with `key = value` placed where the key belongs, and the line it is on.
    func config(_ key: String, _ place: Place, _ value: String) -> (text: String, line: Int) {
        var lines = ["domains = [\"bsdly.com\"]", "valid_addresses = \"valid.txt\""]
        switch place {
        case .top:
            lines.append("\(key) = \(value)")
            return (lines.joined(separator: "\n") + "\n", 3)
        case .guards:
            lines += ["", "[guards]", "\(key) = \(value)"]
            return (lines.joined(separator: "\n") + "\n", 5)
        case .source:
            lines += ["", "[[sources]]", "name = \"fw\"", "url = \"fw.dump\"", "\(key) = \(value)"]
            return (lines.joined(separator: "\n") + "\n", 7)
        case .ipset:
            lines += ["", "[ipset]", "name = \"tk\"", "\(key) = \(value)"]
            return (lines.joined(separator: "\n") + "\n", 6)
        case .rbldnsd:
            lines += ["", "[rbldnsd]", "zone = \"traps.example.org\"", "\(key) = \(value)"]
            return (lines.joined(separator: "\n") + "\n", 6)
        }
    }

    func load(_ text: String) throws -> Config {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        return try Config.load(path: dir.write("t.toml", text))
    }

    @Test(arguments: keys.indices)
    func everyNumericKeyRefusesNonsense(_ i: Int) throws {
        let k = Self.keys[i]
        _ = try load(config(k.key, k.place, k.good).text)
        var values = Self.badValues
        if !k.good.contains(".") { values.append("1.5") }  // a whole number is meant
        for value in values {
            let (text, line) = config(k.key, k.place, value)
            do {
                _ = try load(text)
                Issue.record("\(k.key) = \(value) was accepted")
            } catch let e as ConfigError {
                #expect(e.line == line, "\(k.key) = \(value): \(e)")
                #expect(e.message.contains(k.key), "\(e)")
            }
        }
    }

    /// The largest accepted values do not overflow when a run uses them.
    @Test func largestValuesRunWithoutOverflow() throws {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        dir.write(
            "fw.dump",
            "GREY|45.95.147.1|mx|<kd@xmail.ru>|<trap@bsdly.com>|1699999000|1700000000|1700014400|1|0\n")
        let text = """
            domains = ["bsdly.com"]
            valid_addresses = "valid.txt"
            host_ttl_hours = \(Config.Limits.hostTTLHours.upperBound)
            probe_window_days = \(Config.Limits.probeWindowDays.upperBound)

            [guards]
            max_host_addresses = \(Config.Limits.addresses)

            [[sources]]
            name = "fw"
            url = "fw.dump"
            max_stale_hours = \(Config.Limits.staleHours.upperBound)
            timeout_seconds = \(Config.Limits.seconds.upperBound)
            max_bytes = \(Config.Limits.bytes)

            """
        let ws = try Workspace.open(configPath: dir.write("t.toml", text))
        let status = try NightlyRun.run(
            workspace: ws, now: 1_700_000_000, dryRun: false, force: false, reporter: .silent)
        #expect(status == .ok)
        #expect(dir.read("publish/spamtraps.txt") == "trap@bsdly.com\n")
    }
}
