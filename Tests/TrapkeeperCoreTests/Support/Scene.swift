import Foundation

@testable import TrapkeeperCore

/// A small world for pipeline tests: a config in a temp dir, dumps written on demand, and
/// classify/publish run through the library like the CLI does.
final class Scene: @unchecked Sendable {
    let dir = TempDir("scene")
    var config: Config
    var ws: Workspace!

    init(
        valid: [String] = ["peter@bsdly.net", "alice@bsdly.com"], guards: GuardConfig = GuardConfig(),
        neverBlock: [String] = []
    ) throws {
        dir.write("valid.txt", valid.joined(separator: "\n") + "\n")
        config = Config(
            baseDirectory: dir.path, domains: ["bsdly.com", "bsdly.net"], validAddressesFile: dir.file("valid.txt"),
            recipientDelimiters: "+", neverBlock: neverBlock, logTimeZone: TimeZone(identifier: "UTC")!,
            statePath: dir.file("state.sqlite"), publishDir: dir.file("publish"),
            pageTemplate: PackageRoot.data("spamtraps.html.mustache"), guards: guards)
        ws = try Workspace.open(config: config)
    }

    func reopen() throws { ws = try Workspace.open(config: config) }

    @discardableResult
    func classify(_ dump: String, now: Int64, name: String = "dump") throws -> ClassifyJob.Outcome {
        let p = dir.write(name, dump)
        return try ClassifyJob.run(
            [ClassifyInput(source: "test", path: p, format: .auto)], workspace: ws, now: now, dryRun: false,
            reporter: .silent)
    }

    @discardableResult
    func publish(now: Int64, force: Bool = false) throws -> PublishJob.Outcome {
        try PublishJob.run(
            workspace: ws, now: now, force: force, keepPreviousHosts: false, dryRun: false, reporter: .silent)
    }

    var traps: [String] { (dir.read("publish/spamtraps.txt") ?? "").split(separator: "\n").map(String.init) }
    var pfEntries: [String] {
        (dir.read("publish/traplist.pf") ?? "").split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }
}

func grey(_ ip: String, from: String, to: String, at t: Int64, helo: String = "mx.example") -> String {
    "GREY|\(ip)|\(helo)|<\(from)>|<\(to)>|\(t)|\(t + 3600)|\(t + 14400)|1|0\n"
}
