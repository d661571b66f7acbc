import Foundation
import Testing

@testable import TrapkeeperCore

#if canImport(Glibc)
import Glibc
#endif

/// traplist.rbldnsd and traplist6.rbldnsd served by a real rbldnsd (Debian's) on 127.0.0.1 at a
/// free port, asked with dig: listed and unlisted IPv4 and IPv6 hosts, A and TXT (the `$` in the
/// template replaced by the queried address), and the `$TIMESTAMP` fail-safe: a zone whose
/// publisher stopped refreshing it answers SERVFAIL once `valid_hours` have passed.
@Suite(.serialized) struct RbldnsdExportTests {
    static let zone = "traps.example.org"
    static let rbldnsd = RbldnsdConfig(
        zone: zone, a: "127.0.0.3", txt: "$ sent mail to a spamtrap; see https://traps.example.org/?ip=$ ($$5)",
        soa: ("ns1.example.org", "hostmaster.example.org"), ns: ["ns1.example.org", "ns2.example.org"],
        validHours: 48)

    /// A publish through the whole pipeline at `now` into a new scene's publish folder.
    static func published(now: Int64) throws -> Scene {
        let s = try Scene()
        s.config.exports = [.pf, .rbldnsd]
        s.config.rbldnsd = rbldnsd
        try s.reopen()
        var dump = ""
        for i in 0..<256 { dump += grey("45.95.147.\(i)", from: "kd@xmail.ru", to: "trap@bsdly.com", at: now - 600) }
        for h in ["198.51.7.9", "2001:67c:2e8::25", "2001:67c:2e8::24", "2a02:6b8::1"] {
            dump += grey(h, from: "a@b.ru", to: "v6trap@bsdly.net", at: now - 600)
        }
        try s.classify(dump, now: now)
        try s.publish(now: now)
        return s
    }

    /// A running rbldnsd serving the two files of `dir`; stopped when the value goes away.
    final class Server {
        let process = Process()
        let port: Int
        let log = Pipe()

        init(dir: String, underFaketime offset: String? = nil) throws {
            port = try Server.freeUDPPort()
            let rbldnsd = try RealTool.path("rbldnsd")
            let arguments = [
                "-n", "-b", "127.0.0.1/\(port)", "-r", dir, "\(zone):ip4set:\(RbldnsdWriter.file4)",
                "\(zone):ip6trie:\(RbldnsdWriter.file6)",
            ]
            process.executableURL = URL(fileURLWithPath: rbldnsd)
            if let offset {
                // libfaketime preloaded into rbldnsd itself (the `faketime` wrapper would leave
                // rbldnsd behind as its child when stopped).
                guard FileManager.default.fileExists(atPath: Server.libfaketime) else {
                    throw RealTool.unavailable("\(Server.libfaketime) (Debian's faketime) not found")
                }
                var environment = ProcessInfo.processInfo.environment
                environment["LD_PRELOAD"] = Server.libfaketime
                environment["FAKETIME"] = offset
                process.environment = environment
            }
            process.arguments = arguments
            process.standardError = log
            process.standardOutput = log
            try process.run()
        }

        static let libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

        deinit { stop() }

        /// SIGKILL: rbldnsd inherits the test thread's blocked signals, SIGTERM among them.
        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        /// What rbldnsd said so far (once stopped).
        func stopAndReadLog() -> String {
            stop()
            return String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }

        /// A UDP port nothing listens on right now (the kernel picks it).
        static func freeUDPPort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
                }
            }
            guard ok else { throw RealTool.Unavailable(description: "cannot find a free UDP port") }
            return Int(UInt16(bigEndian: addr.sin_port))
        }

        /// One query: the response status (NOERROR, NXDOMAIN, SERVFAIL …) and the answer data.
        func ask(_ name: String, _ type: String) throws -> (status: String, answers: [String]) {
            let (code, out, err) = try RealTool.run(
                try RealTool.path("dig"),
                ["@127.0.0.1", "-p", String(port), "+noall", "+comments", "+answer", "+tries=1", "+time=2", name, type])
            guard code == 0 || code == 9 else {
                throw RealTool.Unavailable(description: "dig failed (\(code)): \(err)")
            }
            let status =
                out.range(of: #"status: [A-Z]+"#, options: .regularExpression).map {
                    String(out[$0].dropFirst("status: ".count))
                } ?? "no answer: \(out)"
            let answers = out.split(separator: "\n").filter { !$0.hasPrefix(";") && !$0.isEmpty }.map { line in
                // name ttl class type data…
                var rest = Substring(line)
                for _ in 0..<4 {
                    rest = rest.drop(while: { $0 != " " && $0 != "\t" }).drop(while: { $0 == " " || $0 == "\t" })
                }
                return String(rest)
            }
            return (status, answers)
        }

        /// Waits until the server answers at all (a query for the zone's SOA).
        func waitUntilServing() throws {
            for _ in 0..<50 {
                if let r = try? ask(zone, "SOA"), !r.status.hasPrefix("no answer") { return }
                guard process.isRunning else { break }
                usleep(100_000)
            }
            throw RealTool.Unavailable(description: "rbldnsd did not answer: \(stopAndReadLog())")
        }
    }

    /// `d.c.b.a.<zone>` for IPv4, the 32 reversed nibbles for IPv6.
    static func queryName(_ text: String) -> String {
        let ip = IPAddress(text)!
        if ip.isIPv4 { return text.split(separator: ".").reversed().joined(separator: ".") + "." + zone }
        var nibbles: [String] = []
        for word in [ip.low, ip.high] {
            for i in 0..<16 { nibbles.append(String((word >> (4 * UInt64(i))) & 0xf, radix: 16)) }
        }
        return nibbles.joined(separator: ".") + "." + zone
    }

    @Test func listedAndUnlistedHostsOverDNS() throws {
        let now = Int64(Date().timeIntervalSince1970) - 60
        let s = try Self.published(now: now)
        let v4 = s.dir.read("publish/traplist.rbldnsd") ?? ""
        #expect(v4.contains("$TIMESTAMP \(RbldnsdWriter.timestamp(now)) +48h\n"), "\(v4.prefix(800))")
        #expect(v4.contains("$SOA 3600 ns1.example.org hostmaster.example.org \(now) 3600 600 86400 300\n"))
        #expect(v4.contains("$NS 3600 ns1.example.org ns2.example.org\n"))
        let server = try Server(dir: s.dir.file("publish"))
        try server.waitUntilServing()

        let txt = { (ip: String) in "\"\(ip) sent mail to a spamtrap; see https://traps.example.org/?ip=\(ip) ($5)\"" }
        for listed in [
            "45.95.147.77", "45.95.147.0", "198.51.7.9", "2001:67c:2e8::25", "2001:67c:2e8::24", "2a02:6b8::1",
        ] {
            let a = try server.ask(Self.queryName(listed), "A")
            #expect(a.status == "NOERROR" && a.answers == ["127.0.0.3"], "\(listed): \(a)")
            let t = try server.ask(Self.queryName(listed), "TXT")
            #expect(t.status == "NOERROR" && t.answers == [txt(listed)], "\(listed): \(t)")
        }
        for unlisted in [
            "45.95.148.1", "45.95.146.255", "198.51.7.8", "2001:67c:2e8::26", "2a02:6b8::2", "2001:db8::1",
        ] {
            let a = try server.ask(Self.queryName(unlisted), "A")
            #expect(a.status == "NXDOMAIN" && a.answers.isEmpty, "\(unlisted): \(a)")
        }
        let soa = try server.ask(Self.zone, "SOA")
        #expect(soa.answers.first?.hasPrefix("ns1.example.org. hostmaster.example.org. \(now) ") == true, "\(soa)")
    }

    /// The publisher stopped: the same files, two days and a bit later (rbldnsd under faketime),
    /// answer SERVFAIL for listed and unlisted hosts alike. A publish whose run time is already
    /// past its validity (written three days ago) is never served either.
    @Test func anExpiredZoneAnswersServfail() throws {
        let now = Int64(Date().timeIntervalSince1970) - 60
        let fresh = try Self.published(now: now)
        let later = try Server(dir: fresh.dir.file("publish"), underFaketime: "+49h")
        try later.waitUntilServing()
        for host in ["45.95.147.77", "45.95.148.1", "2001:67c:2e8::25"] {
            let a = try later.ask(Self.queryName(host), "A")
            #expect(a.status == "SERVFAIL", "\(host): \(a)")
        }
        let log = later.stopAndReadLog()
        #expect(log.contains("zone data expired"), "\(log)")

        let old = try Self.published(now: now - 3 * 86_400)
        let server = try Server(dir: old.dir.file("publish"))
        try server.waitUntilServing()
        let a = try server.ask(Self.queryName("45.95.147.77"), "A")
        #expect(a.status == "SERVFAIL", "\(a)")
        // The control: the fresh files, served now, answer.
        let control = try Server(dir: fresh.dir.file("publish"))
        try control.waitUntilServing()
        #expect(try control.ask(Self.queryName("45.95.147.77"), "A").answers == ["127.0.0.3"])
    }
}
