import Foundation
import Testing

@testable import TrapkeeperCore

/// The 2017-08-19 incident (shared/examples, copied to data/): every verdict of its table.
@Suite struct ExampleIncidentTests {
    static let now: Int64 = 1_503_150_000

    static let expectedTraps = [
        "<b>bold</b>@bsdly.com", "akuolsymwt@bsdly.com", "anecowuutp@bsdly.com", "eemioiyv@bsdly.com",
        "euiosvob@bsdly.com", "jaclyn.perkinson@bsdly.net", "keerheior@bsdly.com", "otjllo@bsdly.com",
        "pkgreewaa@bsdly.com", "qwertz.asdf@bsdly.com", "vbehmonmin@bsdly.com",
    ]
    static let expectedHosts = ["5.188.10.182", "46.166.186.240", "91.200.12.74", "185.36.81.33"]

    func runExample(logZone: String) throws -> (TempDir, Workspace, PublishPlan) {
        let dir = TempDir()
        var config = try Config.load(path: PackageRoot.data("trapkeeper.toml"))
        config.statePath = dir.file("state.sqlite")
        config.publishDir = dir.file("publish")
        config.logTimeZone = TimeZone(identifier: logZone)!
        let ws = try Workspace.open(config: config)
        _ = try ClassifyJob.run(
            [
                ClassifyInput(source: "delilah-greylist", path: PackageRoot.data("greylist.dump"), format: .auto),
                ClassifyInput(source: "delilah-log", path: PackageRoot.data("spamd.log"), format: .spamdLog),
            ], workspace: ws, now: Self.now, dryRun: false, reporter: .silent)
        let o = try PublishJob.run(
            workspace: ws, now: Self.now, force: false, keepPreviousHosts: false, dryRun: false, reporter: .silent)
        return (dir, ws, o.plan)
    }

    @Test(arguments: ["Europe/Oslo", "UTC", "America/Los_Angeles"])
    func everyVerdictOfTheTable(logZone: String) throws {
        let (dir, _, plan) = try runExample(logZone: logZone)
        #expect(plan.traps == Self.expectedTraps)
        let txt = dir.read("publish/spamtraps.txt")
        #expect(txt == Self.expectedTraps.joined(separator: "\n") + "\n")
        let pfLines = dir.read("publish/traplist.pf")!.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(
            String.init)
        #expect(pfLines == Self.expectedHosts)
        let spamdLines = dir.read("publish/traplist.spamd")!.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(
            String.init)
        #expect(spamdLines == Self.expectedHosts)
        for notTrap in [
            "mx42.antispamcloud.com-1503146097-testing@bsdly.com", "peter@bsdly.net", "peter@bsdly.com",
            "postmaster@bsdly.com", "victim@gmail.com",
        ] {
            #expect(!plan.traps.contains(notTrap))
        }
    }

    @Test func explainSaysWhy() throws {
        let (_, ws, _) = try runExample(logZone: "Europe/Oslo")
        let probe = try Explainer.explain(
            "mx42.antispamcloud.com-1503146097-testing@bsdly.com", workspace: ws, now: Self.now)
        #expect(probe.contains("verdict: not a trap"))
        #expect(probe.contains("exim-callout-random"))
        #expect(probe.contains("207.244.64.181"))
        let verifier = try Explainer.explain("141.255.167.9", workspace: ws, now: Self.now)
        #expect(verifier.contains("not exported"))
        #expect(verifier.contains("verifier host"))
        let prober = try Explainer.explain("207.244.64.181", workspace: ws, now: Self.now)
        #expect(prober.contains("not exported"))
        let priv = try Explainer.explain("10.20.30.40", workspace: ws, now: Self.now)
        #expect(priv.contains("never-block"))
        let trapped = try Explainer.explain("5.188.10.182", workspace: ws, now: Self.now)
        #expect(trapped.contains("EXPORTED"))
        let peter = try Explainer.explain("<Peter@BSDLY.NET>", workspace: ws, now: Self.now)
        #expect(peter.contains("rule 1, valid"))
        let role = try Explainer.explain("postmaster@bsdly.com", workspace: ws, now: Self.now)
        #expect(role.contains("rule 2, protected"))
        let forged = try Explainer.explain("keerheior@bsdly.com", workspace: ws, now: Self.now)
        #expect(forged.contains("verdict: TRAP"))
        #expect(forged.contains("91.200.12.74"))
    }

    @Test func callbackIncidentDecodesTheProbeTime() throws {
        let (_, ws, _) = try runExample(logZone: "Europe/Oslo")
        let cbs = try ws.store.callbacks()
        #expect(cbs.count == 1)
        #expect(cbs.first?.ip == "207.244.64.181")
        #expect(cbs.first?.helo == "mx18-12.smtp.antispamcloud.com")
        #expect(cbs.first?.probeTime == 1_503_146_097)
        #expect(cbs.first?.seen == 1_503_146_138)
    }

    @Test func reclassifyingIsIdempotent() throws {
        let (dir, ws, first) = try runExample(logZone: "Europe/Oslo")
        let before = try ws.store.addresses().map {
            "\($0.address) \($0.roles.rawValue) \($0.firstSeen) \($0.lastSeen)"
        }.sorted()
        let hostsBefore = try ws.store.hosts().map {
            "\($0.ip) \(String(describing: $0.firstHit)) \(String(describing: $0.lastHit)) \(String(describing: $0.trappedExpire))"
        }.sorted()
        _ = try ClassifyJob.run(
            [
                ClassifyInput(source: "delilah-greylist", path: PackageRoot.data("greylist.dump"), format: .auto),
                ClassifyInput(source: "delilah-log", path: PackageRoot.data("spamd.log"), format: .spamdLog),
            ],
            workspace: ws, now: Self.now + 3600, dryRun: false, reporter: .silent)
        let after = try ws.store.addresses().map { "\($0.address) \($0.roles.rawValue) \($0.firstSeen) \($0.lastSeen)" }
            .sorted()
        let hostsAfter = try ws.store.hosts().map {
            "\($0.ip) \(String(describing: $0.firstHit)) \(String(describing: $0.lastHit)) \(String(describing: $0.trappedExpire))"
        }.sorted()
        // SPAMTRAP sightings carry the run's time as last-seen; everything else is unchanged.
        #expect(
            after.filter { !$0.contains("jaclyn") && !$0.contains("bold") }
                == before.filter { !$0.contains("jaclyn") && !$0.contains("bold") })
        #expect(hostsAfter == hostsBefore)
        let second = try PublishJob.run(
            workspace: ws, now: Self.now, force: false, keepPreviousHosts: false, dryRun: false, reporter: .silent)
        #expect(second.plan.traps == first.traps)
        #expect(dir.read("publish/spamtraps.txt") == Self.expectedTraps.joined(separator: "\n") + "\n")
    }

    @Test func pageShowsTagShapedAddressesAsText() throws {
        let (dir, _, _) = try runExample(logZone: "Europe/Oslo")
        let page = dir.read("publish/spamtraps.html")!
        #expect(page.contains("&lt;b&gt;bold&lt;/b&gt;@bsdly.com"))
        #expect(!page.contains("<b>bold</b>"))
        #expect(page.contains("11"))
    }
}
