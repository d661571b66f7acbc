import ArgumentParser
import TrapkeeperCore

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Verdict, rule and evidence for one address or IP.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try execute {
            let ws = try Workspace.open(configPath: common.config)
            Console.out(try Explainer.explain(entry, workspace: ws, now: common.time))
            return .ok
        }
    }
}

struct Delist: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Take an address or IP off the lists for good (audited).")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Why (kept in the audit trail).") var reason: String
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try execute {
            let ws = try Workspace.open(configPath: common.config)
            let lock = try RunLock(statePath: ws.config.statePath)
            defer { withExtendedLifetime(lock) {} }
            let (key, kind) = DelistKey.make(entry)
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw JobFailure(.cannotRun, "--reason must say why")
            }
            try ws.store.delist(entry: key, kind: kind, reason: reason, at: common.time)
            return .ok
        }
    }
}

struct Relist: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Undo a delisting.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try execute {
            let ws = try Workspace.open(configPath: common.config)
            let lock = try RunLock(statePath: ws.config.statePath)
            defer { withExtendedLifetime(lock) {} }
            let (key, _) = DelistKey.make(entry)
            guard try ws.store.relist(entry: key, at: common.time) else {
                throw JobFailure(.cannotRun, "\(key) is not delisted")
            }
            return .ok
        }
    }
}

enum DelistKey {
    static func make(_ entry: String) -> (String, String) {
        if let ip = IPAddress(entry) { return (ip.description, "ip") }
        return (Classifier.normalize(entry), "address")
    }
}

import Foundation
