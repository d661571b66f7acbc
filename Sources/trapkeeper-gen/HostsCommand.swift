import ArgumentParser

struct HostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "Write IPv4 host addresses, one per line: full /24s, runs and scattered hosts, shuffled."
    )

    @Option(help: "Number of lines.") var count: Int = 1_000_000
    @Option(help: "Seed of the generator.") var seed: UInt64 = 1
    @Option(help: "Output file ('-' or absent: standard output).") var out: String?

    func run() throws {
        let writer = try ByteWriter(path: out)
        try HostListGenerator(count: max(0, count), seed: seed).run(to: writer)
        try writer.finish()
    }
}
