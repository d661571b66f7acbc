import ArgumentParser
import TrapkeeperCore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "The nightly job: collect, classify, publish.")

    @OptionGroup var common: CommonOptions
    @Flag(name: .long, help: "Everything but writing publish/ and the state.") var dryRun = false
    @Flag(name: .long, help: "Publish even when a safety guard refuses.") var force = false
    @Flag(name: .shortAndLong, help: "Progress and a summary on stderr.") var verbose = false

    func run() throws {
        try executePublishing(common, metrics: !dryRun) { ws in
            try NightlyRun.run(
                workspace: ws, now: common.time, dryRun: dryRun, force: force,
                reporter: Console.reporter(verbose: verbose))
        }
    }
}

struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect", abstract: "Fetch every source into the cache only.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try execute {
            let ws = try openWorkspace(common)
            return try NightlyRun.collectOnly(workspace: ws, now: common.time, reporter: Console.reporter())
        }
    }
}
