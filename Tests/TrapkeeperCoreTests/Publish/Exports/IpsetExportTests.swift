import Foundation
import Testing

@testable import TrapkeeperCore

/// traplist.ipset restored by the real `ipset` (Debian's ipset) inside a private network
/// namespace (`unshare -n`): the sets hold exactly traplist.pf's entries, a second restore
/// replaces the first (swap through a scratch set, never left behind), an empty family, 200 000
/// entries; and a list over `maxelem` is not published at all.
@Suite(.serialized) struct IpsetExportTests {
    static let now: Int64 = 1_700_000_000

    /// The entries of set `name` in `ipset save` output.
    static func saved(_ text: String, set name: String) -> [CIDR] {
        text.split(separator: "\n").compactMap { line -> CIDR? in
            let f = line.split(separator: " ")
            guard f.count == 3, f[0] == "add", f[1] == name else { return nil }
            return CIDR(String(f[2]))
        }.sorted()
    }

    static func write(_ plan: PublishPlan, ipset: IpsetConfig, into dir: TempDir, as name: String) {
        let c = Config(
            baseDirectory: "/", domains: ["bsdly.com"], validAddressesFile: "/dev/null", statePath: "/dev/null",
            publishDir: "/dev/null", exports: [.pf, .ipset], ipset: ipset)
        for (file, bytes) in HostListExports(config: c).render(plan).files {
            dir.write(name + (file == Publisher.pfFile ? ".pf" : ".ipset"), bytes: bytes)
        }
    }

    /// Restores each file in turn in one namespace; after each: `ipset save` and `ipset list -n`.
    static func restore(_ files: [(label: String, path: String)], in dir: TempDir) throws -> Int32 {
        let ipset = RealTool.quoted(try RealTool.path("ipset"))
        var script = "set -e\n"
        for (label, path) in files {
            script += "\(ipset) restore -f \(RealTool.quoted(path))\n"
            script += "\(ipset) save > \(RealTool.quoted(dir.file("\(label).save")))\n"
            script += "\(ipset) list -n > \(RealTool.quoted(dir.file("\(label).names")))\n"
        }
        let (status, _, err) = try RealTool.inNetworkNamespace(script)
        #expect(status == 0, "ipset failed: \(err)")
        return status
    }

    @Test func setsHoldThePfEntriesAndEachRestoreReplacesTheLast() throws {
        let s = try Scene()
        s.config.exports = [.pf, .ipset]
        try s.reopen()
        var dump = ""
        for i in 0..<256 { dump += grey("45.95.147.\(i)", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now) }
        for h in ["198.51.7.9", "2001:67c:2e8::25", "2a02:6b8::1"] {
            dump += grey(h, from: "a@b.ru", to: "v6trap@bsdly.net", at: Self.now)
        }
        try s.classify(dump, now: Self.now + 60)
        try s.publish(now: Self.now + 60)
        let dir = TempDir("ipset")
        let hostsB = (0..<64).map { IPAddress(v4: 0x2D5F_9300 | $0) } + [IPAddress("203.0.113.7")!]
        Self.write(PublishedCover.plan(hostsB, now: Self.now), ipset: IpsetConfig(), into: dir, as: "b")
        Self.write(PublishedCover.plan([], now: Self.now), ipset: IpsetConfig(), into: dir, as: "c")
        let status = try Self.restore(
            [("a", s.dir.file("publish/traplist.ipset")), ("b", dir.file("b.ipset")), ("c", dir.file("c.ipset"))],
            in: dir)
        guard status == 0 else { return }
        let pfA = PublishedCover.pfBlocks(s.dir.read("publish/traplist.pf")!)
        let pfB = PublishedCover.pfBlocks(dir.read("b.pf")!)
        #expect(pfA.contains { !$0.address.isIPv4 } && !pfB.contains { !$0.address.isIPv4 })
        for (label, pf) in [("a", pfA), ("b", pfB), ("c", [])] {
            let save = dir.read("\(label).save") ?? ""
            #expect(Self.saved(save, set: "trapkeeper4") == pf.filter(\.address.isIPv4).sorted(), "list \(label)")
            #expect(Self.saved(save, set: "trapkeeper6") == pf.filter { !$0.address.isIPv4 }.sorted(), "list \(label)")
            // No scratch set is left, and no other set appears.
            let names = (dir.read("\(label).names") ?? "").split(separator: "\n").sorted()
            #expect(names == ["trapkeeper4", "trapkeeper6"], "list \(label): \(names)")
        }
    }

    /// 200 000 entries in both families, restored under a configured name and `maxelem`.
    @Test func twoHundredThousandEntries() throws {
        let hosts = PublishedCover.randomHosts(count: 212_000, v6: 6_000, seed: 13)
        let plan = PublishedCover.plan(hosts, now: Self.now)
        #expect(plan.blocks.count >= 200_000)
        let dir = TempDir("ipset")
        let config = IpsetConfig(name: "tk-traps", maxelem: 262_144)
        Self.write(plan, ipset: config, into: dir, as: "big")
        #expect(
            dir.read("big.ipset")?.contains("create tk-traps4 hash:net family inet hashsize 1024 maxelem 262144 -exist")
                == true)
        guard try Self.restore([("big", dir.file("big.ipset"))], in: dir) == 0 else { return }
        let save = dir.read("big.save") ?? ""
        let pf = PublishedCover.pfBlocks(dir.read("big.pf")!)
        #expect(Self.saved(save, set: "tk-traps4") == pf.filter(\.address.isIPv4).sorted())
        #expect(Self.saved(save, set: "tk-traps6") == pf.filter { !$0.address.isIPv4 }.sorted())
    }

    /// More entries than `maxelem`: traplist.ipset is not written, the warning names the key,
    /// and the file of the last publish is removed with the same publish, so no firewall keeps
    /// loading a stale list as if it were current. The other files are published as usual.
    @Test func overMaxelemIsNotPublishedAndTheOldFileGoes() throws {
        let s = try Scene()
        s.config.exports = [.pf, .ipset]
        s.config.ipset.maxelem = 3
        try s.reopen()
        let hosts = ["192.0.3.7", "198.51.7.9", "203.0.114.1"]
        try s.classify(
            hosts.map { grey($0, from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now) }.joined(), now: Self.now)
        try s.publish(now: Self.now)
        #expect(s.dir.read("publish/traplist.ipset")?.contains("add trapkeeper4-new 203.0.114.1") == true)

        try s.classify(grey("45.95.147.1", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now), now: Self.now)
        let log = MessageLog()
        try PublishJob.run(
            workspace: s.ws, now: Self.now + 60, force: false, keepPreviousHosts: false, dryRun: false,
            reporter: log.reporter)
        #expect(
            log.all.contains { $0.contains("traplist.ipset not written") && $0.contains("[ipset] maxelem (3)") },
            "\(log.all)")
        #expect(s.dir.read("publish/traplist.ipset") == nil)
        #expect(s.pfEntries.contains("45.95.147.1"))

        // A dry run says the same, and writes nothing.
        let dry = MessageLog()
        try PublishJob.run(
            workspace: s.ws, now: Self.now + 60, force: false, keepPreviousHosts: false, dryRun: true,
            reporter: dry.reporter)
        #expect(dry.all.contains { $0.contains("[ipset] maxelem") }, "\(dry.all)")
    }
}
