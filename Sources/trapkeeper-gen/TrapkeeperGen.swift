import ArgumentParser

/// `trapkeeper-gen`: seeded test and benchmark data for trapkeeper.
@main
struct TrapkeeperGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trapkeeper-gen",
        abstract: "Writes seeded, realistic spamdb dumps, valid-address lists, host lists and configs.",
        discussion: """
            The same options always produce the same bytes. A matching set for a benchmark:
              trapkeeper-gen dump  --lines 1000000 --seed 1 --out dump.txt
              trapkeeper-gen valid --count 500 --out valid-addresses.txt
              trapkeeper-gen config --dir .
            """,
        subcommands: [DumpCommand.self, ValidCommand.self, HostsCommand.self, ConfigCommand.self, ExportsCommand.self]
    )
}

/// Options shared by the commands that describe "our" site.
struct SiteOptions: ParsableArguments {
    @Option(help: "Our domains, comma-separated (the dump's real users and traps live in these).")
    var domains: String = "bsdly.com,bsdly.net"

    var domainList: [String] {
        domains.split(separator: ",").map { String($0.filter { $0 != " " }).lowercased() }.filter { !$0.isEmpty }
    }

    func validate() throws {
        guard !domainList.isEmpty else { throw ValidationError("--domains needs at least one domain") }
    }
}
