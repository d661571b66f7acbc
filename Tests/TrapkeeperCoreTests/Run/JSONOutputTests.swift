import Foundation
import Testing

@testable import TrapkeeperCore

/// `status --format json` and `explain --format json` through the real binary, on the bundled
/// example (the 2017 callback incident): one object each, exactly the documented keys, and the
/// same facts as the text.
@Suite(.serialized) struct JSONOutputTests {
    static let now = "1503150000"

    static let statusKeys: Set<String> = ["published", "valid_list", "sources", "runs"]
    static let sourceKeys: Set<String> = [
        "name", "url", "state", "last_attempt", "last_success", "failing_since", "last_error", "http_status", "bytes",
        "lines", "records", "rejected", "etag", "cached_at",
    ]
    static let runKeys: Set<String> = [
        "id", "command", "started_at", "now", "finished_at", "exit_code", "traps", "hosts", "message",
    ]
    static let commonExplainKeys: Set<String> = [
        "query", "kind", "entry", "verdict", "rule", "callback_probes", "published", "history",
    ]
    static let addressKeys = commonExplainKeys.union(["roles", "first_seen", "last_seen", "evidence"])
    static let hostKeys = commonExplainKeys.union([
        "first_hit", "last_hit", "last_nonverifier_hit", "evidence", "trap", "trapped_until", "trapped_evidence",
        "hits",
    ])
    static let evidenceKeys: Set<String> = [
        "source", "file", "line", "kind", "ip", "helo", "sender", "recipient", "time",
    ]
    static let probeKeys: Set<String> = [
        "ip", "helo", "probe_address", "sender", "kind", "rule", "probe_time", "seen", "source",
    ]

    /// The example, run once into a temp copy; a source that was never fetched is added.
    static func example() throws -> (TempDir, String) {
        let dir = TempDir()
        for f in ["greylist.dump", "spamd.log", "valid-addresses.txt", "spamtraps.html.mustache"] {
            try FileManager.default.copyItem(atPath: PackageRoot.data(f), toPath: dir.file(f))
        }
        let toml = try String(contentsOfFile: PackageRoot.data("trapkeeper.toml"), encoding: .utf8)
            .replacingOccurrences(of: "publish_dir = \"../publish\"", with: "publish_dir = \"publish\"")
        let config = dir.write("trapkeeper.toml", toml)
        let (code, _, err) = try Binary.run(["run", "--config", config, "--now", now])
        #expect(code == 0, "\(err)")
        dir.write("trapkeeper.toml", toml + "\n[[sources]]\nname = \"later\"\nurl = \"later.dump\"\n")
        return (dir, config)
    }

    static func object(_ text: String) throws -> [String: Any] {
        let o = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(o as? [String: Any], "not one JSON object: \(text)")
    }

    static func keys(_ o: Any?) -> Set<String> { Set((o as? [String: Any])?.keys.map { $0 } ?? []) }

    @Test func statusHasTheDocumentedKeysAndTheTextsFacts() throws {
        let (dir, config) = try Self.example()
        defer { withExtendedLifetime(dir) {} }
        let (code, out, err) = try Binary.run(["status", "--config", config, "--now", Self.now, "--format", "json"])
        #expect(code == 0, "\(err)")
        let o = try Self.object(out)
        #expect(Set(o.keys) == Self.statusKeys)
        let published = o["published"] as? [String: Any]
        #expect(published?["traps"] as? Int == 11)
        #expect(published?["hosts"] as? Int == 4)
        #expect((o["valid_list"] as? [String: Any])?["entries"] as? Int == 2)
        let sources = try #require(o["sources"] as? [[String: Any]])
        #expect(sources.map { $0["name"] as? String } == ["delilah-greylist", "delilah-log", "later"])
        for s in sources { #expect(Set(s.keys) == Self.sourceKeys) }
        #expect(sources.map { $0["state"] as? String } == ["ok", "ok", "never_fetched"])
        #expect(sources[0]["lines"] as? Int == 17)
        #expect(sources[0]["last_success"] as? Int == 1_503_150_000)
        #expect(sources[2]["last_success"] is NSNull)
        let runs = try #require(o["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        for r in runs { #expect(Set(r.keys) == Self.runKeys) }
        #expect(runs.first?["exit_code"] as? Int == 0)
        #expect(runs.first?["traps"] as? Int == 11)

        // The text says the same.
        let (_, text, _) = try Binary.run(["status", "--config", config, "--now", Self.now])
        #expect(text.contains("published: 11 traps, 4 hosts"))
        #expect(text.contains("later: never fetched"))
    }

    /// An address (a trap, a probe, an unknown one) and a host (exported, a verifier): the keys
    /// of their kind, and the verdict, rule and history of the text.
    @Test(arguments: [
        "jaclyn.perkinson@bsdly.net", "mx42.antispamcloud.com-1503146097-testing@bsdly.com", "nobody@bsdly.com",
        "5.188.10.182", "207.244.64.181",
    ])
    func explainHasTheDocumentedKeysAndTheTextsFacts(_ query: String) throws {
        let (dir, config) = try Self.example()
        defer { withExtendedLifetime(dir) {} }
        let (code, out, err) = try Binary.run([
            "explain", "--config", config, "--now", Self.now, "--format", "json", query,
        ])
        #expect(code == 0, "\(err)")
        let o = try Self.object(out)
        let isHost = IPAddress(query) != nil
        #expect(Set(o.keys) == (isHost ? Self.hostKeys : Self.addressKeys))
        #expect(o["kind"] as? String == (isHost ? "host" : "address"))
        #expect(o["query"] as? String == query)
        for key in ["evidence", "trapped_evidence"] where o[key] is [String: Any] {
            #expect(Self.keys(o[key]) == Self.evidenceKeys)
        }
        for p in o["callback_probes"] as? [[String: Any]] ?? [] { #expect(Set(p.keys) == Self.probeKeys) }

        let (_, text, _) = try Binary.run(["explain", "--config", config, "--now", Self.now, query])
        let lines = text.split(separator: "\n").map(String.init)
        let verdict = lines.first { $0.hasPrefix("verdict: ") }?.dropFirst(9)
        let expected = [
            "TRAP": "trap", "not a trap": "not_a_trap", "EXPORTED": "exported", "not exported": "not_exported",
        ]
        #expect(o["verdict"] as? String == verdict.flatMap { expected[String($0)] })
        #expect(lines.contains("rule: \(o["rule"] as? String ?? "?")"))
        #expect(lines.contains("published now: \((o["published"] as? Bool ?? false) ? "yes" : "no")"))
        let history = (o["history"] as? [[String: Any]] ?? []).map {
            "history: \(TimeText.utc(Int64($0["at"] as? Int ?? 0))) \($0["action"] as? String ?? ""): \($0["cause"] as? String ?? "")"
        }
        #expect(history == lines.filter { $0.hasPrefix("history: ") })
        #expect((o["callback_probes"] as? [Any])?.count == lines.filter { $0.hasPrefix("callback probe: ") }.count)
        #expect((o["hits"] as? [Any])?.count ?? 0 == lines.filter { $0.hasPrefix("hit ") }.count)
    }
}
