import Foundation
import Testing

@testable import TrapkeeperCore

/// Slips and feedback loops found by trying to break trapkeeper as an operator would: each one
/// used to list an innocent server or fail without a word.
@Suite(.serialized) struct OperatorSlipTests {
    static let t0: Int64 = 1_700_000_000

    /// A valid list whose entries are all in other domains (another site's list, every line
    /// cut short) is as good as empty: exit 1, not every real user a trap.
    @Test func aValidListWithNothingInOurDomainsIsRefused() throws {
        let dir = TempDir()
        let valid = dir.write("valid.txt", "peter@bsdly.org\njsmith@bs\nsomeone@bsdly.org\n")
        do {
            _ = try AddressBook.load(
                validFile: valid, protectedFile: nil, domains: ["bsdly.com", "bsdly.net"], delimiters: "+")
            Issue.record("loaded")
        } catch let e as ConfigError {
            #expect(e.message.contains("no address in bsdly.com, bsdly.net"), "\(e)")
        }
        // The shrink guard counts entries in our domains: a list that kept its length but lost
        // its users to a wrong domain is refused too.
        let s = try Scene(valid: ["a@bsdly.com", "b@bsdly.com", "c@bsdly.com", "d@bsdly.com"])
        try s.ws.checkValidListSize(runID: try s.ws.store.beginRun(command: "t", now: Self.t0))
        s.dir.write("valid.txt", "a@bsdly.com\nb@bsdly.org\nc@bsdly.org\nd@bsdly.org\n")
        try s.reopen()
        #expect(throws: JobFailure.self) {
            try s.ws.checkValidListSize(runID: try s.ws.store.beginRun(command: "t", now: Self.t0 + 1))
        }
    }

    /// spamtraps.txt fed back into spamd makes every published trap a SPAMTRAP line: that copy
    /// must not undo trapkeeper's own withdrawal of a near-miss, and a firewall that still traps
    /// a real user is named in a warning.
    @Test func spamtrapLinesFedBackDoNotUndoAWithdrawal() throws {
        var g = GuardConfig()
        g.maxShrinkPercent = 100
        let s = try Scene(valid: ["peter@bsdly.net"], guards: g)
        try s.classify(grey("77.1.1.1", from: "a@spam.example", to: "jsmiht@bsdly.com", at: Self.t0), now: Self.t0)
        try s.publish(now: Self.t0)
        #expect(s.traps == ["jsmiht@bsdly.com"])

        // jsmith@ joins; the firewall holds what was published; a partner makes the typo.
        s.dir.write("valid.txt", "peter@bsdly.net\njsmith@bsdly.com\n")
        try s.reopen()
        let log = MessageLog()
        try s.classify(
            "SPAMTRAP|jsmiht@bsdly.com\nSPAMTRAP|jsmith@bsdly.com\n"
                + grey("88.2.2.2", from: "bob@partner.org", to: "jsmiht@bsdly.com", at: Self.t0 + 100),
            now: Self.t0 + 3600, name: "d2")
        try PublishJob.run(
            workspace: s.ws, now: Self.t0 + 3600, force: false, keepPreviousHosts: false, dryRun: false,
            reporter: log.reporter)
        #expect(s.traps.isEmpty)
        #expect(s.pfEntries.isEmpty, "the partner's server is listed")
        #expect(log.all.contains { $0.contains("2 address(es) are SPAMTRAP entries on a firewall but not traps") })

        // A SPAMTRAP line the firewall's operator added by hand (never published by us) is
        // still taken as it is.
        try s.classify("SPAMTRAP|jsmitx@bsdly.com\n", now: Self.t0 + 7200, name: "d3")
        try s.publish(now: Self.t0 + 7200)
        #expect(s.traps == ["jsmitx@bsdly.com"])
    }

    /// `delist` and `relist` refuse what can never be on the lists, saying why, instead of
    /// storing a delisting that matches nothing.
    @Test(arguments: [
        ("", "empty"), (" ", "empty"), ("bsdly.com", "never be on the lists"), ("*", "never be on the lists"),
        ("trap5@bsdly.com.", "never be on the lists"), ("x@other.org", "never be on the lists"),
        ("091.200.12.8", "never be on the lists"), ("91.200.12.16/30", "is a block"),
        ("@bsdly.com", "never be on the lists"), ("a b@bsdly.com", "never be on the lists"),
    ])
    func delistRefusesWhatCanNeverBeListed(_ entry: String, _ why: String) throws {
        let s = try Scene()
        do {
            _ = try s.ws.listEntry(entry)
            Issue.record("accepted \(String(reflecting: entry))")
        } catch let e as ConfigError {
            #expect(e.message.contains(why), "\(e.message)")
        }
    }

    @Test(arguments: [
        (" trap3@bsdly.com", "trap3@bsdly.com", "address"), ("<Trap4@BSDLY.com>", "trap4@bsdly.com", "address"),
        ("\t45.95.147.9 ", "45.95.147.9", "ip"), ("::ffff:45.95.147.9", "45.95.147.9", "ip"),
        ("2001:DB8::1", "2001:db8::1", "ip"), ("peter@bsdly.net", "peter@bsdly.net", "address"),
    ])
    func delistNormalisesWhatItCanList(_ entry: String, _ key: String, _ kind: String) throws {
        let s = try Scene()
        let e = try s.ws.listEntry(entry)
        #expect(e.entry == key)
        #expect(e.kind == kind)
    }

    /// The state and the fetch cache are their owner's; a new publish folder is readable by the
    /// web server whatever the umask.
    @Test func privateFilesAreOwnerOnlyAndThePublishFolderIsReadable() throws {
        let old = umask(0o000)
        defer { umask(old) }
        let s = try Scene()
        try s.classify(grey("45.95.147.1", from: "kd@xmail.ru", to: "t@bsdly.com", at: Self.t0), now: Self.t0)
        try s.publish(now: Self.t0)
        func mode(_ p: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode(s.config.statePath) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: s.config.statePath + suffix) {
            #expect(try mode(s.config.statePath + suffix) == 0o600, "\(suffix)")
        }
        #expect(try mode(s.config.publishDir) == 0o755)
    }
}
