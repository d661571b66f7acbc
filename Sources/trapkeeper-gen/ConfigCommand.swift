import ArgumentParser

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Write DIR/trapkeeper.toml for a generated data set (no [[sources]]: classify takes files)."
    )

    @Option(help: "Folder to write trapkeeper.toml into.") var dir: String = "."
    @OptionGroup var site: SiteOptions
    @Option(help: "Valid-address file, relative to DIR.") var valid: String = "valid-addresses.txt"
    @Option(help: "State database, relative to DIR.") var state: String = "state.sqlite"
    @Option(help: "Publish folder, relative to DIR.") var publishDir: String = "publish"

    func run() throws {
        let domains = site.domainList.map { "\"\($0)\"" }.joined(separator: ", ")
        let text = """
            # written by trapkeeper-gen config
            domains = [\(domains)]
            valid_addresses = "\(valid)"
            recipient_delimiter = "+"
            state = "\(state)"
            publish_dir = "\(publishDir)"

            """
        let writer = try ByteWriter(path: dir + "/trapkeeper.toml")
        writer.string(text)
        try writer.finish()
    }
}
