import Foundation
import Testing

@testable import TrapkeeperCore

/// Which host lists a publish writes: the enabled exports only, each from the same blocks as
/// traplist.pf; an export switched off loses its files in the next publish (a list nobody
/// refreshes must not keep looking current to the firewalls that load it).
@Suite struct HostListExportsTests {
    static let now: Int64 = 1_700_000_000

    /// The files in publish_dir besides the pages every publish writes (hosts.html, callbacks.html).
    func files(_ s: Scene) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: s.dir.file("publish")))
            .subtracting(["hosts.html", "callbacks.html"])
    }

    func scene(_ exports: [ExportFormat]) throws -> Scene {
        let s = try Scene()
        s.config.exports = exports
        s.config.rbldnsd = RbldnsdConfig(zone: "traps.example.org")
        try s.reopen()
        var dump = ""
        for i in 0..<4 { dump += grey("45.95.147.\(i)", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now) }
        dump += grey("2001:67c:2e8::25", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now)
        try s.classify(dump, now: Self.now)
        return s
    }

    @Test func theDefaultWritesPfAndSpamdOnly() throws {
        let s = try scene(ExportFormat.defaults)
        try s.publish(now: Self.now)
        #expect(
            try files(s) == [
                "spamtraps.txt", "spamtraps.html", "spamtraps-withdrawn.txt", "traplist.pf", "traplist.spamd",
            ])
    }

    @Test func everyExportFromTheSameBlocks() throws {
        let s = try scene([.pf, .spamd, .nft, .ipset, .rbldnsd])
        try s.publish(now: Self.now)
        #expect(try files(s) == Set(Publisher.allFiles).subtracting(["hosts.html", "callbacks.html"]))
        #expect(s.pfEntries == ["45.95.147.0/30", "2001:67c:2e8::25"])
        let nft = s.dir.read("publish/traplist.nft")!
        #expect(nft.contains("add element inet trapkeeper traps4 { 45.95.147.0/30 }\n"))
        #expect(nft.contains("add element inet trapkeeper traps6 { 2001:67c:2e8::25 }\n"))
        let ipset = s.dir.read("publish/traplist.ipset")!
        #expect(
            ipset.contains("add trapkeeper4-new 45.95.147.0/30\n")
                && ipset.contains("add trapkeeper6-new 2001:67c:2e8::25\n"))
        #expect(
            s.dir.read("publish/traplist.rbldnsd")!.hasSuffix(":127.0.0.2:$ sent mail to a spamtrap\n45.95.147.0/30\n"))
        #expect(
            s.dir.read("publish/traplist6.rbldnsd")!.hasSuffix(
                ":127.0.0.2:$ sent mail to a spamtrap\n2001:67c:2e8::25\n"))
        // Each header counts its own family's hosts.
        #expect(s.dir.read("publish/traplist.rbldnsd")!.contains("# 1 entries covering 4 trapped hosts (4 addresses)"))
        #expect(s.dir.read("publish/traplist6.rbldnsd")!.contains("# 1 entries covering 1 trapped hosts (1 addresses)"))
        #expect(nft.contains("# 2 entries covering 5 trapped hosts (5 addresses)"))
    }

    @Test func anExportSwitchedOffLosesItsFiles() throws {
        let s = try scene([.pf, .spamd, .nft, .ipset, .rbldnsd])
        try s.publish(now: Self.now)
        s.config.exports = [.nft]
        try s.reopen()
        try s.publish(now: Self.now + 60)
        #expect(try files(s) == ["spamtraps.txt", "spamtraps.html", "spamtraps-withdrawn.txt", "traplist.nft"])
    }
}
