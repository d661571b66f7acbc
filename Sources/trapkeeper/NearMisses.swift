import ArgumentParser
import Foundation
import TrapkeeperCore

struct NearMisses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "near-misses",
        abstract: "Held near-misses: unknown addresses one keystroke from a valid one, not (yet) traps.")

    @OptionGroup var common: CommonOptions
    @Flag(name: .long, help: "Also list near-misses already promoted to traps.") var all = false

    func run() throws {
        try withWorkspace(common, locked: false) { ws in
            for r in try ws.store.nearMisses() where all || r.promotedAt == nil {
                var line =
                    "\(r.address)\tresembles \(r.resembles)\t\(r.networks) of \(ws.config.typoPromoteNetworks) networks"
                if let a = try ws.store.address(r.address) {
                    line += "\tfirst seen \(TimeText.utc(a.firstSeen)), last seen \(TimeText.utc(a.lastSeen))"
                }
                if let t = r.promotedAt { line += "\tpromoted to a trap at \(TimeText.utc(t))" }
                Console.out(line + "\n")
            }
            return .ok
        }
    }
}
