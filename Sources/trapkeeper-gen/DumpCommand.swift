import ArgumentParser

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Write a spamdb greylist dump (about 100 bytes a line)."
    )

    /// 2025-10-10 11:00:00 UTC: a fixed default keeps dumps reproducible.
    static let defaultNow: Int64 = 1_760_094_000

    @Option(help: "Number of lines.") var lines: Int = 1_000_000
    @Option(help: "Seed of the generator.") var seed: UInt64 = 1
    @Option(help: "The dump's 'current time' (epoch seconds); GREY tuples are at most 4 h older.")
    var now: Int64 = DumpCommand.defaultNow
    @OptionGroup var site: SiteOptions
    @Option(help: "Real users per site; must match 'trapkeeper-gen valid --count'.") var validCount: Int = 500
    @Option(help: "Size of the pool of made-up recipient addresses (picked with a power law).")
    var trapPool: Int = 40_000
    @Option(help: "Make the first N trap picks all different (at least N distinct trap recipients).")
    var distinctRecipients: Int?
    @Option(help: "Number of spamming hosts (default: lines / 20, at least 256).") var hosts: Int?
    @Option(help: "Output file ('-' or absent: standard output).") var out: String?
    @Flag(help: "Print line counts by kind to standard error.") var stats = false

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("--lines must be ≥ 0") }
        guard validCount >= 1 else { throw ValidationError("--valid-count must be ≥ 1") }
        guard trapPool >= 1 else { throw ValidationError("--trap-pool must be ≥ 1") }
        if let d = distinctRecipients, d < 1 { throw ValidationError("--distinct-recipients must be ≥ 1") }
        if let h = hosts, h < 1 { throw ValidationError("--hosts must be ≥ 1") }
    }

    func run() throws {
        let writer = try ByteWriter(path: out)
        var generator = DumpGenerator(
            options: .init(
                lines: lines, seed: seed, now: now, domains: site.domainList, validCount: validCount,
                trapPoolSize: trapPool, distinctRecipients: distinctRecipients,
                hostPoolSize: hosts ?? max(256, lines / 20)))
        try generator.run(to: writer)
        try writer.finish()
        if stats {
            var report = generator.counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            report.append("bytes: \(writer.bytesWritten)")
            if let d = distinctRecipients {
                report.append(
                    "distinct trap recipients (sequential picks): \(generator.distinctTrapsWritten) of \(d) requested")
            }
            printError(report.joined(separator: "\n"))
        }
        if let d = distinctRecipients, generator.distinctTrapsWritten < d {
            printError(
                "trapkeeper-gen: warning: only \(generator.distinctTrapsWritten) of \(d) distinct trap recipients fit in \(lines) lines; use about \(d * 21 / 10) lines"
            )
        }
    }
}
