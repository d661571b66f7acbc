import ArgumentParser
import Foundation
import TrapkeeperCore

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Verdict, rule and evidence for one address or IP.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try withWorkspace(common, locked: false) { ws in
            Console.out(try Explainer.explain(entry, workspace: ws, now: common.time))
            return .ok
        }
    }
}

struct Delist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delist", abstract: "Take an address or IP off the lists for good (audited).")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Why (kept in the audit trail).") var reason: String
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try withWorkspace(common, locked: true) { ws in
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
    static let configuration = CommandConfiguration(
        commandName: "relist", abstract: "Undo a delisting.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "An address or an IP.") var entry: String

    func run() throws {
        try withWorkspace(common, locked: true) { ws in
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
        if let ip = IPAddress(host: entry) { return (ip.description, "ip") }
        return (Classifier.canonicalAddress(Classifier.normalize(entry)), "address")
    }
}
