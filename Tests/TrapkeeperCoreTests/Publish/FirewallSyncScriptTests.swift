import Foundation
import Testing

@testable import TrapkeeperCore

/// contrib/trapkeeper-sync.sh, the firewall side of spamtraps.txt and spamtraps-withdrawn.txt,
/// run under dash and under mksh (a pdksh descendant, like OpenBSD's ksh) against lists a real
/// publish wrote.
///
/// The real spamdb(8) does not run on Linux: the script talks to a stand-in `spamdb` (below)
/// that keeps its database in a text file and behaves as OpenBSD's spamdb.c does for what the
/// script uses: listing (`SPAMTRAP|addr` lines), `-T -a` (a new key must hold '@' or the whole
/// run stops with exit 255; stored lower-cased; an existing key is kept), `-T -d` ("no entry for
/// X" and a non-zero exit for a missing key), options parsed as getopt(3) does, "--" included.
@Suite(.serialized) struct FirewallSyncScriptTests {
    static let now: Int64 = 1_700_000_000
    static let shells = ["dash", "mksh"]

    static let standInSpamdb = #"""
        #!/bin/sh
        # Stand-in for OpenBSD's spamdb(8) (which does not run on Linux): the database is the
        # text file $SPAMDB_FILE, one entry per line as spamdb lists it.
        db=${SPAMDB_FILE:?}
        action=0 type=WHITE
        usage() { echo "usage: spamdb [-adGTt] [keys ...]" >&2; exit 1; }
        while [ $# -gt 0 ]; do
            case $1 in
            --) shift; break ;;
            -?*)
                flags=${1#-}
                while [ -n "$flags" ]; do
                    f=${flags%"${flags#?}"}
                    flags=${flags#?}
                    case $f in
                    a) action=1 ;; d) action=2 ;; T) type=SPAMTRAP ;; t) type=TRAPHIT ;; G) type=GREY ;;
                    *) usage ;;
                    esac
                done
                shift ;;
            *) break ;;
            esac
        done
        [ "$action" = 0 ] && [ "$type" != WHITE ] && usage
        touch "$db"
        # has KEY: the database holds an entry with this key (SPAMTRAP|key, WHITE|key|…, TRAPPED|key|…)
        has() {
            K=$1 awk 'BEGIN { k = ENVIRON["K"] }
                substr($0, 1, 9) == "SPAMTRAP|" { if (substr($0, 10) == k) found = 1; next }
                { split($0, f, "|"); if (f[1] != "GREY" && f[2] == k) found = 1 }
                END { exit !found }' "$db"
        }
        if [ "$action" = 0 ]; then cat "$db"; exit 0; fi
        [ "$type" = GREY ] && [ "$action" = 1 ] && { echo "spamdb: cannot add GREY entries" >&2; exit 2; }
        r=0 c=0
        for key in "$@"; do
            [ -n "$key" ] || continue
            c=$((c + 1))
            if [ "$action" = 1 ]; then
                has "$key" && continue        # an existing entry is updated in place
                case $key in *@*) ;; *) echo "spamdb: not an email address: $key" >&2; exit 255 ;; esac
                printf 'SPAMTRAP|%s\n' "$(printf '%s' "$key" | tr 'A-Z' 'a-z')" >>"$db"
            else
                if ! has "$key"; then echo "spamdb: no entry for $key" >&2; r=$((r + 1)); continue; fi
                K=$key awk 'BEGIN { k = ENVIRON["K"] }
                    substr($0, 1, 9) == "SPAMTRAP|" && substr($0, 10) == k { next }
                    { split($0, f, "|") } f[1] != "SPAMTRAP" && f[1] != "GREY" && f[2] == k { next }
                    { print }' "$db" >"$db.new" && mv "$db.new" "$db"
            fi
        done
        [ "$c" = 0 ] && { echo "spamdb: no addresses specified" >&2; exit 2; }
        exit "$r"
        """#

    /// Serves BASE/NAME from the folder $SERVE_DIR: `fetch OUTFILE URL`, like `ftp -o`.
    static let fetch = #"""
        #!/bin/sh
        [ -n "${FETCH_FAILS:-}" ] && { echo "ftp: Error retrieving file: 500 Internal Server Error" >&2; exit 1; }
        cp "$SERVE_DIR/${2##*/}" "$1"
        """#

    /// A firewall: the stand-in spamdb, its database, the fetch command, the sync record.
    final class Firewall {
        let dir = TempDir("firewall")
        let shell: String
        var serveDir: String

        init(shell: String, serving: String) throws {
            self.shell = try RealTool.path(shell)
            serveDir = serving
            try FileManager.default.createDirectory(atPath: dir.file("bin"), withIntermediateDirectories: true)
            dir.write("bin/spamdb", FirewallSyncScriptTests.standInSpamdb)
            dir.write("bin/fetch", FirewallSyncScriptTests.fetch)
            for f in ["bin/spamdb", "bin/fetch"] { chmod(dir.file(f), 0o755) }
            // A decoy for any unquoted glob: `*@bsdly.com` would expand to it.
            try FileManager.default.createDirectory(atPath: dir.file("cwd"), withIntermediateDirectories: true)
            dir.write("cwd/decoy@bsdly.com", "")
        }

        var database: [String] {
            (dir.read("spamdb.txt") ?? "").split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(
                String.init)
        }
        var traps: Set<String> {
            Set(database.filter { $0.hasPrefix("SPAMTRAP|") }.map { String($0.dropFirst("SPAMTRAP|".count)) })
        }
        var record: Set<String>? {
            dir.read("added.txt").map { Set($0.split(separator: "\n").map(String.init)) }
        }

        /// Runs the sync script; returns exit status and stderr.
        @discardableResult
        func sync(failFetch: Bool = false) throws -> (Int32, String) {
            var env = [
                "PATH": dir.file("bin") + ":/usr/bin:/bin",
                "SPAMDB_FILE": dir.file("spamdb.txt"),
                "SERVE_DIR": serveDir,
                "TRAPKEEPER_STATE": dir.file("added.txt"),
                "TRAPKEEPER_FETCH": dir.file("bin/fetch"),
                "TMPDIR": dir.path,
            ]
            if failFetch { env["FETCH_FAILS"] = "1" }
            let script = PackageRoot.path + "/contrib/trapkeeper-sync.sh"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: shell)
            p.arguments = [script, "-v", "https://traps.example.org/"]
            p.environment = env
            p.currentDirectoryURL = URL(fileURLWithPath: dir.file("cwd"))
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
    }

    /// Addresses a shell would mangle if one ever got near it unquoted: history, parameter and
    /// command expansion (`$(>pwned)` makes a file named pwned), globs, quotes, separators, an
    /// option-looking first character. Lower-case: the published list is.
    static let hostile = [
        "!!!!!!!!the!rest!is!trash!@bsdly.net", "$(>pwned)@bsdly.com", "`>pwned`@bsdly.com", "$home@bsdly.com",
        "*@bsdly.com", "o'brien@bsdly.com", "\"quoted\"@bsdly.com", "a;b&c|d@bsdly.com",
        "-d@bsdly.com", "back\\slash@bsdly.com", "<b>x</b>@bsdly.com", "#hash@bsdly.com",
    ]
    static let plain = ["trap1@bsdly.com", "trap2@bsdly.com", "hand@bsdly.com"]

    /// First sync adds all; an operator's own trap stays when it is withdrawn; a withdrawn trap
    /// the script added is deleted; a relisted one comes back; every hostile address arrives
    /// as written, one argument, and nothing runs.
    @Test(arguments: shells)
    func addsDeletesOnlyItsOwnAndRelists(_ shell: String) throws {
        let s = try Scene()
        let listed = Self.plain + Self.hostile
        try s.classify(listed.map { "SPAMTRAP|\($0)\n" }.joined(), now: Self.now)
        try s.publish(now: Self.now)
        // A line that is no address (trapkeeper never publishes one: a served file may be
        // anything): the script skips it.
        let served = s.dir.file("publish/spamtraps.txt")
        try (String(contentsOfFile: served, encoding: .utf8) + "has space@bsdly.com\n").write(
            toFile: served, atomically: true, encoding: .utf8)
        let fw = try Firewall(shell: shell, serving: s.dir.file("publish"))
        // The firewall's operator added two traps by hand; one of them trapkeeper lists too.
        fw.dir.write("spamdb.txt", "SPAMTRAP|hand@bsdly.com\nSPAMTRAP|own@bsdly.com\nWHITE|192.0.2.1|||1|2|3|4|5\n")

        var (status, err) = try fw.sync()
        #expect(status == 0, "\(shell): \(err)")
        let added = Set(Self.plain + Self.hostile).subtracting(["hand@bsdly.com"])
        #expect(fw.traps == added.union(["hand@bsdly.com", "own@bsdly.com"]), "\(shell): \(fw.database)")
        #expect(fw.record == added, "\(shell): the operator's trap is not recorded as added here")
        #expect(err.contains("1 lines of https://traps.example.org/spamtraps.txt are not addresses"), "\(err)")
        #expect(!FileManager.default.fileExists(atPath: fw.dir.file("cwd/pwned")), "a command ran")
        #expect(!FileManager.default.fileExists(atPath: fw.dir.file("pwned")), "a command ran")
        #expect(fw.database.contains("WHITE|192.0.2.1|||1|2|3|4|5"))

        // Again with nothing new: nothing changes.
        (status, err) = try fw.sync()
        #expect(status == 0 && err.contains("added 0, deleted 0"), "\(err)")

        // The publisher withdraws the operator's trap, one the script added, and hostile ones.
        let withdrawn = ["hand@bsdly.com", "trap1@bsdly.com", "$(>pwned)@bsdly.com", "*@bsdly.com", "-d@bsdly.com"]
        for w in withdrawn { try s.ws.store.delist(entry: w, kind: "address", reason: "test", at: Self.now + 10) }
        try s.publish(now: Self.now + 20, force: true)
        #expect(
            Set((s.dir.read("publish/spamtraps-withdrawn.txt") ?? "").split(separator: "\n").map(String.init))
                == Set(withdrawn))
        (status, err) = try fw.sync()
        #expect(status == 0, "\(shell): \(err)")
        #expect(
            fw.traps == added.subtracting(withdrawn).union(["hand@bsdly.com", "own@bsdly.com"]),
            "\(shell): \(fw.database)")
        #expect(fw.record == added.subtracting(withdrawn))
        #expect(!FileManager.default.fileExists(atPath: fw.dir.file("cwd/pwned")), "a command ran")

        // Relisted: back on the firewall, recorded as added here again. "-d@bsdly.com" sorts
        // first in the batch handed to spamdb: without "--" it would be read as options.
        #expect(try s.ws.store.relist(entry: "trap1@bsdly.com", at: Self.now + 30))
        #expect(try s.ws.store.relist(entry: "-d@bsdly.com", at: Self.now + 30))
        try s.publish(now: Self.now + 40)
        (status, err) = try fw.sync()
        #expect(status == 0, "\(shell): \(err)")
        #expect(
            fw.traps
                == added.subtracting(["$(>pwned)@bsdly.com", "*@bsdly.com"]).union(["hand@bsdly.com", "own@bsdly.com"]))
        #expect(fw.record == added.subtracting(["$(>pwned)@bsdly.com", "*@bsdly.com"]))
        #expect(!fw.traps.contains("decoy@bsdly.com"))

        // The operator deletes a trap the script added: it leaves the record, and comes back
        // while it is listed.
        fw.dir.write(
            "spamdb.txt", fw.database.filter { $0 != "SPAMTRAP|trap2@bsdly.com" }.joined(separator: "\n") + "\n")
        (status, err) = try fw.sync()
        #expect(status == 0 && fw.traps.contains("trap2@bsdly.com") && fw.record?.contains("trap2@bsdly.com") == true)
    }

    /// A failed, empty, cut-short or foreign download changes nothing: not the database, not
    /// the record.
    @Test(arguments: shells)
    func badDownloadsChangeNothing(_ shell: String) throws {
        let s = try Scene()
        try s.classify(Self.plain.map { "SPAMTRAP|\($0)\n" }.joined(), now: Self.now)
        try s.publish(now: Self.now)
        let fw = try Firewall(shell: shell, serving: s.dir.file("publish"))
        #expect(try fw.sync().0 == 0)
        #expect(fw.traps == Set(Self.plain))
        // Withdrawn upstream; then every kind of bad download must keep it on the firewall.
        try s.ws.store.delist(entry: "trap1@bsdly.com", kind: "address", reason: "test", at: Self.now + 10)
        try s.publish(now: Self.now + 20, force: true)
        let before = (fw.dir.read("spamdb.txt"), fw.dir.read("added.txt"))

        let bad = TempDir("served")
        fw.serveDir = bad.path
        let withdrawnText = s.dir.read("publish/spamtraps-withdrawn.txt")!
        let cases: [(what: String, traps: String?, withdrawn: String?, failFetch: Bool, says: String)] = [
            ("fetch fails", nil, nil, true, "cannot fetch"),
            ("empty trap list", "", withdrawnText, false, "lists no address"),
            ("cut mid-line", "trap2@bsdly.com\nhand@bs", withdrawnText, false, "middle of a line"),
            ("withdrawn cut mid-line", "trap2@bsdly.com\n", "trap1@bsdly", false, "middle of a line"),
            (
                "an error page", "<html>\n<body>\n<p>Service unavailable</p>\n</body></html>\n", withdrawnText, false,
                "not addresses"
            ),
            ("missing withdrawn file", "trap2@bsdly.com\n", nil, false, "cannot fetch"),
        ]
        for c in cases {
            try? FileManager.default.removeItem(atPath: bad.file("spamtraps.txt"))
            try? FileManager.default.removeItem(atPath: bad.file("spamtraps-withdrawn.txt"))
            if let t = c.traps { bad.write("spamtraps.txt", t) }
            if let w = c.withdrawn { bad.write("spamtraps-withdrawn.txt", w) }
            let (status, err) = try fw.sync(failFetch: c.failFetch)
            #expect(status == 1, "\(shell), \(c.what): \(status) \(err)")
            #expect(err.contains(c.says) && err.contains("nothing changed"), "\(shell), \(c.what): \(err)")
            #expect(fw.dir.read("spamdb.txt") == before.0, "\(shell), \(c.what): the database changed")
            #expect(fw.dir.read("added.txt") == before.1, "\(shell), \(c.what): the record changed")
        }
        // The real lists again: the withdrawal goes through.
        fw.serveDir = s.dir.file("publish")
        #expect(try fw.sync().0 == 0)
        #expect(fw.traps == Set(Self.plain).subtracting(["trap1@bsdly.com"]))
    }
}
