import ArgumentParser
import Foundation
import TrapkeeperCore

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify local dump or log files ('-' = stdin) into the state.")

    @OptionGroup var common: CommonOptions
    @Flag(name: .long, help: "Parse and classify, write nothing.") var dryRun = false
    @Flag(name: .shortAndLong, help: "Print a summary.") var verbose = false
    @Option(name: .long, help: "Format of the files: spamdb, spamd-log or auto.") var format: String = "auto"
    @Argument(help: "Dump or log files.") var files: [String]

    func run() throws {
        try execute {
            guard let fmt = SourceFormat(rawValue: format) else {
                throw JobFailure(.cannotRun, "--format must be spamdb, spamd-log or auto")
            }
            tkTick("classify: command start")
            let ws = try openWorkspace(common)
            tkTick("classify: workspace open")
            let lock = try dryRun ? nil : RunLock(statePath: ws.config.statePath)
            defer { withExtendedLifetime(lock) {} }
            let runID = try ws.store.beginRun(command: dryRun ? "classify --dry-run" : "classify", now: common.time)
            try ws.checkValidListSize(runID: runID)
            let inputs = files.map { f in
                ClassifyInput(
                    source: f == "-" ? "stdin" : "file:" + (f as NSString).lastPathComponent, path: f, format: fmt)
            }
            let outcome = try ClassifyJob.run(
                inputs, workspace: ws, now: common.time, dryRun: dryRun, reporter: Console.reporter(verbose: verbose))
            try ws.store.finishRun(id: runID, exitCode: 0, traps: nil, hosts: nil, validCount: nil, message: nil)
            if dryRun || verbose {
                let h = outcome.harvest
                let lines = outcome.reports.reduce(0) { $0 + $1.lines }
                let rejected = outcome.reports.reduce(0) { $0 + $1.rejected }
                Console.out(
                    "\(lines) lines, \(rejected) rejected; \(h.addressCount) addresses of our domains, \(h.unknownSeenCount) unknown; \(h.hostCount) hosts with trap hits or TRAPPED; \(h.callbackIncidents.count) callback probes\n"
                )
            }
            keptUntilExit.append(outcome)
            tkTick("classify: command done")
            return .ok
        }
    }
}
