import Foundation
import Testing

@testable import TrapkeeperCore

/// traplist.nft loaded by the real `nft` (Debian's nftables) inside a private network namespace
/// (`unshare -n`; the machine's own ruleset is never touched): the loaded sets cover exactly what
/// traplist.pf lists, a second load replaces the first with nothing stale left, an empty family
/// loads as an empty set, and 200 000 entries load.
@Suite(.serialized) struct NftExportTests {
    static let now: Int64 = 1_700_000_000

    /// The addresses covered by the sets `@traps4` and `@traps6` as `nft -j list set` printed them
    /// (elements are addresses, `prefix` blocks or `range`s), merged.
    static func loadedSpans(_ json: String) throws -> [AddressSpan] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let items = object?["nftables"] as? [[String: Any]] ?? []
        guard let set = items.compactMap({ $0["set"] as? [String: Any] }).first else {
            throw RealTool.Unavailable(description: "no set in nft's output: \(json.prefix(300))")
        }
        var spans: [AddressSpan] = []
        for element in set["elem"] as? [Any] ?? [] {
            if let a = element as? String, let b = CIDR(a) {
                spans.append(AddressSpan(b))
            } else if let p = (element as? [String: Any])?["prefix"] as? [String: Any], let addr = p["addr"] as? String,
                let len = p["len"] as? Int, let ip = IPAddress(addr)
            {
                spans.append(AddressSpan(CIDR(address: ip, prefix: len)))
            } else if let r = (element as? [String: Any])?["range"] as? [String], r.count == 2,
                let span = AddressSpan(from: r[0], to: r[1])
            {
                spans.append(span)
            } else {
                throw RealTool.Unavailable(description: "an nft element this test cannot read: \(element)")
            }
        }
        return AddressSpan.merged(spans)
    }

    /// The cover traplist.pf lists, per family, merged the same way.
    static func pfSpans(_ pfText: String) -> (v4: [AddressSpan], v6: [AddressSpan]) {
        let spans = AddressSpan.merged(PublishedCover.pfBlocks(pfText).map(AddressSpan.init))
        return (spans.filter(\.v4), spans.filter { !$0.v4 })
    }

    /// Writes the pf and nft files of `plan` into `dir` under `name.pf` / `name.nft`.
    static func write(_ plan: PublishPlan, nft: NftConfig, into dir: TempDir, as name: String) throws {
        let c = try exportConfig(nft: nft)
        for (file, bytes) in HostListExports(config: c).render(plan).files {
            dir.write(name + (file == Publisher.pfFile ? ".pf" : ".nft"), bytes: bytes)
        }
    }

    static func exportConfig(nft: NftConfig) throws -> Config {
        Config(
            baseDirectory: "/", domains: ["bsdly.com"], validAddressesFile: "/dev/null", statePath: "/dev/null",
            publishDir: "/dev/null", exports: [.pf, .nft], nft: nft)
    }

    /// A list published through the whole pipeline, then a different list and an empty one loaded
    /// into the same namespace: each load leaves exactly its own cover, nothing of the one before.
    @Test func loadedSetsAreThePfCoverAndEachLoadReplacesTheLast() throws {
        let s = try Scene()
        s.config.exports = [.pf, .spamd, .nft]
        try s.reopen()
        var dump = ""
        for i in 0..<256 { dump += grey("45.95.147.\(i)", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now) }
        for i in 0..<3 { dump += grey("45.95.148.\(i)", from: "kd@xmail.ru", to: "trap@bsdly.com", at: Self.now) }
        for h in ["198.51.7.9", "2001:67c:2e8::25", "2001:67c:2e8::24", "2a02:6b8::1"] {
            dump += grey(h, from: "a@b.ru", to: "v6trap@bsdly.net", at: Self.now)
        }
        try s.classify(dump, now: Self.now + 60)
        try s.publish(now: Self.now + 60)
        let published = s.dir.file("publish")
        let listA = published + "/traplist.nft"
        #expect(s.dir.read("publish/traplist.nft")?.hasPrefix("#!/usr/sbin/nft -f\n# traplist.nft") == true)

        // B: part of A, new blocks, adjacent blocks nft merges into one range, no IPv6 at all.
        let hostsB =
            (0..<128).map { IPAddress(v4: 0x2D5F_9300 | $0) }  // 45.95.147.0/25
            + [IPAddress("203.0.113.7")!, IPAddress("203.0.113.8")!, IPAddress("203.0.113.9")!]
        let dir = TempDir("nft")
        try Self.write(PublishedCover.plan(hostsB, now: Self.now), nft: NftConfig(), into: dir, as: "b")
        try Self.write(PublishedCover.plan([], now: Self.now), nft: NftConfig(), into: dir, as: "c")
        let nft = try RealTool.path("nft")
        let q = RealTool.quoted
        var script = "set -e\n"
        for (label, file) in [("a", listA), ("b", dir.file("b.nft")), ("c", dir.file("c.nft"))] {
            script += "\(q(nft)) -f \(q(file))\n"
            for family in ["4", "6"] {
                script +=
                    "\(q(nft)) -j list set inet trapkeeper traps\(family) > \(q(dir.file("\(label)\(family).json")))\n"
            }
            script += "\(q(nft)) -j list tables > \(q(dir.file("\(label)-tables.json")))\n"
        }
        let (status, _, err) = try RealTool.inNetworkNamespace(script)
        #expect(status == 0, "nft failed: \(err)")
        guard status == 0 else { return }

        let coverA = Self.pfSpans(s.dir.read("publish/traplist.pf")!)
        let coverB = Self.pfSpans(dir.read("b.pf")!)
        #expect(!coverA.v4.isEmpty && !coverA.v6.isEmpty && coverB.v6.isEmpty)
        #expect(try Self.loadedSpans(dir.read("a4.json")!) == coverA.v4)
        #expect(try Self.loadedSpans(dir.read("a6.json")!) == coverA.v6)
        #expect(try Self.loadedSpans(dir.read("b4.json")!) == coverB.v4)
        #expect(try Self.loadedSpans(dir.read("b6.json")!).isEmpty, "IPv6 entries of the first list stayed")
        #expect(try Self.loadedSpans(dir.read("c4.json")!).isEmpty)
        #expect(try Self.loadedSpans(dir.read("c6.json")!).isEmpty)
        // 203.0.113.7, .8/31 are two pf entries and one nft range: the normalisation is needed.
        #expect(coverB.v4.contains { $0.description == "203.0.113.7-203.0.113.9" })
        for label in ["a", "b", "c"] {
            let tables = dir.read("\(label)-tables.json") ?? ""
            #expect(tables.components(separatedBy: "\"table\":").count == 2, "one table only: \(tables)")
        }
    }

    /// Table and set names from the config reach the file; the empty list has no `add element`
    /// line (`{ }` is a syntax error) and still loads.
    @Test func configuredNamesAndAnEmptyList() throws {
        let dir = TempDir("nft")
        let names = NftConfig(table: "tk-filter_2", set: "bad-hosts")
        try Self.write(PublishedCover.plan([IPAddress("192.0.2.1")!], now: Self.now), nft: names, into: dir, as: "one")
        try Self.write(PublishedCover.plan([], now: Self.now), nft: names, into: dir, as: "empty")
        #expect(!(dir.read("empty.nft") ?? "add element").contains("add element"))
        let nft = RealTool.quoted(try RealTool.path("nft"))
        let (status, out, err) = try RealTool.inNetworkNamespace(
            "set -e; \(nft) -f \(RealTool.quoted(dir.file("empty.nft"))); \(nft) -f \(RealTool.quoted(dir.file("one.nft"))); \(nft) list set inet tk-filter_2 bad-hosts4; \(nft) list set inet tk-filter_2 bad-hosts6"
        )
        #expect(status == 0, "\(err)")
        #expect(out.contains("elements = { 192.0.2.1 }"), "\(out)")
    }

    /// 200 000 entries load in one transaction (split over `add element` lines).
    @Test func twoHundredThousandEntries() throws {
        let hosts = PublishedCover.randomHosts(count: 212_000, v6: 6_000, seed: 12)
        let plan = PublishedCover.plan(hosts, now: Self.now)
        #expect(plan.blocks.count >= 200_000, "\(plan.blocks.count) entries")
        let dir = TempDir("nft")
        try Self.write(plan, nft: NftConfig(), into: dir, as: "big")
        let nft = RealTool.quoted(try RealTool.path("nft"))
        let started = Date()
        let (status, _, err) = try RealTool.inNetworkNamespace(
            "set -e; \(nft) -f \(RealTool.quoted(dir.file("big.nft"))); \(nft) -j list set inet trapkeeper traps4 > \(RealTool.quoted(dir.file("4.json"))); \(nft) -j list set inet trapkeeper traps6 > \(RealTool.quoted(dir.file("6.json")))"
        )
        #expect(status == 0, "\(err)")
        guard status == 0 else { return }
        let cover = Self.pfSpans(dir.read("big.pf")!)
        #expect(try Self.loadedSpans(dir.read("4.json")!) == cover.v4)
        #expect(try Self.loadedSpans(dir.read("6.json")!) == cover.v6)
        print("nft: \(plan.blocks.count) entries loaded and listed in \(Date().timeIntervalSince(started)) s")
    }
}
