import ArgumentParser
import TrapkeeperCore

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Last runs, per-source health, list sizes.")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "text or json (one object; keys in the README).") var format: String = "text"

    func run() throws {
        try withWorkspace(common, locked: false) { ws in
            switch format {
            case "text": Console.out(try StatusReport.text(workspace: ws, now: common.time))
            case "json": Console.out(try StatusReport.json(workspace: ws, now: common.time))
            default: throw JobFailure(.cannotRun, "--format must be text or json")
            }
            return .ok
        }
    }
}
