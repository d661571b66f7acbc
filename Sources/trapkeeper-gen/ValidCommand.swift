import ArgumentParser

struct ValidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "valid",
        abstract: "Write the valid-address list matching a dump's real users."
    )

    @OptionGroup var site: SiteOptions
    @Option(help: "Number of users (the dump's --valid-count).") var count: Int = 500
    @Option(help: "Add '*@DOMAIN' catch-all lines (comma-separated domains).") var catchAll: String = ""
    @Option(help: "Output file ('-' or absent: standard output).") var out: String?

    func run() throws {
        let writer = try ByteWriter(path: out)
        let catchAllDomains = catchAll.split(separator: ",").map(String.init).filter { !$0.isEmpty }
        try ValidUsers(domains: site.domainList, count: count).write(to: writer, catchAll: catchAllDomains)
        try writer.finish()
    }
}
