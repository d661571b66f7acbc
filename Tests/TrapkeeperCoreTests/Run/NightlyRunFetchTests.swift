import FlyingFox
import Foundation
import Testing

@testable import TrapkeeperCore

/// How `trapkeeper run` fetches: conditional requests against the cached copy, bodies cut
/// short, and passwords kept out of every message and the state. Real servers on 127.0.0.1.
@Suite(.serialized) struct NightlyRunFetchTests {
    static let now: Int64 = 1_700_000_000

    /// The validators each request carried, in order (servers answer on other threads).
    final class Requests: @unchecked Sendable {
        struct Seen: Sendable {
            var ifNoneMatch: String?
            var ifModifiedSince: String?
        }
        private let lock = NSLock()
        private var seen: [Seen] = []

        func add(_ request: HTTPRequest) {
            lock.lock()
            seen.append(
                Seen(
                    ifNoneMatch: request.headers[.ifNoneMatch], ifModifiedSince: request.headers[.ifModifiedSince]))
            lock.unlock()
        }

        var all: [Seen] {
            lock.lock()
            defer { lock.unlock() }
            return seen
        }
    }

    /// A value set from a test and read from server threads.
    final class Shared<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Value
        init(_ value: Value) { stored = value }
        var value: Value {
            get {
                lock.lock()
                defer { lock.unlock() }
                return stored
            }
            set {
                lock.lock()
                stored = newValue
                lock.unlock()
            }
        }
    }

    func scene(sources: [SourceConfig]) throws -> Scene {
        let s = try Scene()
        s.config.sources = sources
        try s.reopen()
        return s
    }

    func run(_ s: Scene, at now: Int64, reporter: Reporter = .silent) async throws -> TrapkeeperCore.ExitStatus {
        try await FetchTestSupport.offThread { [s] in
            Result { try NightlyRun.run(workspace: s.ws, now: now, dryRun: false, force: false, reporter: reporter) }
        }.get()
    }

    // MARK: - conditional GET

    enum Validator: String, CaseIterable, Sendable {
        case etag
        case lastModified
    }

    @Test(
        "night 2 sends the cached copy's validator, gets 304, exits 0 and publishes the same lists",
        arguments: Validator.allCases)
    func secondNightIsConditional(validator: Validator) async throws {
        let seen = Requests()
        let body = Data(NightlyRunTests.dump(["alpha", "beta"], ip: "45.95.147.1").utf8)
        let etag = "\"dump-v1\""
        let stamp = "Tue, 14 Nov 2023 22:13:20 GMT"
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /fw1") { request in
                seen.add(request)
                switch validator {
                case .etag:
                    if request.headers[.ifNoneMatch] == etag {
                        return HTTPResponse(statusCode: .notModified, headers: [.eTag: etag])
                    }
                    return HTTPResponse(statusCode: .ok, headers: [.eTag: etag], body: body)
                case .lastModified:
                    if request.headers[.ifModifiedSince] == stamp { return HTTPResponse(statusCode: .notModified) }
                    return HTTPResponse(statusCode: .ok, headers: [.lastModified: stamp], body: body)
                }
            }
        }
        let s = try scene(sources: [SourceConfig(name: "fw1", url: server.url("/fw1"))])

        #expect(try await run(s, at: Self.now) == .ok)
        let traps = s.traps
        let hosts = s.pfEntries
        #expect(traps == ["alpha@bsdly.com", "beta@bsdly.com"])
        #expect(hosts == ["45.95.147.1"])

        let log = MessageLog()
        let night2 = try await run(s, at: Self.now + 3600, reporter: log.reporterWithProgress)
        await server.stop()
        let requests = seen.all
        #expect(requests.count == 2)
        #expect(requests.first?.ifNoneMatch == nil && requests.first?.ifModifiedSince == nil)
        switch validator {
        case .etag: #expect(requests.last?.ifNoneMatch == etag, "\(requests)")
        case .lastModified: #expect(requests.last?.ifModifiedSince == stamp, "\(requests)")
        }
        #expect(night2 == .ok, "\(log.all)")
        #expect(s.traps == traps)
        #expect(s.pfEntries == hosts)
        #expect(log.all.contains { $0.contains("fw1") && $0.contains("not modified") }, "\(log.all)")
        let health = try #require(try s.ws.store.sourceHealth(name: "fw1"))
        #expect(health.httpStatus == 304)
        #expect(health.lastSuccess == Self.now + 3600)
        #expect(health.lastError == nil)
        #expect(health.records == 2)
        switch validator {
        case .etag: #expect(health.etag == etag)
        case .lastModified: #expect(health.lastModified == stamp)
        }
    }

    @Test("a 304 nobody asked for is a failure of the source, never an empty dump")
    func unaskedNotModifiedIsAFailure() async throws {
        let answer304 = Shared(false)
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /fw1") { _ in
                HTTPResponse(statusCode: .ok, body: Data(NightlyRunTests.dump(["alpha"], ip: "45.95.147.1").utf8))
            }
            // No validators ever: a 304 on night 2 answers a question that was never asked.
            await server.appendRoute("GET /fw2") { _ in
                if answer304.value { return HTTPResponse(statusCode: .notModified) }
                return HTTPResponse(
                    statusCode: .ok, body: Data(NightlyRunTests.dump(["gamma"], ip: "45.95.147.2").utf8))
            }
            // Always 304, with no cached copy at all.
            await server.appendRoute("GET /fw3") { _ in HTTPResponse(statusCode: .notModified) }
        }
        let s = try scene(sources: [
            SourceConfig(name: "fw1", url: server.url("/fw1")), SourceConfig(name: "fw2", url: server.url("/fw2")),
            SourceConfig(name: "fw3", url: server.url("/fw3")),
        ])
        let log1 = MessageLog()
        #expect(try await run(s, at: Self.now, reporter: log1.reporterWithProgress) == .partial)
        let fw3 = log1.all.filter { $0.contains("source 'fw3'") }
        #expect(fw3.count == 1, "\(log1.all)")
        #expect(fw3.first?.contains("no conditional request was sent") == true)
        #expect(fw3.first?.contains("left out of this run") == true)
        #expect(s.traps == ["alpha@bsdly.com", "gamma@bsdly.com"])

        answer304.value = true
        let log2 = MessageLog()
        #expect(try await run(s, at: Self.now + 3600, reporter: log2.reporterWithProgress) == .partial)
        await server.stop()
        #expect(
            log2.all.contains {
                $0.contains("source 'fw2'") && $0.contains("no conditional request was sent")
                    && $0.contains("using the copy from")
            }, "\(log2.all)")
        #expect(s.traps == ["alpha@bsdly.com", "gamma@bsdly.com"])
        #expect(try s.ws.store.sourceHealth(name: "fw2")?.lastSuccess == Self.now)
    }

    // MARK: - bodies cut short

    @Test(
        "a close-delimited body cut in its last line fails the source: the partial line never becomes a trap or host",
        arguments: [1, 2, 30])
    func cutBodyFallsBackToTheLastGoodCopy(dropped: Int) async throws {
        let night2 = Shared(false)
        let first = NightlyRunTests.dump(["alpha"], ip: "45.95.147.1")
        let cut = String((first + NightlyRunTests.dump(["newtrap"], ip: "45.95.147.9")).utf8.dropLast(dropped))!
        let server = try RawHTTPServer { _, connection in
            connection.send("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            connection.send(night2.value ? cut : first)
        }
        defer { server.stop() }
        let s = try scene(sources: [SourceConfig(name: "fw1", url: server.url("/greylist.dump"))])
        #expect(try await run(s, at: Self.now) == .ok)
        #expect(s.traps == ["alpha@bsdly.com"])

        night2.value = true
        let log = MessageLog()
        #expect(try await run(s, at: Self.now + 3600, reporter: log.reporterWithProgress) == .partial, "\(log.all)")
        #expect(
            log.all.contains {
                $0.contains("source 'fw1'") && $0.contains("ends in the middle of a line")
                    && $0.contains("using the copy from")
            }, "\(log.all)")
        #expect(s.traps == ["alpha@bsdly.com"])
        #expect(s.pfEntries == ["45.95.147.1"])
        #expect(try s.ws.store.addresses().allSatisfy { !$0.address.contains("newtrap") })
    }

    // MARK: - credentials

    @Test("a password in a source URL shows in no message, no status line and nowhere in the state file")
    func passwordsStayOut() async throws {
        let port = Shared<UInt16>(0)
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /ok") { _ in
                HTTPResponse(statusCode: .ok, body: Data(NightlyRunTests.dump(["alpha"], ip: "45.95.147.1").utf8))
            }
            await server.appendRoute("GET /locked") { _ in
                HTTPResponse(
                    statusCode: .unauthorized, headers: [HTTPHeader("WWW-Authenticate"): "Basic realm=\"spamd\""])
            }
            await server.appendRoute("GET /broken") { _ in HTTPResponse(statusCode: .internalServerError) }
            await server.appendRoute("GET /garbage") { _ in
                HTTPResponse(statusCode: .ok, body: Data("this is\nnot a dump\nat all\n".utf8))
            }
            // The password arrives in a redirect, not in the config.
            await server.appendRoute("GET /moved") { _ in
                HTTPResponse(
                    statusCode: .found,
                    headers: [.location: "http://eve:hunter2@127.0.0.1:\(port.value)/locked"])
            }
        }
        port.value = server.port
        func withPassword(_ path: String) -> String { "http://bob:hunter2@127.0.0.1:\(server.port)\(path)" }
        let s = try scene(sources: [
            SourceConfig(name: "ok", url: withPassword("/ok")),
            SourceConfig(name: "locked", url: withPassword("/locked")),
            SourceConfig(name: "broken", url: withPassword("/broken")),
            SourceConfig(name: "garbage", url: withPassword("/garbage")),
            SourceConfig(name: "moved", url: server.url("/moved")),
        ])
        var shown: [String] = [try StatusReport.text(workspace: s.ws, now: Self.now)]  // never fetched yet
        let log = MessageLog()
        #expect(try await run(s, at: Self.now, reporter: log.reporterWithProgress) == .partial)
        await server.stop()
        #expect(try await run(s, at: Self.now + 3600, reporter: log.reporterWithProgress) == .partial)
        shown += log.all
        shown.append(try StatusReport.text(workspace: s.ws, now: Self.now + 3600))

        #expect(log.all.contains { $0.contains("source 'locked': HTTP 401") }, "\(log.all)")
        #expect(log.all.contains { $0.contains("source 'broken': HTTP 500") }, "\(log.all)")
        #expect(log.all.contains { $0.contains("source 'garbage'") }, "\(log.all)")
        #expect(log.all.contains { $0.contains("source 'ok'") && $0.contains("bob:***@127.0.0.1") }, "\(log.all)")
        for line in shown {
            #expect(!line.contains("hunter2"), "\(line)")
        }
        for file in ["state.sqlite", "state.sqlite-wal"] {
            let bytes = FileManager.default.contents(atPath: s.dir.file(file)) ?? Data()
            #expect(bytes.range(of: Data("hunter2".utf8)) == nil, "\(file) holds the password")
        }
    }
}
