import ArgumentParser
import TrapkeeperCore

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Last runs, per-source health, list sizes.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try execute {
            let ws = try Workspace.open(configPath: common.config)
            Console.out(try StatusReport.text(workspace: ws, now: common.time))
            return .ok
        }
    }
}
