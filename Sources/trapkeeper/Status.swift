import ArgumentParser
import TrapkeeperCore

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Last runs, per-source health, list sizes.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try withWorkspace(common, locked: false) { ws in
            Console.out(try StatusReport.text(workspace: ws, now: common.time))
            return .ok
        }
    }
}
