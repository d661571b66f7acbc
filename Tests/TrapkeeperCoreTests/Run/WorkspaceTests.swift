import Foundation
import Testing

@testable import TrapkeeperCore

/// Opening a workspace reads the operator's list files as written, end to end: a valid list
/// saved on Windows (BOM, CRLF) or an old Mac (CR) keeps its users valid, and nothing they
/// exchange mail with is exported.
@Suite(.serialized) struct WorkspaceTests {
    static let now: Int64 = 1_700_000_000

    static let dump =
        grey("45.95.147.1", from: "kd@xmail.ru", to: "nosuch@bsdly.com", at: now - 600)
        + grey("45.95.147.10", from: "friend@example.org", to: "Peter@bsdly.com", at: now - 600)
        + grey("45.95.147.11", from: "aunt@example.org", to: "alice@bsdly.com", at: now - 600)
        + grey("45.95.147.12", from: "vendor@example.org", to: "billing@bsdly.com", at: now - 600)

    static let saved: [(name: String, valid: String, protected: String)] = [
        ("BOM + CRLF", "\u{FEFF}peter@bsdly.com\r\nalice@bsdly.com\r\n\r\nbob@example.org\r\n", "billing\r\n"),
        ("CR only", "peter@bsdly.com\ralice@bsdly.com\r# other domains\rbob@example.org", "\u{FEFF}billing\r"),
        ("brackets, tabs", "\t<Peter@BSDLY.com>\n  <alice@bsdly.com>  # aunt\n\n<bob@example.org>\n", "<BILLING>\n"),
    ]

    @Test(arguments: 0..<saved.count)
    func realUsersStayValidThroughTheCLI(index: Int) throws {
        let saved = Self.saved[index]
        let dir = TempDir()
        dir.write("valid.txt", saved.valid)
        dir.write("protected.txt", saved.protected)
        let config = dir.write(
            "t.toml",
            """
            domains = ["bsdly.com"]
            valid_addresses = "valid.txt"
            protected = "protected.txt"
            """)
        let dump = dir.write("greylist.dump", Self.dump)
        let warning = "\(dir.file("valid.txt")): 1 of 3 entries"
        for args in [
            ["classify", "--config", config, "--now", String(Self.now), dump],
            ["publish", "--config", config, "--now", String(Self.now)],
        ] {
            let (code, _, err) = try Binary.run(args)
            #expect(code == 0, "\(saved.name) \(args[0]): \(err)")
            #expect(err.components(separatedBy: warning).count == 2, "\(saved.name) \(args[0]): warned once: \(err)")
            #expect(err.contains("line 4 'bob@example.org'"), "\(saved.name): \(err)")
        }
        #expect(dir.read("publish/spamtraps.txt") == "nosuch@bsdly.com\n", "\(saved.name)")
        let pf = (dir.read("publish/traplist.pf") ?? "").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(pf == ["45.95.147.1"], "\(saved.name)")
        let (code, out, _) = try Binary.run([
            "explain", "--config", config, "--now", String(Self.now), "peter@bsdly.com",
        ])
        #expect(code == 0)
        #expect(out.contains("valid.txt:"), "\(saved.name): \(out)")
    }

    @Test func aCRLFValidListThroughClassifyJob() throws {
        let s = try Scene()
        s.dir.write("valid.txt", "\u{FEFF}peter@bsdly.net\r\nalice@bsdly.com\r\n")
        try s.reopen()
        #expect(s.ws.warnings.isEmpty, "\(s.ws.warnings)")
        try s.classify(
            grey("45.95.147.1", from: "kd@xmail.ru", to: "nosuch@bsdly.com", at: Self.now - 600)
                + grey("45.95.147.10", from: "friend@example.org", to: "peter@bsdly.net", at: Self.now - 600)
                + grey("45.95.147.11", from: "aunt@example.org", to: "alice@bsdly.com", at: Self.now - 600),
            now: Self.now)
        try s.publish(now: Self.now)
        #expect(s.traps == ["nosuch@bsdly.com"])
        #expect(s.pfEntries == ["45.95.147.1"])
    }

    @Test func outOfDomainEntriesReachTheWorkspaceWarnings() throws {
        let s = try Scene(valid: ["peter@bsdly.net", "alice@bsdly.com", "peter@bsdly.org"])
        #expect(s.ws.warnings.count == 1, "\(s.ws.warnings)")
        #expect(s.ws.warnings.first?.contains("line 3 'peter@bsdly.org'") == true, "\(s.ws.warnings)")
    }
}
