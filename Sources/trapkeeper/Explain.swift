import ArgumentParser
import Foundation
import TrapkeeperCore

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Verdict, rule and evidence for one address or IP.")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "text or json (one object; keys in the README).") var format: String = "text"
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try withWorkspace(common, locked: false) { ws in
            switch format {
            case "text": Console.out(try Explainer.explain(entry, workspace: ws, now: common.time))
            case "json": Console.out(try Explainer.json(entry, workspace: ws, now: common.time))
            default: throw JobFailure(.cannotRun, "--format must be text or json")
            }
            return .ok
        }
    }
}

struct Delist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delist", abstract: "Take an address or IP off the lists for good (audited).")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Why (kept in the audit trail).") var reason: String
    @Flag(name: .long, help: "Republish even when a safety guard refuses.") var force = false
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try executePublishing(common, metrics: true) { ws in
            let lock = try RunLock(statePath: ws.config.statePath)
            defer { withExtendedLifetime(lock) {} }
            let (key, kind) = try DelistKey.make(entry, workspace: ws)
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw JobFailure(.cannotRun, "--reason must say why")
            }
            try ws.store.delist(entry: key, kind: kind, reason: reason, at: common.time)
            try Republish.now(ws, command: "delist", common: common, force: force, change: "\(key) is delisted")
            return .ok
        }
    }
}

struct Relist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relist", abstract: "Undo a delisting.")

    @OptionGroup var common: CommonOptions
    @Flag(name: .long, help: "Republish even when a safety guard refuses.") var force = false
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try executePublishing(common, metrics: true) { ws in
            let lock = try RunLock(statePath: ws.config.statePath)
            defer { withExtendedLifetime(lock) {} }
            let (key, _) = try DelistKey.make(entry, workspace: ws)
            guard try ws.store.relist(entry: key, at: common.time) else {
                throw JobFailure(.cannotRun, "\(key) is not delisted")
            }
            try Republish.now(ws, command: "relist", common: common, force: force, change: "\(key) is relisted")
            return .ok
        }
    }
}

/// `delist` and `relist` take effect at once: they republish under the same guards as a run.
enum Republish {
    static func now(_ ws: Workspace, command: String, common: CommonOptions, force: Bool, change: String) throws {
        do {
            let o = try PublishJob.republish(
                workspace: ws, command: command, now: common.time, force: force, dryRun: false,
                reporter: Console.reporter())
            keptUntilExit.append(o)
        } catch let f as JobFailure {
            throw JobFailure(
                f.status,
                "\(change) in the state, but the lists were not republished:\n\(f.message)\nThe change takes effect at the next publish that passes the guards."
            )
        }
    }
}

enum DelistKey {
    /// The entry as the lists hold it, or a failure saying why `entry` can never be on them.
    static func make(_ entry: String, workspace ws: Workspace) throws -> (String, String) {
        do {
            return try ws.listEntry(entry)
        } catch let e as ConfigError {
            throw JobFailure(.cannotRun, e.message)
        }
    }
}
