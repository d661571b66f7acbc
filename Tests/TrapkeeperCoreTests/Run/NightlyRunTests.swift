import FlyingFox
import Foundation
import Testing

@testable import TrapkeeperCore

/// `trapkeeper run` against real HTTP servers on 127.0.0.1.
@Suite(.serialized) struct NightlyRunTests {
    static let now: Int64 = 1_700_000_000

    static func dump(_ traps: [String], ip: String) -> String {
        traps.map {
            "GREY|\(ip)|mx.spam.example|<kd@xmail.ru>|<\($0)@bsdly.com>|\(now - 600)|\(now)|\(now + 14400)|1|0\n"
        }.joined()
    }

    func scene(sources: [SourceConfig]) throws -> Scene {
        let s = try Scene()
        s.config.sources = sources
        try s.reopen()
        return s
    }

    @Test func oneBrokenSourcePublishesTheRestAndSaysWhy() async throws {
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /fw1") { _ in
                HTTPResponse(statusCode: .ok, body: Data(Self.dump(["alpha", "beta"], ip: "45.95.147.1").utf8))
            }
            await server.appendRoute("GET /fw2") { _ in
                HTTPResponse(statusCode: .ok, body: Data(Self.dump(["gamma"], ip: "45.95.147.2").utf8))
            }
            await server.appendRoute("GET /fw3") { _ in HTTPResponse(statusCode: .internalServerError) }
        }
        let s = try scene(sources: [
            SourceConfig(name: "fw1", url: server.url("/fw1")), SourceConfig(name: "fw2", url: server.url("/fw2")),
            SourceConfig(name: "fw3", url: server.url("/fw3")),
        ])
        let log = MessageLog()
        let status = try await FetchTestSupport.offThread { [s] in
            Result {
                try NightlyRun.run(workspace: s.ws, now: Self.now, dryRun: false, force: false, reporter: log.reporter)
            }
        }.get()
        #expect(status == .partial)
        #expect(s.traps == ["alpha@bsdly.com", "beta@bsdly.com", "gamma@bsdly.com"])
        #expect(s.pfEntries == ["45.95.147.1", "45.95.147.2"])
        let fw3 = log.all.filter { $0.contains("fw3") }
        #expect(fw3.count == 1, "\(log.all)")
        #expect(fw3.first?.contains("HTTP 500") == true)
        #expect(fw3.first?.contains("left out of this run") == true)
        let health = try s.ws.store.sourceHealth(name: "fw1")
        #expect(health?.lastSuccess == Self.now)
        #expect(health?.records == 2)

        // Every source down now: the published files stay byte for byte.
        await server.stop()
        let before = ["spamtraps.txt", "spamtraps.html", "traplist.pf", "traplist.spamd"].map {
            s.dir.read("publish/\($0)")
        }
        let log2 = MessageLog()
        let status2 = try await FetchTestSupport.offThread { [s] in
            Result {
                try NightlyRun.run(
                    workspace: s.ws, now: Self.now + 86400, dryRun: false, force: false, reporter: log2.reporter)
            }
        }.get()
        #expect(status2 == .partial)
        let after = ["spamtraps.txt", "spamtraps.html", "traplist.pf", "traplist.spamd"].map {
            s.dir.read("publish/\($0)")
        }
        #expect(before == after)
        #expect(log2.all.contains { $0.contains("every source failed") })
        #expect(log2.all.contains { $0.contains("fw1") && $0.contains("using the copy from") })
    }

    final class Switch: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var on: Bool {
            get {
                lock.lock()
                defer { lock.unlock() }
                return value
            }
            set {
                lock.lock()
                value = newValue
                lock.unlock()
            }
        }
    }

    @Test func failedSourceFallsBackToItsLastGoodCopyAndNeverShrinksTheLists() async throws {
        let broken = Switch()
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /fw1") { _ in
                HTTPResponse(statusCode: .ok, body: Data(Self.dump(["alpha"], ip: "45.95.147.1").utf8))
            }
            await server.appendRoute("GET /fw2") { _ in
                if broken.on {
                    return HTTPResponse(
                        statusCode: .ok, headers: [.contentType: "text/html"],
                        body: Data("<html><body>maintenance</body></html>".utf8))
                }
                return HTTPResponse(statusCode: .ok, body: Data(Self.dump(["gamma"], ip: "45.95.147.2").utf8))
            }
        }
        let s = try scene(sources: [
            SourceConfig(name: "fw1", url: server.url("/fw1")), SourceConfig(name: "fw2", url: server.url("/fw2")),
        ])
        let r1 = try await FetchTestSupport.offThread { [s] in
            Result {
                try NightlyRun.run(workspace: s.ws, now: Self.now, dryRun: false, force: false, reporter: .silent)
            }
        }.get()
        #expect(r1 == .ok)
        // fw2 now serves an HTML error page with 200.
        broken.on = true
        let log = MessageLog()
        let r2 = try await FetchTestSupport.offThread { [s] in
            Result {
                try NightlyRun.run(
                    workspace: s.ws, now: Self.now + 3600, dryRun: false, force: false, reporter: log.reporter)
            }
        }.get()
        #expect(r2 == .partial)
        #expect(
            log.all.contains { $0.contains("fw2") && $0.contains("HTML") && $0.contains("using the copy from") },
            "\(log.all)")
        #expect(s.traps == ["alpha@bsdly.com", "gamma@bsdly.com"])
        #expect(s.pfEntries == ["45.95.147.1", "45.95.147.2"])
        // Three days on, the copy is too old: fw2 is left out, but its host stays published.
        let log3 = MessageLog()
        let r3 = try await FetchTestSupport.offThread { [s] in
            Result {
                try NightlyRun.run(
                    workspace: s.ws, now: Self.now + 3 * 86400, dryRun: false, force: true, reporter: log3.reporter)
            }
        }.get()
        #expect(r3 == .partial)
        #expect(log3.all.contains { $0.contains("fw2") && $0.contains("older than max_stale_hours") }, "\(log3.all)")
        #expect(s.traps == ["alpha@bsdly.com", "gamma@bsdly.com"])
        #expect(s.pfEntries.contains("45.95.147.2"))
        await server.stop()
    }

    @Test func dryRunWritesNothing() async throws {
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /fw1") { _ in
                HTTPResponse(statusCode: .ok, body: Data(Self.dump(["alpha"], ip: "45.95.147.1").utf8))
            }
        }
        let s = try scene(sources: [SourceConfig(name: "fw1", url: server.url("/fw1"))])
        let r = try await FetchTestSupport.offThread { [s] in
            Result { try NightlyRun.run(workspace: s.ws, now: Self.now, dryRun: true, force: false, reporter: .silent) }
        }.get()
        await server.stop()
        #expect(r == .ok)
        #expect(s.dir.read("publish/spamtraps.txt") == nil)
        #expect(try s.ws.store.addresses().isEmpty)
        #expect(try s.ws.store.sourceHealth().isEmpty)
    }

    @Test func secondConcurrentRunExits75() async throws {
        // A source that trickles for a few seconds keeps the first run busy.
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /slow") { _ in
                try await Task.sleep(nanoseconds: 3_000_000_000)
                return HTTPResponse(statusCode: .ok, body: Data(Self.dump(["alpha"], ip: "45.95.147.1").utf8))
            }
        }
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        let config = dir.write(
            "t.toml",
            """
            domains = ["bsdly.com"]
            valid_addresses = "valid.txt"
            [[sources]]
            name = "slow"
            url = "\(server.url("/slow"))"
            """)
        let first = Process()
        first.executableURL = URL(fileURLWithPath: Binary.trapkeeper)
        first.arguments = ["run", "--config", config, "--now", String(Self.now)]
        try first.run()
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let (code, out, err) = try Binary.run(["run", "--config", config, "--now", String(Self.now)])
        #expect(code == 75)
        #expect(out.isEmpty)
        #expect(err.contains("pid \(first.processIdentifier)"), "\(err)")
        await FetchTestSupport.offThread { first.waitUntilExit() }
        #expect(first.terminationStatus == 0)
        #expect(dir.read("publish/spamtraps.txt") == "alpha@bsdly.com\n")
        await server.stop()
    }
}
