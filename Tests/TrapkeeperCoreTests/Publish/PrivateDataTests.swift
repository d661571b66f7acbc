import Foundation
import Testing

@testable import TrapkeeperCore

/// Private data never lands in the web folder, and the published set is all old or all new
/// (issue 10, item 4).
@Suite(.serialized) struct PrivateDataTests {
    static let now: Int64 = 1_700_000_000

    /// A config in `dir` with `publish_dir` (and other keys) as given; returns the error, if any.
    func load(_ dir: TempDir, _ extra: String) -> ConfigError? {
        dir.write("valid.txt", "peter@bsdly.com\n")
        for sub in ["lists", "etc"] {
            try? FileManager.default.createDirectory(atPath: dir.file(sub), withIntermediateDirectories: true)
        }
        dir.write("lists/valid.txt", "peter@bsdly.com\n")
        dir.write("lists/protected.txt", "boss\n")
        dir.write("etc/netrc", "machine x login y password z\n")
        let valid = extra.contains("valid_addresses") ? "" : "valid_addresses = \"valid.txt\"\n"
        let path = dir.write("t.toml", "domains = [\"bsdly.com\"]\n" + valid + extra)
        do {
            _ = try Config.load(path: path)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    /// (publish_dir and other keys, what the message must name) — each would put private data
    /// on the web site.
    static let refused: [(String, String)] = [
        ("publish_dir = \".\"\n", "the state"),  // the config folder: state, cache, lists
        ("publish_dir = \"./\"\n", "the state"),
        ("publish_dir = \"db\"\nstate = \"db/state.sqlite\"\n", "the state"),
        ("publish_dir = \"www\"\nstate = \"www/private/state.sqlite\"\n", "the state"),
        ("publish_dir = \"/\"\n", "the state"),
        ("publish_dir = \"cache\"\n", "the fetch cache"),
        ("publish_dir = \"cache/www\"\n", "lies inside the fetch cache"),
        ("publish_dir = \"lists\"\nvalid_addresses = \"lists/valid.txt\"\n", "the valid-address list"),
        ("publish_dir = \"lists\"\nprotected = \"lists/protected.txt\"\n", "the protected list"),
        ("publish_dir = \"pub/..\"\n", "the state"),
        (
            "publish_dir = \"etc\"\n[[sources]]\nname = \"fw\"\nurl = \"https://fw.example/d\"\nnetrc = \"etc/netrc\"\n",
            "netrc"
        ),
    ]

    @Test(arguments: refused.indices)
    func publishDirHoldingPrivateDataIsRefused(_ i: Int) {
        let (extra, names) = Self.refused[i]
        let e = load(TempDir(), extra)
        #expect(e != nil, "accepted: \(extra)")
        #expect(e?.message.contains(names) == true, "\(e.map { "\($0)" } ?? "-")")
        #expect(e?.message.contains("publish_dir") == true)
        #expect(e?.line != nil, "the message names the line of publish_dir")
    }

    /// A symbolic link does not hide the state folder.
    @Test func symlinkToThePrivateFolderIsRefused() throws {
        let dir = TempDir()
        try FileManager.default.createSymbolicLink(atPath: dir.file("www"), withDestinationPath: dir.path)
        let e = load(dir, "publish_dir = \"www\"\n")
        #expect(e?.message.contains("publish_dir") == true, "\(e.map { "\($0)" } ?? "accepted")")
    }

    /// The layouts operators use are accepted: a folder of its own, or `publish/` beside the state.
    @Test(arguments: ["", "publish_dir = \"publish\"\n", "publish_dir = \"../www-traps\"\n"])
    func ownFolderIsAccepted(_ extra: String) {
        let dir = TempDir()
        #expect(load(dir, extra) == nil)
    }

    /// The nightly run keeps its cache readable by the owner only, also one an earlier release
    /// made world-readable.
    @Test func cacheIsOwnerOnly() throws {
        let s = try Scene()
        s.dir.write("fw.dump", grey("45.95.147.1", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now - 600))
        s.config.sources = [SourceConfig(name: "fw", url: "fw.dump")]
        try s.reopen()
        let cache = s.config.cacheDirectory
        try? FileManager.default.createDirectory(
            atPath: cache, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        s.dir.write("cache/old.dump", "x")
        chmod(s.dir.file("cache/old.dump"), 0o644)
        #expect(
            try NightlyRun.run(workspace: s.ws, now: Self.now, dryRun: false, force: false, reporter: .silent) == .ok)
        func mode(_ p: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode(cache) == 0o700)
        #expect(try mode(cache + "/fw.dump") == 0o600)
        #expect(try mode(cache + "/old.dump") == 0o600)
        // The published files are for everyone.
        #expect(try mode(s.dir.file("publish/spamtraps.txt")) == 0o644)
    }

    /// A killed run's temporary files (ours and an earlier release's) are removed by the next
    /// publish, and a symbolic link planted at a temporary name is never written through.
    @Test func leftoversAreRemovedAndPlantedLinksNotFollowed() throws {
        let s = try Scene()
        try s.classify(grey("45.95.147.1", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now), now: Self.now)
        let victim = s.dir.write("victim", "precious\n")
        try FileManager.default.createDirectory(atPath: s.dir.file("publish"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: s.dir.file("cache"), withIntermediateDirectories: true)
        s.dir.write("publish/.trapkeeper-tmp.spamtraps.txt.Ab12Cd", "half")
        s.dir.write("publish/.traplist.pf.tmp.4242", "half")
        for f in Publisher.allFiles {
            try FileManager.default.createSymbolicLink(
                atPath: s.dir.file("publish/.\(f).tmp.\(getpid())"), withDestinationPath: victim)
        }
        try s.publish(now: Self.now)
        #expect(s.dir.read("victim") == "precious\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: s.dir.file("publish")).filter {
            $0.hasPrefix(".")
        }
        #expect(left.isEmpty, "\(left)")
        #expect(s.traps == ["trap@bsdly.com"])
    }

    /// A publish that fails midway (the disk fills while the page is written) leaves every
    /// published file as it was and no temporary file behind. The disk is "full" through
    /// RLIMIT_FSIZE on a real `trapkeeper publish` (writes past the limit fail with EFBIG).
    @Test func failedPublishLeavesTheOldSet() throws {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        let config = dir.write(
            "t.toml",
            """
            domains = ["bsdly.com"]
            valid_addresses = "valid.txt"
            [guards]
            max_growth_factor = 1000
            max_host_addresses = 100000000

            """)
        func dump(_ n: Int, offset: Int) -> String {
            // '&' is escaped on the page (&amp;): the page grows faster than spamtraps.txt.
            (0..<n).map {
                grey(
                    "45.\(($0 + offset) % 200 + 1).\(($0 + offset) / 200 % 250).1", from: "kd@xmail.ru",
                    to: "t&&&&rap\($0 + offset)@bsdly.com", at: Self.now)
            }.joined()
        }
        let now = String(Self.now)
        dir.write("d1", dump(200, offset: 0))
        #expect(try Binary.run(["classify", "--config", config, "--now", now, dir.file("d1")]).0 == 0)
        #expect(try Binary.run(["publish", "--config", config, "--now", now]).0 == 0)
        let before = Publisher.allFiles.map { dir.read("publish/\($0)") }

        dir.write("d2", dump(20_000, offset: 1000))
        #expect(try Binary.run(["classify", "--config", config, "--now", now, dir.file("d2")]).0 == 0)
        let txtSize = 20_200 * "t&&&&rap10000@bsdly.com\n".utf8.count
        let limitKiB = txtSize / 1024 + 40  // spamtraps.txt fits, the page (≥ 4 × 20 000 bytes more) does not
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [
            "-c", "ulimit -f \(limitKiB); exec \"$0\" \"$@\"", Binary.trapkeeper, "publish", "--config",
            config, "--now", now,
        ]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1, "\(message)")
        #expect(message.contains("File too large"), "\(message)")
        #expect(message.contains("spamtraps.html"), "\(message)")
        #expect(Publisher.allFiles.map { dir.read("publish/\($0)") } == before)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.file("publish")).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "\(left)")

        // With room again the same publish goes through.
        #expect(try Binary.run(["publish", "--config", config, "--now", now]).0 == 0)
        #expect(dir.read("publish/spamtraps.txt")?.split(separator: "\n").count == 20_200)
    }
}
