import ArgumentParser
import TrapkeeperCore

struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Write the lists from the state.")

    @OptionGroup var common: CommonOptions
    @Flag(name: .long, help: "Publish even when a safety guard refuses.") var force = false
    @Flag(name: .long, help: "Plan and check, write nothing.") var dryRun = false
    @Flag(name: .shortAndLong, help: "Print a summary.") var verbose = false

    func run() throws {
        try execute {
            let ws = try openWorkspace(common)
            let lock = try RunLock(statePath: ws.config.statePath)
            defer { withExtendedLifetime(lock) {} }
            let runID = try ws.store.beginRun(command: "publish", now: common.time)
            do {
                try ws.checkValidListSize(runID: runID)
                let o = try PublishJob.run(
                    workspace: ws, now: common.time, force: force, keepPreviousHosts: false, dryRun: dryRun,
                    reporter: Console.reporter(verbose: verbose))
                keptUntilExit.append(o)
                try ws.store.finishRun(
                    id: runID, exitCode: 0, traps: o.plan.traps.count, hosts: o.plan.hosts.count, validCount: nil,
                    message: nil)
                if verbose || dryRun {
                    Console.out(
                        "\(o.plan.traps.count) traps, \(o.plan.hosts.count) hosts in \(o.plan.blocks.count) blocks\(o.written ? " published to \(ws.config.publishDir)" : " (dry run, nothing written)")\n"
                    )
                }
            } catch let f as JobFailure {
                try? ws.store.finishRun(
                    id: runID, exitCode: Int(f.status.rawValue), traps: nil, hosts: nil, validCount: nil,
                    message: f.message)
                throw f
            }
            return .ok
        }
    }
}
