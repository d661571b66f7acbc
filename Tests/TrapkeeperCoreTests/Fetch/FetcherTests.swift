import FlyingFox
import Foundation
import Testing

@testable import TrapkeeperCore

@Suite("Fetcher")
struct FetcherTests {
    static let dump = "# spamdb\nGREY|192.0.2.1|mx.example|<a@example.com>|<trap@bsdly.net>|1|2|3|1|0\n"

    static func source(
        _ name: String = "delilah", maxBytes: Int64 = SourceConfig.defaultMaxBytes,
        lowSpeedBytes: Int = 1024, lowSpeedSeconds: Int = 30, timeout: Int = 20,
        netrc: String? = nil, bearer: String? = nil
    ) -> SourceConfig {
        SourceConfig(
            name: name, url: "unused", timeoutSeconds: timeout,
            lowSpeedBytesPerSecond: lowSpeedBytes, lowSpeedSeconds: lowSpeedSeconds,
            maxBytes: maxBytes, netrcFile: netrc, bearerTokenFile: bearer)
    }

    /// Expects a failure that names the source and the URL and contains `fragment`, with
    /// nothing left at the destination's `.part`.
    static func expectFailure(
        _ outcome: FetchOutcome, _ fragment: String, url: String, name: String = "delilah",
        support: FetchTestSupport, destination: String = "out.dump",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(outcome.status == .failed, sourceLocation: sourceLocation)
        #expect(outcome.sourceName == name, sourceLocation: sourceLocation)
        let error = outcome.error ?? ""
        #expect(error.contains("source '\(name)'"), "\(error)", sourceLocation: sourceLocation)
        #expect(error.contains(url), "\(error)", sourceLocation: sourceLocation)
        #expect(error.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        #expect(!error.contains("\n"), sourceLocation: sourceLocation)
        #expect(!support.exists(destination + ".part"), sourceLocation: sourceLocation)
    }

    @Test("200: body, validators and content type are recorded; no .part is left")
    func fetchesOK() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { request in
                guard request.headers[HTTPHeader("User-Agent")] == "trapkeeper/0.1" else {
                    return HTTPResponse(statusCode: .badRequest)
                }
                return HTTPResponse(
                    statusCode: .ok,
                    headers: [
                        .contentType: "text/plain", .eTag: "\"v1\"",
                        .lastModified: "Wed, 21 Oct 2015 07:28:00 GMT",
                    ],
                    body: Data(Self.dump.utf8))
            }
        }
        let url = server.url("/greylist.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        await server.stop()

        #expect(outcome.status == .fetched, "\(outcome.error ?? "")")
        #expect(outcome.sourceName == "delilah")
        #expect(outcome.httpStatus == 200)
        #expect(outcome.bytes == Int64(Self.dump.utf8.count))
        #expect(outcome.etag == "\"v1\"")
        #expect(outcome.lastModified == "Wed, 21 Oct 2015 07:28:00 GMT")
        #expect(outcome.contentType == "text/plain")
        #expect(outcome.error == nil)
        #expect(outcome.seconds > 0)
        #expect(support.read("out.dump") == Self.dump)
        #expect(!support.exists("out.dump.part"))
    }

    @Test("304 leaves the cached copy untouched; a changed ETag fetches again")
    func notModified() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { request in
                if request.headers[.ifNoneMatch] == "\"v1\"" {
                    return HTTPResponse(statusCode: .notModified, headers: HTTPHeaders([.eTag: "\"v1\""]))
                }
                return HTTPResponse(statusCode: .ok, headers: [.eTag: "\"v2\""], body: Data("fresh\n".utf8))
            }
        }
        let url = server.url("/greylist.dump")
        let destination = try support.write("cached\n", to: "out.dump")

        let same = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: destination, etag: "\"v1\""))
        #expect(same.status == .notModified, "\(same.error ?? "")")
        #expect(same.httpStatus == 304)
        #expect(same.bytes == 0)
        #expect(same.etag == "\"v1\"")
        #expect(same.error == nil)
        #expect(support.read("out.dump") == "cached\n")
        #expect(!support.exists("out.dump.part"))

        let changed = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: destination, etag: "\"v0\""))
        #expect(changed.status == .fetched)
        #expect(changed.etag == "\"v2\"")
        #expect(support.read("out.dump") == "fresh\n")

        // A copy kept apart from the destination: its validators are sent, a 304 writes nothing.
        let kept = try support.write("kept\n", to: "kept.dump")
        let apart = await FetchTestSupport.fetch(
            FetchRequest(
                source: Self.source(), url: url, destination: support.path("scratch.dump"), etag: "\"v1\"",
                cachedCopy: kept))
        #expect(apart.status == .notModified, "\(apart.error ?? "")")
        #expect(!support.exists("scratch.dump"))
        #expect(support.read("kept.dump") == "kept\n")

        // No cached copy: the validators are not sent, so the server answers 200.
        let missing = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("new.dump"), etag: "\"v1\""))
        #expect(missing.status == .fetched)
        #expect(support.read("new.dump") == "fresh\n")
        let missingApart = await FetchTestSupport.fetch(
            FetchRequest(
                source: Self.source(), url: url, destination: support.path("new2.dump"), etag: "\"v1\"",
                cachedCopy: support.path("gone.dump")))
        await server.stop()
        #expect(missingApart.status == .fetched)
        #expect(support.read("new2.dump") == "fresh\n")
    }

    @Test("404 and 500 fail with the status and URL; the old copy stays", arguments: [404, 500])
    func httpErrors(code: Int) async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { _ in
                HTTPResponse(statusCode: HTTPStatusCode(code, phrase: "Nope"), body: Data("not a dump".utf8))
            }
        }
        let url = server.url("/greylist.dump")
        let destination = try support.write("old\n", to: "out.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: destination))
        await server.stop()
        Self.expectFailure(outcome, "HTTP \(code) from \(url)", url: url, support: support)
        #expect(outcome.httpStatus == code)
        #expect(support.read("out.dump") == "old\n")
    }

    @Test("connection refused fails with curl's text")
    func connectionRefused() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let (fd, port) = try RawHTTPServer.bindLoopback(listen: false)  // bound, not listening
        defer { close(fd) }
        let url = "http://127.0.0.1:\(port)/greylist.dump"
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        Self.expectFailure(outcome, "Failed to connect", url: url, support: support)
        #expect(outcome.httpStatus == nil)
        #expect(!support.exists("out.dump"))
    }

    @Test("TLS: https to a plain-HTTP port fails with curl's TLS error; an unreadable ca_file fails early")
    func tlsErrors() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        // A plain-HTTP peer that answers at once, without waiting for a request: curl reads its
        // bytes as a TLS record and fails the handshake straight away (no timing involved).
        let (listener, port) = try RawHTTPServer.bindLoopback(listen: true)
        Thread.detachNewThread {
            for _ in 0..<2 {
                let c = accept(listener, nil, nil)
                if c < 0 { return }
                let reply = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
                _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, 0) }
                usleep(200_000)
                close(c)
            }
        }
        defer { close(listener) }
        let url = "https://127.0.0.1:\(port)/greylist.dump"
        let plain = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(timeout: 5), url: url, destination: support.path("out.dump")))
        Self.expectFailure(plain, "cannot fetch \(url): ", url: url, support: support)
        #expect(plain.error?.lowercased().contains("ssl") == true || plain.error?.lowercased().contains("tls") == true)

        var source = Self.source()
        source.caFile = support.path("no-such-ca.pem")
        let noCA = await FetchTestSupport.fetch(
            FetchRequest(source: source, url: url, destination: support.path("out.dump")))
        Self.expectFailure(noCA, "cannot read ca_file", url: url, support: support)
        #expect(!support.exists("out.dump"))
    }

    @Test("a server trickling below the low-speed limit is cut off")
    func slowTrickle() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try RawHTTPServer { _, connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
            for _ in 0..<40 {  // 50 B/s for up to 8 s
                guard connection.send(String(repeating: "x", count: 10)) else { return }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        defer { server.stop() }
        let url = server.url("/greylist.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(
                source: Self.source(lowSpeedBytes: 1000, lowSpeedSeconds: 1), url: url,
                destination: support.path("out.dump")))
        Self.expectFailure(outcome, "too slow", url: url, support: support)
        #expect(outcome.seconds < 6)
        #expect(!support.exists("out.dump"))
    }

    @Test("a body over max_bytes fails; exactly max_bytes is fine")
    func maxBytes() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let body = Data(repeating: UInt8(ascii: "a"), count: 9_999) + Data("\n".utf8)
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /big") { _ in HTTPResponse(statusCode: .ok, body: body) }
        }
        let url = server.url("/big")
        let tooBig = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(maxBytes: 9_999), url: url, destination: support.path("out.dump")))
        Self.expectFailure(tooBig, "larger than max_bytes 9999", url: url, support: support)
        #expect(!support.exists("out.dump"))

        let fits = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(maxBytes: 10_000), url: url, destination: support.path("out.dump")))
        await server.stop()
        #expect(fits.status == .fetched)
        #expect(fits.bytes == 10_000)
    }

    @Test("Content-Length longer than the body: truncated, nothing written")
    func truncated() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try RawHTTPServer { _, connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n")
            connection.send(String(repeating: "y", count: 100))
        }
        defer { server.stop() }
        let url = server.url("/greylist.dump")
        let destination = try support.write("old\n", to: "out.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: destination))
        Self.expectFailure(outcome, "truncated: got 100 of 1000 bytes", url: url, support: support)
        #expect(support.read("out.dump") == "old\n")
    }

    @Test("Content-Encoding gzip is asked for and decoded")
    func contentEncodingGzip() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let plain = String(repeating: Self.dump, count: 200)
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { request in
                guard request.headers[HTTPHeader("Accept-Encoding")]?.contains("gzip") == true else {
                    return HTTPResponse(statusCode: .notAcceptable)
                }
                return HTTPResponse(
                    statusCode: .ok, headers: [.contentEncoding: "gzip", .contentType: "text/plain"],
                    body: FetchTestSupport.gzip(Data(plain.utf8)))
            }
        }
        let url = server.url("/greylist.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        await server.stop()
        #expect(outcome.status == .fetched, "\(outcome.error ?? "")")
        #expect(outcome.bytes == Int64(plain.utf8.count))
        #expect(support.read("out.dump") == plain)
    }

    @Test("a .gz file sent with Content-Encoding gzip is undone twice")
    func gzipFileWithContentEncoding() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let plain = String(repeating: Self.dump, count: 200)
        let twice = FetchTestSupport.gzip(FetchTestSupport.gzip(Data(plain.utf8)))
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump.gz") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentEncoding: "gzip"], body: twice)
            }
        }
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(
                source: Self.source(), url: server.url("/greylist.dump.gz"), destination: support.path("out.dump")))
        await server.stop()
        #expect(outcome.status == .fetched, "\(outcome.error ?? "")")
        #expect(support.read("out.dump") == plain)
    }

    @Test("a .gz body (two members) is gunzipped to disk")
    func gzipBody() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let first = String(repeating: Self.dump, count: 3000)
        let second = "# second member\n"
        let gz = FetchTestSupport.gzip(Data(first.utf8)) + FetchTestSupport.gzip(Data(second.utf8))
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump.gz") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "application/gzip"], body: gz)
            }
        }
        let url = server.url("/greylist.dump.gz")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        await server.stop()
        #expect(outcome.status == .fetched, "\(outcome.error ?? "")")
        #expect(outcome.bytes == Int64((first + second).utf8.count))
        #expect(support.read("out.dump") == first + second)
    }

    @Test("a cut-off .gz fails; a .gz bomb stops at max_bytes")
    func gzipFailures() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let gz = FetchTestSupport.gzip(Data(String(repeating: Self.dump, count: 3000).utf8))
        let bomb = FetchTestSupport.gzip(Data(repeating: 0x41, count: 5_000_000))
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /cut.gz") { _ in HTTPResponse(statusCode: .ok, body: gz.prefix(gz.count / 2))
            }
            await server.appendRoute("GET /bomb.gz") { _ in HTTPResponse(statusCode: .ok, body: bomb) }
        }
        let cutURL = server.url("/cut.gz")
        let cut = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: cutURL, destination: support.path("out.dump")))
        Self.expectFailure(cut, "gzip body that ends early", url: cutURL, support: support)

        let bombURL = server.url("/bomb.gz")
        let exploded = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(maxBytes: 100_000), url: bombURL, destination: support.path("out.dump")))
        await server.stop()
        #expect(bomb.count < 100_000)
        Self.expectFailure(exploded, "larger than max_bytes 100000", url: bombURL, support: support)
        #expect(!support.exists("out.dump"))
    }

    @Test(
        "an HTML page served with 200 is not a dump",
        arguments: [
            ("text/html; charset=utf-8", "<p>Service unavailable</p>"),
            ("text/plain", "\n  \t<!doctype html><html><body>login</body></html>"),
            ("application/octet-stream", "\u{FEFF}<HTML><BODY>error</BODY></HTML>"),
        ])
    func htmlPage(contentType: String, body: String) async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: contentType], body: Data(body.utf8))
            }
        }
        let url = server.url("/greylist.dump")
        let destination = try support.write("old\n", to: "out.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: destination))
        await server.stop()
        Self.expectFailure(outcome, "served an HTML page, not a dump", url: url, support: support)
        #expect(outcome.httpStatus == 200)
        #expect(support.read("out.dump") == "old\n")
    }

    @Test("a body that merely mentions <html> later is fine; an empty body is fetched with 0 bytes")
    func notHTML() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /mention") { _ in
                HTTPResponse(statusCode: .ok, body: Data("<a@example.com> said <html>\n".utf8))
            }
            await server.appendRoute("GET /empty") { _ in HTTPResponse(statusCode: .ok) }
        }
        let mention = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: server.url("/mention"), destination: support.path("a.dump")))
        let empty = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: server.url("/empty"), destination: support.path("b.dump")))
        await server.stop()
        #expect(mention.status == .fetched, "\(mention.error ?? "")")
        #expect(support.read("a.dump") == "<a@example.com> said <html>\n")
        #expect(empty.status == .fetched, "\(empty.error ?? "")")
        #expect(empty.bytes == 0)
        #expect(support.read("b.dump") == "")
    }

    @Test("redirects: http is followed, file:// is refused")
    func redirects() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let secret = try support.write("root:x:0:0\n", to: "secret.txt")
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { _ in
                HTTPResponse(statusCode: .ok, body: Data(Self.dump.utf8))
            }
            await server.appendRoute("GET /moved") { _ in
                HTTPResponse(statusCode: .found, headers: [.location: "/greylist.dump"], body: Data("moved".utf8))
            }
            await server.appendRoute("GET /evil") { _ in
                HTTPResponse(statusCode: .found, headers: HTTPHeaders([.location: "file://\(secret)"]))
            }
        }
        let followed = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: server.url("/moved"), destination: support.path("a.dump")))
        #expect(followed.status == .fetched, "\(followed.error ?? "")")
        #expect(followed.httpStatus == 200)
        #expect(support.read("a.dump") == Self.dump)

        let url = server.url("/evil")
        let refused = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        await server.stop()
        Self.expectFailure(refused, "only http and https redirects are followed", url: url, support: support)
        #expect(!support.exists("out.dump"))
    }

    @Test("basic auth from a netrc file: 401 without, 200 with")
    func netrc() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let expected = "Basic " + Data("alice:s3cret".utf8).base64EncodedString()
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { request in
                guard request.headers[.authorization] == expected else {
                    return HTTPResponse(
                        statusCode: .unauthorized,
                        headers: HTTPHeaders([HTTPHeader("WWW-Authenticate"): "Basic realm=\"spamd\""]))
                }
                return HTTPResponse(statusCode: .ok, body: Data(Self.dump.utf8))
            }
        }
        let url = server.url("/greylist.dump")
        let netrc = try support.write("machine 127.0.0.1 login alice password s3cret\n", to: "netrc")

        let without = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        Self.expectFailure(without, "HTTP 401", url: url, support: support)
        #expect(without.error?.contains("credentials") == true)

        let missing = await FetchTestSupport.fetch(
            FetchRequest(
                source: Self.source(netrc: support.path("no-such-netrc")), url: url,
                destination: support.path("out.dump")))
        Self.expectFailure(missing, "cannot read the netrc file", url: url, support: support)

        let authorised = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(netrc: netrc), url: url, destination: support.path("out.dump")))
        await server.stop()
        #expect(authorised.status == .fetched, "\(authorised.error ?? "")")
        #expect(support.read("out.dump") == Self.dump)
    }

    @Test("bearer token from the first line of a file")
    func bearerToken() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { request in
                guard request.headers[.authorization] == "Bearer tok-123" else {
                    return HTTPResponse(statusCode: .unauthorized)
                }
                return HTTPResponse(statusCode: .ok, body: Data(Self.dump.utf8))
            }
        }
        let url = server.url("/greylist.dump")
        let token = try support.write("tok-123\nnot this line\n", to: "token")
        let empty = try support.write("\n", to: "empty-token")

        let without = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        Self.expectFailure(without, "HTTP 401", url: url, support: support)

        let blank = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(bearer: empty), url: url, destination: support.path("out.dump")))
        Self.expectFailure(blank, "is empty", url: url, support: support)

        let authorised = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(bearer: token), url: url, destination: support.path("out.dump")))
        await server.stop()
        #expect(authorised.status == .fetched, "\(authorised.error ?? "")")
        #expect(support.read("out.dump") == Self.dump)
    }

    /// Token files as editors and systems save them, and what the server must receive.
    static let savedTokens: [(name: String, text: String)] = [
        ("CRLF", "tok-123\r\n"),
        ("CRLF, second line", "tok-123\r\nnot this line\r\n"),
        ("CR only, second line", "tok-123\rnot this line\r"),
        ("BOM", "\u{FEFF}tok-123\n"),
        ("BOM + CRLF", "\u{FEFF}tok-123\r\n"),
        ("no final newline", "tok-123"),
        ("spaces and tabs around", " \ttok-123 \t\r\n"),
    ]

    @Test("a bearer token file saved with CRLF, CR or a BOM sends the bare token, and only it")
    func bearerTokenAsSaved() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let heads = MessageLog()
        let server = try RawHTTPServer { head, connection in
            heads.reporter.warn(head)
            let body = Self.dump
            connection.send(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        defer { server.stop() }
        let url = server.url("/greylist.dump")
        for (i, saved) in Self.savedTokens.enumerated() {
            let token = try support.write(saved.text, to: "token-\(i)")
            let outcome = await FetchTestSupport.fetch(
                FetchRequest(source: Self.source(bearer: token), url: url, destination: support.path("out-\(i).dump")))
            #expect(outcome.status == .fetched, "\(saved.name): \(outcome.error ?? "")")
            let head = heads.all.last ?? ""
            let lines = head.components(separatedBy: "\r\n")
            let auth = lines.filter { $0.lowercased().hasPrefix("authorization:") }
            #expect(auth == ["Authorization: Bearer tok-123"], "\(saved.name): \(head.debugDescription)")
            #expect(!head.contains("not this line"), "\(saved.name): \(head.debugDescription)")
            #expect(heads.all.count == i + 1)
        }
    }

    @Test("a token that cannot go in an HTTP header is refused before anything is sent")
    func badBearerTokens() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let url = "http://127.0.0.1:9/greylist.dump"  // never reached
        for (i, text) in ["tok 123\n", "tok\u{1}123\n", "\u{FEFF}\r\n", "tök-123\n"].enumerated() {
            let token = try support.write(text, to: "token-\(i)")
            let outcome = await FetchTestSupport.fetch(
                FetchRequest(source: Self.source(bearer: token), url: url, destination: support.path("out.dump")))
            Self.expectFailure(
                outcome, "bearer_token_file \(token)", url: url, support: support)
            #expect(
                outcome.error?.contains("Failed to connect") == false,
                "\(text.debugDescription): \(outcome.error ?? "")")
        }
    }

    @Test("file:// URLs: an existing file is copied, a missing one fails clearly")
    func fileURLs() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let local = try support.write(Self.dump, to: "local.dump")
        let url = URL(fileURLWithPath: local).absoluteString
        let copied = await FetchTestSupport.fetch(  // into a folder that does not exist yet
            FetchRequest(source: Self.source(), url: url, destination: support.path("cache/sub/out.dump")))
        #expect(copied.status == .fetched, "\(copied.error ?? "")")
        #expect(copied.httpStatus == nil)
        #expect(copied.bytes == Int64(Self.dump.utf8.count))
        #expect(copied.lastModified?.hasSuffix(" GMT") == true)
        #expect(support.read("cache/sub/out.dump") == Self.dump)

        let missingURL = URL(fileURLWithPath: support.path("nope.dump")).absoluteString
        let missing = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: missingURL, destination: support.path("out2.dump")))
        Self.expectFailure(missing, "no such file", url: missingURL, support: support, destination: "out2.dump")
    }

    @Test("fetchAll: several sources at once, one outcome each, in order")
    func fetchAll() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let gz = FetchTestSupport.gzip(Data(Self.dump.utf8))
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /a") { _ in HTTPResponse(statusCode: .ok, body: Data("alpha\n".utf8)) }
            await server.appendRoute("GET /b") { _ in HTTPResponse(statusCode: .notFound) }
            await server.appendRoute("GET /c.gz") { _ in HTTPResponse(statusCode: .ok, body: gz) }
        }
        let local = try support.write("delta\n", to: "d.txt")
        let requests = [
            FetchRequest(source: Self.source("alpha"), url: server.url("/a"), destination: support.path("alpha.dump")),
            FetchRequest(source: Self.source("bravo"), url: server.url("/b"), destination: support.path("bravo.dump")),
            FetchRequest(
                source: Self.source("charlie"), url: server.url("/c.gz"), destination: support.path("charlie.dump")),
            FetchRequest(source: Self.source("delta"), url: "file://\(local)", destination: support.path("delta.dump")),
        ]
        let outcomes = await FetchTestSupport.fetchAll(requests)
        await server.stop()

        #expect(outcomes.map(\.sourceName) == ["alpha", "bravo", "charlie", "delta"])
        #expect(outcomes.map(\.status) == [.fetched, .failed, .fetched, .fetched])
        #expect(outcomes.map(\.httpStatus) == [200, 404, 200, nil])
        #expect(outcomes[1].error?.contains("source 'bravo': HTTP 404") == true)
        #expect(support.read("alpha.dump") == "alpha\n")
        #expect(!support.exists("bravo.dump"))
        #expect(support.read("charlie.dump") == Self.dump)
        #expect(support.read("delta.dump") == "delta\n")
    }

    // MARK: - bodies cut short

    /// Response heads whose body ends only when the server closes the connection.
    static let closeDelimitedHeads = [
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
    ]

    /// The number at the end of the request path (`GET /cut/17 HTTP/1.1` → 17).
    static func pathNumber(_ requestHead: String) -> Int {
        let path = requestHead.split(separator: " ").dropFirst().first ?? ""
        return Int(path.split(separator: "/").last ?? "") ?? 0
    }

    @Test(
        "a close-delimited body cut anywhere in its last line fails; the old copy stays",
        arguments: closeDelimitedHeads)
    func closeDelimitedCutMidLine(head: String) async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let body = Array(Self.dump.utf8)
        let lastLineStart = body.dropLast().lastIndex(of: 10)! + 1
        let server = try RawHTTPServer { request, connection in
            connection.send(head)
            connection.send(Data(body.prefix(Self.pathNumber(request))))
        }
        defer { server.stop() }
        let destination = try support.write("old\n", to: "out.dump")
        // At least one byte of the last line, never its '\n'.
        for n in (lastLineStart + 1)..<body.count {
            let url = server.url("/cut/\(n)")
            let outcome = await FetchTestSupport.fetch(
                FetchRequest(source: Self.source(), url: url, destination: destination))
            Self.expectFailure(outcome, "ends in the middle of a line", url: url, support: support)
            #expect(support.read("out.dump") == "old\n")
        }
    }

    @Test("a complete body without Content-Length is fetched", arguments: closeDelimitedHeads)
    func closeDelimitedComplete(head: String) async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try RawHTTPServer { _, connection in
            connection.send(head)
            connection.send(Self.dump)
        }
        defer { server.stop() }
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(
                source: Self.source(), url: server.url("/greylist.dump"), destination: support.path("out.dump")))
        #expect(outcome.status == .fetched, "\(outcome.error ?? "")")
        #expect(support.read("out.dump") == Self.dump)
    }

    @Test("a body without its final newline fails even when Content-Length matches (a dump rewritten while served)")
    func unterminatedWithContentLength() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { _ in
                HTTPResponse(statusCode: .ok, body: Data(Self.dump.dropLast().utf8))
            }
        }
        let url = server.url("/greylist.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        await server.stop()
        Self.expectFailure(outcome, "ends in the middle of a line", url: url, support: support)
        #expect(!support.exists("out.dump"))
    }

    @Test(
        "a close-delimited gzip body cut short fails, as a .gz file or as Content-Encoding gzip",
        arguments: [false, true])
    func gzipCutShort(contentEncoding: Bool) async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let gz = [UInt8](FetchTestSupport.gzip(Data(String(repeating: Self.dump, count: 3000).utf8)))
        let head =
            contentEncoding
            ? "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n\r\n"
            : "HTTP/1.0 200 OK\r\nContent-Type: application/gzip\r\n\r\n"
        let server = try RawHTTPServer { request, connection in
            connection.send(head)
            connection.send(Data(gz.prefix(Self.pathNumber(request))))
        }
        defer { server.stop() }
        // In the header, in the deflate data, and in the 8-byte trailer.
        for n in [2, 10, gz.count / 3, gz.count / 2, gz.count - 9, gz.count - 4, gz.count - 1] {
            let url = server.url("/cut/\(n)")
            let outcome = await FetchTestSupport.fetch(
                FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
            Self.expectFailure(outcome, "gzip body that ends early", url: url, support: support)
            #expect(!support.exists("out.dump"))
        }
        // The whole stream, close-delimited, is fine.
        let whole = await FetchTestSupport.fetch(
            FetchRequest(
                source: Self.source(), url: server.url("/cut/\(gz.count)"), destination: support.path("out.dump")))
        #expect(whole.status == .fetched, "\(whole.error ?? "")")
        #expect(support.read("out.dump") == String(repeating: Self.dump, count: 3000))
    }

    @Test("a complete gzip stream whose text lacks the final newline fails", arguments: [false, true])
    func gzipUnterminated(contentEncoding: Bool) async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let gz = FetchTestSupport.gzip(Data(Self.dump.dropLast().utf8))
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { _ in
                HTTPResponse(
                    statusCode: .ok, headers: contentEncoding ? [.contentEncoding: "gzip"] : [:], body: gz)
            }
        }
        let url = server.url("/greylist.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        await server.stop()
        Self.expectFailure(outcome, "ends in the middle of a line", url: url, support: support)
    }

    @Test("chunked encoding cut before the last chunk fails (libcurl reports it); complete chunks are fine")
    func chunkedCutShort() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try RawHTTPServer { request, connection in
            let complete = request.contains("/complete")
            connection.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
            connection.send(String(Self.dump.utf8.count, radix: 16) + "\r\n" + Self.dump + "\r\n")
            if complete { connection.send("0\r\n\r\n") }
        }
        defer { server.stop() }
        let url = server.url("/cut")
        let cut = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        Self.expectFailure(cut, "truncated: got \(Self.dump.utf8.count) bytes", url: url, support: support)
        #expect(!support.exists("out.dump"))

        let complete = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: server.url("/complete"), destination: support.path("out.dump")))
        #expect(complete.status == .fetched, "\(complete.error ?? "")")
        #expect(support.read("out.dump") == Self.dump)
    }

    @Test("a Content-Encoding other than gzip is a named failure (only gzip is asked for)")
    func unsupportedContentEncoding() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let server = try await LocalHTTPServer.start { server in
            await server.appendRoute("GET /greylist.dump") { _ in
                HTTPResponse(
                    statusCode: .ok, headers: [.contentEncoding: "br"], body: Data("\u{1b}\u{0}\u{0}garbage\n".utf8))
            }
        }
        let url = server.url("/greylist.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(source: Self.source(), url: url, destination: support.path("out.dump")))
        await server.stop()
        Self.expectFailure(outcome, "Content-Encoding br", url: url, support: support)
    }

    @Test("a file:// source is a local file: its last line needs no newline")
    func fileWithoutFinalNewline() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let local = try support.write(String(Self.dump.dropLast()), to: "local.dump")
        let outcome = await FetchTestSupport.fetch(
            FetchRequest(
                source: Self.source(), url: URL(fileURLWithPath: local).absoluteString,
                destination: support.path("out.dump")))
        #expect(outcome.status == .fetched, "\(outcome.error ?? "")")
        #expect(support.read("out.dump") == String(Self.dump.dropLast()))
    }

    // MARK: - messages

    /// Every `snake_case` word of `message` outside paths.
    static func keyLikeWords(_ message: String) -> [String] {
        message.split(whereSeparator: \.isWhitespace).filter { !$0.contains("/") }.compactMap { word in
            let bare = word.trimmingCharacters(in: CharacterSet(charactersIn: "()[],;:'\"."))
            let isKeyLike =
                bare.contains("_") && bare.first?.isLetter == true
                && bare.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "_" }
            return isKeyLike ? bare : nil
        }
    }

    @Test("every config key a fetch message names exists in [[sources]]")
    func hintsNameRealKeys() async throws {
        let support = try FetchTestSupport()
        defer { support.cleanUp() }
        let url = "https://fw.example/greylist.dump"
        let problems: [FetchProblem] = [
            .httpStatus(401), .httpStatus(403), .httpStatus(404), .httpStatus(302), .httpStatus(503),
            .unaskedNotModified, .htmlPage(why: "the body starts with <HTML"), .tooLarge(maxBytes: 10),
            .truncated(got: 1, expected: 2), .corruptGzip("bad"), .truncatedGzip,
            .refusedRedirect(to: "file:///etc/passwd", curlText: "x"), .unreadableFile(curlText: "x"),
            .credentials("x"), .localFile("x"),
            .timedOut(curlText: "too slow", timeoutSeconds: 300, lowSpeedBytes: 1024, lowSpeedSeconds: 30),
            .curl("x"),
        ]
        var messages = problems.map { $0.message(source: "delilah", url: url) }
        // The credential checks are worded where the files are read.
        let empty = try support.write("\n", to: "empty-token")
        var noCA = Self.source()
        noCA.caFile = support.path("no-such-ca.pem")
        for source in [
            Self.source(netrc: support.path("no-such-netrc")), Self.source(bearer: support.path("no-such-token")),
            Self.source(bearer: empty), noCA,
        ] {
            let outcome = await FetchTestSupport.fetch(
                FetchRequest(source: source, url: url, destination: support.path("out.dump")))
            messages.append(outcome.error ?? "")
        }
        for message in messages {
            for word in Self.keyLikeWords(message) {
                #expect(Config.sourceKeys.contains(word), "'\(word)' is no [[sources]] key: \(message)")
            }
        }
        let unauthorised = FetchProblem.httpStatus(401).message(source: "delilah", url: url)
        #expect(unauthorised.contains("netrc") && unauthorised.contains("bearer_token_file"), "\(unauthorised)")
        let slow = messages[
            problems.firstIndex(
                of: .timedOut(curlText: "too slow", timeoutSeconds: 300, lowSpeedBytes: 1024, lowSpeedSeconds: 30))!]
        for key in ["timeout_seconds", "low_speed_bytes_per_second", "low_speed_seconds"] {
            #expect(slow.contains(key), "\(slow)")
        }
    }

    @Test("messages never show a password from the URL")
    func redaction() {
        let withPassword = FetchProblem.httpStatus(401).message(
            source: "delilah", url: "https://bob:hunter2@fw.example/x")
        #expect(withPassword.contains("https://bob:***@fw.example/x"), "\(withPassword)")
        #expect(!withPassword.contains("hunter2"))
        let fromCurl = FetchProblem.curl("see 'http://eve:hunter2@evil.example/'").message(
            source: "d", url: "https://fw.example/g")
        #expect(!fromCurl.contains("hunter2"), "\(fromCurl)")
        let line = FetchProblem.httpStatus(503).message(source: "delilah", url: "https://fw.example/g")
        #expect(
            line == "source 'delilah': HTTP 503 from https://fw.example/g; the server has a problem, try again later")
    }
}
