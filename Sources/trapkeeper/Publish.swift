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
        try executePublishing(common, metrics: !dryRun) { ws in
            let lock = try RunLock(statePath: ws.config.statePath)
            defer { withExtendedLifetime(lock) {} }
            let o = try PublishJob.republish(
                workspace: ws, command: dryRun ? "publish --dry-run" : "publish", now: common.time, force: force,
                dryRun: dryRun, reporter: Console.reporter(verbose: verbose))
            keptUntilExit.append(o)
            if verbose || dryRun {
                Console.out(
                    "\(o.plan.traps.count) traps, \(o.plan.hosts.count) hosts in \(o.plan.blocks.count) blocks\(o.written ? " published to \(ws.config.publishDir)" : " (dry run, nothing written)")\n"
                )
            }
            return .ok
        }
    }
}
