import ArgumentParser
import Foundation
import TrapkeeperCore

struct Callbacks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callbacks",
        abstract: "Callback probes seen: ip, helo, probe address, decoded time.")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "text or json") var format: String = "text"

    func run() throws {
        try withWorkspace(common, locked: false) { ws in
            let rows = try ws.store.callbacks()
            switch format {
            case "json":
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                let items = rows.map { r -> [String: String?] in
                    [
                        "ip": r.ip, "helo": r.helo, "probe_address": r.probeAddress, "sender": r.sender, "kind": r.kind,
                        "probe_time": r.probeTime.map { TimeText.utc($0) }, "probe_epoch": r.probeTime.map(String.init),
                        "seen": TimeText.utc(r.seen), "seen_epoch": String(r.seen),
                        "delay_seconds": r.probeTime.map { String(r.seen - $0) }, "source": r.source,
                    ]
                }
                Console.out(String(decoding: try enc.encode(items), as: UTF8.self) + "\n")
            case "text":
                for r in rows {
                    var line = "\(r.ip)\thelo \(r.helo ?? "-")\t\(r.probeAddress)\t\(r.kind)"
                    if let t = r.probeTime {
                        line +=
                            "\tprobe made \(TimeText.utc(t)), seen \(TimeText.utc(r.seen)) (\(TimeText.duration(r.seen - t)) later)"
                    } else {
                        line += "\tseen \(TimeText.utc(r.seen))"
                    }
                    Console.out(line + "\n")
                }
            default:
                throw JobFailure(.cannotRun, "--format must be text or json")
            }
            return .ok
        }
    }
}
