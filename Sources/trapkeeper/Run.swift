import ArgumentParser
import TrapkeeperCore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The nightly job: collect, classify, publish.")

    @OptionGroup var common: CommonOptions
    @Flag(name: .long, help: "Everything but writing publish/ and the state.") var dryRun = false
    @Flag(name: .long, help: "Publish even when a safety guard refuses.") var force = false
    @Flag(name: .shortAndLong, help: "Progress and a summary on stderr.") var verbose = false

    func run() throws {
        try execute {
            throw JobFailure(.cannotRun, "run: not built yet")
        }
    }
}

struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fetch every source into the cache only.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try execute {
            throw JobFailure(.cannotRun, "collect: not built yet")
        }
    }
}
