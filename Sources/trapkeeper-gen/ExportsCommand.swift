import ArgumentParser
import Foundation
import TrapkeeperCore

/// Writes the host lists of a publish for a list of addresses/CIDRs, as `publish` writes them
/// (beside, fsync, rename): the benchmark of the export writers.
struct ExportsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exports",
        abstract: "Write the published host lists (traplist.pf … traplist6.rbldnsd) of an address list."
    )

    @Option(help: "Which exports: 'pf' (traplist.pf alone) or 'all' (pf, spamd, nft, ipset, rbldnsd).")
    var formats: String = "all"
    @Option(help: "Folder to write into (created when missing).") var out: String
    @Argument(help: "Addresses or CIDRs, one per line (the list is aggregated first, as a publish does).")
    var file: String

    func run() throws {
        let exports: [ExportFormat]
        switch formats {
        case "pf": exports = [.pf]
        case "all": exports = ExportFormat.allCases
        default: throw ValidationError("--formats must be 'pf' or 'all'")
        }
        let input = try AddressListReader.read(path: file).hosts
        let blocks = CIDRAggregator.aggregate(blocks: input)
        let hosts4 = input.filter { $0.address.isIPv4 }.count
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var config = Config(
            baseDirectory: out, domains: ["bsdly.com", "bsdly.net"], validAddressesFile: "/dev/null",
            statePath: "/dev/null", publishDir: out, exports: exports,
            rbldnsd: RbldnsdConfig(zone: "traps.example.org"))
        config.ipset.maxelem = IpsetConfig.maxelemRange.upperBound
        let files = HostListExports(config: config).render(
            blocks: blocks, hosts4: hosts4, hosts6: input.count - hosts4, now: 1_760_094_000
        ).files
        try AtomicFile.replaceAll(files.map { ($0.bytes, (out as NSString).appendingPathComponent($0.name)) })
    }
}
