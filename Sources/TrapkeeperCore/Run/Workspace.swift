import Foundation

/// Everything a command needs, loaded and checked once: the config, the address book, the
/// classifier, the never-block list and the state.
public struct Workspace {
    public let config: Config
    public let book: AddressBook
    public let classifier: Classifier
    public let neverBlock: NeverBlockList
    public let store: TrapStore

    /// What the operator should see on stderr but need not stop for (entries of the lists
    /// outside the configured domains). Every command that opens a workspace prints them.
    public var warnings: [String] { book.warnings }

    /// Loads the config file and everything it names. Any problem is a `JobFailure(.cannotRun)`.
    public static func open(configPath: String) throws -> Workspace {
        let config: Config
        do {
            config = try Config.load(path: configPath)
        } catch let e as ConfigError {
            throw JobFailure(.cannotRun, "config error: \(e)")
        }
        return try open(config: config)
    }

    public static func open(config: Config) throws -> Workspace {
        do {
            try config.checkPublishDirIsPublic()
            let book = try AddressBook.load(
                validFile: config.validAddressesFile, protectedFile: config.protectedFile, domains: config.domains,
                delimiters: config.recipientDelimiters)
            let extra = config.neverBlock.compactMap(CIDR.init)
            let store = try TrapStore(path: config.statePath)
            return Workspace(
                config: config, book: book, classifier: Classifier(config: config, book: book),
                neverBlock: NeverBlockList(extra: extra), store: store)
        } catch let e as ConfigError {
            throw JobFailure(.cannotRun, "config error: \(e)")
        } catch let e as StoreError {
            throw JobFailure(.cannotRun, "\(e)")
        }
    }

    /// The valid list must not have shrunk far below last run's (a lost or truncated list would
    /// turn every real user into a "trap").
    public func checkValidListSize(runID: Int64) throws {
        let now = book.validInOurDomains
        if let last = try store.lastValidCount(before: runID), last > 0,
            Double(now) < Double(last) * config.guards.minValidShare
        {
            throw JobFailure(
                .cannotRun,
                "config error: \(config.validAddressesFile): the valid-address list holds \(now) entries in our domains, last run it held \(last) (below \(Int(config.guards.minValidShare * 100)) %): refusing to run, real users would become traps. Fix the list, or lower [guards] min_valid_share if this is intended."
            )
        }
        try store.recordValidCount(runID: runID, count: now)
    }

    /// The configured sources whose latest fetch failed (a fresh copy has not come since).
    /// While any is down, every host published last time stays published: see
    /// `PublishJob.run(keepPreviousHosts:)`.
    public func sourcesInOutage() throws -> [String] {
        let health = Dictionary(try store.sourceHealth().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return config.sources.compactMap { s in
            guard let h = health[s.name], let failed = h.lastErrorAt else { return nil }
            return failed >= (h.lastSuccess ?? Int64.min) && failed == h.lastAttempt ? s.name : nil
        }
    }

    /// Rule 3b over the current valid list (built on each call: its index is a few hundred
    /// milliseconds for a 100 000-address list, and only publishing and explaining need it).
    public func nearMissRule() -> NearMissRule {
        NearMissRule(book: book, minLength: config.typoMinLength, promoteNetworks: config.typoPromoteNetworks)
    }

    /// An entry an operator names (`delist`, `relist`) in the form the lists hold it: an IP
    /// address (an IPv4-mapped one as its IPv4 address) or an address of our domains
    /// (normalised like a recipient, its domain in ASCII form), with its kind ("ip" or
    /// "address"). Anything that can never be on the lists is a `ConfigError` saying why —
    /// a delisting that matches nothing would fail without a word.
    public func listEntry(_ given: String) throws -> (entry: String, kind: String) {
        let text = given.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ConfigError(file: "", "an empty entry names nothing") }
        if let ip = IPAddress(host: text) { return (ip.description, "ip") }
        if text.contains("/"), CIDR(text) != nil {
            throw ConfigError(
                file: "", "'\(text)' is a block: the lists are judged host by host; name each address of it")
        }
        let address = Classifier.canonicalAddress(Classifier.normalize(text))
        switch classifier.classify(address: address, probeShapes: false) {
        case .notOurs:
            throw ConfigError(
                file: "",
                "'\(text)' is neither an IP address nor an address in \(config.domains.joined(separator: ", ")): it can never be on the lists"
            )
        case .malformed(let why):
            throw ConfigError(file: "", "'\(text)' can never be on the lists: \(why)")
        case .valid, .protected, .unknown:
            return (address, "address")
        }
    }

    public func hostRule(now: Int64) -> HostRule {
        HostRule(now: now, ttlHours: config.hostTTLHours, neverBlock: neverBlock)
    }
}
