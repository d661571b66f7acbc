import Foundation
import GRDB
import Testing

@testable import TrapkeeperCore

/// SIGKILL a real `trapkeeper run` at several points: the state stays consistent, every
/// published file is the old or the new one whole, and the next run completes normally.
@Suite(.serialized) struct CrashSafetyTests {
    static let now: Int64 = 1_700_000_000
    static let files = ["spamtraps.txt", "spamtraps.html", "traplist.pf", "traplist.spamd"]

    static func dump(traps: Int, offset: Int) -> String {
        var s = ""
        s.reserveCapacity(traps * 110)
        for i in 0..<traps {
            let n = i + offset
            s +=
                "GREY|45.\(n % 200 + 1).\((n / 200) % 250).\(n % 250 + 1)|mx\(n % 97).spam.example|<kd\(n % 13)@xmail.ru>|<trap\(n)@bsdly.com>|\(now - 600)|\(now)|\(now + 14400)|1|0\n"
        }
        return s
    }

    /// A world with one file source; returns the config path.
    static func world(_ dir: TempDir, dump: String) -> String {
        dir.write("valid.txt", "peter@bsdly.com\n")
        dir.write("greylist.dump", dump)
        return dir.write(
            "t.toml",
            """
            domains = ["bsdly.com"]
            valid_addresses = "valid.txt"
            [guards]
            max_growth_factor = 1000
            max_host_addresses = 100000000
            [[sources]]
            name = "fw"
            url = "greylist.dump"
            """)
    }

    func snapshot(_ dir: TempDir) -> [String: String] {
        var out: [String: String] = [:]
        for f in Self.files { out[f] = dir.read("publish/\(f)") }
        return out
    }

    @Test func killedRunsLeaveOldOrNewFilesAndAConsistentState() throws {
        let oldDump = Self.dump(traps: 2_000, offset: 0)
        let newDump = oldDump + Self.dump(traps: 60_000, offset: 1_000_000)

        // The reference: what a complete run over the new dump publishes.
        let ref = TempDir()
        let refConfig = Self.world(ref, dump: oldDump)
        #expect(try Binary.run(["run", "--config", refConfig, "--now", String(Self.now)]).0 == 0)
        ref.write("greylist.dump", newDump)
        #expect(try Binary.run(["run", "--config", refConfig, "--now", String(Self.now + 60)]).0 == 0)
        let newFiles = snapshot(ref)

        let dir = TempDir()
        let config = Self.world(dir, dump: oldDump)
        #expect(try Binary.run(["run", "--config", config, "--now", String(Self.now)]).0 == 0)
        let oldFiles = snapshot(dir)
        #expect(oldFiles != newFiles)
        dir.write("greylist.dump", newDump)

        var sawOld = false
        for delayMs in [20, 80, 150, 300, 500, 800, 1200] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Binary.trapkeeper)
            p.arguments = ["run", "--config", config, "--now", String(Self.now + 60)]
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(delayMs * 1000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            for f in Self.files {
                let now = dir.read("publish/\(f)")
                #expect(
                    now == oldFiles[f] || now == newFiles[f],
                    "\(f) is neither the old nor the new file after a kill at \(delayMs) ms")
                if now == oldFiles[f] { sawOld = true }
            }
            // No temp file is left where readers look... (a killed writer may leave its .tmp)
            let queue = try DatabaseQueue(path: dir.file("state.sqlite"))
            let check = try queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
            #expect(check == "ok")
        }
        #expect(sawOld, "no kill landed before the publish: the test did not test anything")
        let (code, _, err) = try Binary.run(["run", "--config", config, "--now", String(Self.now + 60)])
        #expect(code == 0, "\(err)")
        #expect(snapshot(dir) == newFiles)
    }
}
