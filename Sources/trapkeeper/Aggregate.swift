import ArgumentParser
import TrapkeeperCore

struct Aggregate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "IPs/CIDRs in (one per line), minimal exact CIDR cover out.")

    @Argument(help: "Input file (default: standard input).") var file: String?

    func run() throws {
        try execute {
            let input: (hosts: [CIDR], rejects: [(line: Int, text: String)])
            do {
                input = try AddressListReader.read(path: file)
            } catch {
                throw JobFailure(.cannotRun, "\(file ?? "stdin"): \(error)")
            }
            for r in input.rejects.prefix(5) {
                Console.error("\(file ?? "stdin"):\(r.line): not an address or CIDR: \(r.text)")
            }
            _ = AddressListReader.write(CIDRAggregator.aggregate(blocks: input.hosts), to: 1)
            return input.rejects.isEmpty ? .ok : .partial
        }
    }
}
