import Foundation
import TrapkeeperCore

/// Writes the lines of `LabelledScenario` and keeps the books: a label for every address in our
/// domains and a record for every host. Dictionaries are used only for look-ups; everything that
/// is written comes from arrays, so a seed always gives the same bytes.
struct ScenarioBuilder {
    typealias S = LabelledScenario

    var rng: ScenarioRandom
    private(set) var labels: [String: AddressLabel] = [:]
    private(set) var hosts: [HostRecord] = []
    private var hostIndex: [IPAddress: Int] = [:]
    private var dumpLines: [[UInt8]] = []
    /// Garbage lines go in after shuffling, never at the top (the top decides format detection).
    private var garbageLines: [[UInt8]] = []
    private var logEntries: [(time: Int64, line: String)] = []
    private(set) var lineCounts: [String: Int] = [:]
    private(set) var validList = ""
    private(set) var fullBlock = CIDR("0.0.0.0/24")!
    private(set) var holedBlock = CIDR("0.0.0.0/24")!

    /// Traps in the order they were made, to re-use for further hits.
    private var traps: [String] = []
    /// Unknown addresses in our domains used as forged senders (traps by harvest_senders).
    private var forgedSenderTraps: [String] = []
    private var validUsers: [String] = []
    private var reservedBlocks: Set<UInt32> = []  // /24 prefixes (value >> 8) kept for the block cases
    private var usedLocalParts: Set<String> = []
    /// Addresses that were written as a sender, recipient or SPAMTRAP value.
    private var usedAddresses: Set<String> = []

    init(seed: UInt64) {
        rng = ScenarioRandom(state: seed)
    }

    // MARK: the scenario

    mutating func build() {
        makeValidUsers()
        reserveBlocks()
        ordinarySpammers(v4: 220, v6: 30)
        forgedSenderSpammers(count: 25)
        fullBlockOfTrappers()
        holedBlockOfTrappers()
        runsOfTrappers()
        staleAndTrappedHosts()
        logOnlySpammers(count: 20)
        postfixVerifiers(count: 10)
        backscatterAndPostmasterHosts()
        eximProbers(count: 15)
        staleEximProbeAddresses()
        verificationServices()
        randomLookingSpam()
        neverBlockHosts()
        spamtrapLines()
        oldFormatAndEightBit()
        innocentHosts()
        nearMissTypos()
        garbage()
        logNoise()
        checkBooks()
    }

    // MARK: valid users, roles, look-alikes

    static let firstNames = [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
        "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "xavier",
    ]
    static let lastNames = [
        "smith", "jones", "hansen", "olsen", "berg", "dahl", "strand", "larsen", "moen", "lunde",
    ]
    /// Names for made-up "first.last" traps: none is a valid user's.
    static let trapNames = [
        "jaclyn.perkinson", "marcus.whitfield", "dolores.ambrose", "kendrick.lowell", "priscilla.vane",
        "thaddeus.crane", "winifred.stoke", "ezekiel.marsh", "rosalind.fenwick", "barnaby.quill",
    ]

    mutating func makeValidUsers() {
        var lines = ["# real mailboxes and aliases; '*@domain' marks a catch-all domain", ""]
        for i in 0..<60 {
            let first = Self.firstNames[i % Self.firstNames.count]
            let last = Self.lastNames[(i / Self.firstNames.count * 3 + i) % Self.lastNames.count]
            let local = i % 12 == 5 ? first : "\(first).\(last)"
            let domain = S.ourDomains[i % S.ourDomains.count]
            let address = "\(local)@\(domain)"
            guard labels[address] == nil else { continue }
            label(address, .valid, "valid list")
            validUsers.append(address)
            usedLocalParts.insert(local)
            switch i % 4 {
            case 1: lines.append(capitalised(local) + "@" + domain.uppercased())  // Alice.Smith@BSDLY.COM
            case 2: lines.append(capitalised(local) + "@" + domain)
            default: lines.append(address)
            }
            if i == 30 { lines.append("# aliases") }
        }
        lines.append("*@\(S.catchAllDomain)")
        validList = lines.joined(separator: "\n") + "\n"
    }

    /// A valid user written the way real mail writes them: mixed case, sometimes with a +tag.
    mutating func validRecipient() -> String {
        let address = validUsers[below(validUsers.count)]
        let (local, domain) = split(address)
        switch below(5) {
        case 0: return "<\(capitalised(local))@\(domain.uppercased())>"  // <Alice.Smith@BSDLY.COM>
        case 1:
            let tagged = "\(local)+\(pick(["lists", "news", "shop", "Spam", "x1"]))@\(domain)"
            label(tagged, .valid, "valid user with recipient delimiter")
            return "<\(rng.next() % 2 == 0 ? tagged : capitalised(tagged))>"
        case 2: return "<\(capitalised(local))@\(domain)>"
        default: return "<\(address)>"
        }
    }

    mutating func roleAddress() -> String {
        let role = pick(S.roles)
        let domain = pick(S.ourDomains)
        label("\(role)@\(domain)", .protected, "RFC 2142 role / special mailbox")
        switch below(3) {
        case 0: return "<\(role.uppercased())@\(domain)>"
        case 1: return "<\(capitalised(role))@\(domain.uppercased())>"
        default: return "<\(role)@\(domain)>"
        }
    }

    mutating func catchAllAddress() -> String {
        let local = below(3) == 0 ? randomAlnum(32, lowerOnly: true) : pronounceable()
        label("\(local)@\(S.catchAllDomain)", .valid, "catch-all domain")
        return "<\(below(2) == 0 ? capitalised(local) : local)@\(S.catchAllDomain)>"
    }

    static let lookAlikeDomains = [
        "notbsdly.com", "mail.bsdly.com", "bsdly.com.evil.ru", "xbsdly.net", "bsdly.co", "datadok.no.example",
        "catchall.example.org", "sub.datadok.no",
    ]

    mutating func lookAlikeAddress() -> String {
        let address = "\(pronounceable())@\(pick(Self.lookAlikeDomains))"
        label(address, .notOurs, "look-alike domain, not ours")
        return "<\(address)>"
    }

    mutating func foreignRecipient() -> String {
        below(2) == 0 ? lookAlikeAddress() : "<victim\(below(100))@\(pick(["gmail.com", "yahoo.com", "mail.ru"]))>"
    }

    // MARK: traps

    /// A new unknown address in our domains (a trap), written with the case spammers use.
    mutating func newTrap(_ why: String, domain: String? = nil) -> String {
        let local: String
        switch below(10) {
        case 0: local = "\(pick(Self.trapNames))\(below(100))"
        case 1: local = "\(pronounceable()).\(pronounceable())"
        case 2: local = "\(pronounceable())\(below(1000))"
        default: local = pronounceable()
        }
        return trap(local: local, domain: domain ?? pick(S.ourDomains), why)
    }

    mutating func trap(local: String, domain: String, _ why: String) -> String {
        let address = "\(local)@\(domain)".lowercased()
        label(address, .trap, why)
        traps.append(address)
        return address
    }

    /// A recipient that is a trap: mostly new, sometimes one that others hit too.
    mutating func trapRecipient(_ why: String = "unknown recipient") -> String {
        let address = traps.count > 20 && below(10) < 3 ? traps[below(traps.count)] : newTrap(why)
        return spammerCase(address)
    }

    /// 60 % as is, 20 % Capitalised, 10 % LOCAL upper, 10 % all upper.
    mutating func spammerCase(_ address: String) -> String {
        let (local, domain) = split(address)
        switch below(10) {
        case 0..<6: return "<\(address)>"
        case 6, 7: return "<\(capitalised(local))@\(domain)>"
        case 8: return "<\(local.uppercased())@\(domain)>"
        default: return "<\(address.uppercased())>"
        }
    }

    // MARK: hosts

    mutating func reserveBlocks() {
        for _ in 0..<3 {
            var prefix: UInt32
            repeat { prefix = publicV4Raw() >> 8 } while reservedBlocks.contains(prefix)
            reservedBlocks.insert(prefix)
        }
    }

    mutating func publicV4Raw() -> UInt32 {
        let firsts: [UInt32] = [
            2, 5, 23, 31, 37, 45, 46, 62, 77, 78, 80, 81, 85, 89, 91, 93, 94, 109, 141, 176, 178, 185, 188, 193, 194,
            195, 212, 213, 217,
        ]
        return pick(firsts) << 24 | UInt32(truncatingIfNeeded: rng.next()) & 0x00ff_ffff
    }

    /// A fresh public IPv4 host outside the reserved blocks.
    mutating func publicV4() -> IPAddress {
        while true {
            let v = publicV4Raw()
            let ip = IPAddress(v4: v)
            if !reservedBlocks.contains(v >> 8), hostIndex[ip] == nil, !S.isNeverBlock(ip) { return ip }
        }
    }

    /// A fresh global unicast IPv6 host, each in its own /64.
    mutating func publicV6() -> IPAddress {
        while true {
            let high = (0x2a01 + UInt64(below(14))) << 48 | (rng.next() & 0x0000_ffff_ffff_0000)
            let ip = IPAddress(v6High: high, v6Low: below(2) == 0 ? UInt64(1 + below(250)) : rng.next())
            if hostIndex[ip] == nil { return ip }
        }
    }

    @discardableResult
    mutating func newHost(_ ip: IPAddress, _ category: String, export: Bool, text: String? = nil) -> IPAddress {
        precondition(hostIndex[ip] == nil, "host \(ip) made twice")
        hostIndex[ip] = hosts.count
        hosts.append(HostRecord(ip: ip, text: text ?? ip.description, category: category, intendedExport: export))
        return ip
    }

    /// IPv6 written differently from the canonical form (upper case, uncompressed): parsers must
    /// accept every textual form, the pf file prints the canonical one.
    static func uncanonical(_ ip: IPAddress) -> String {
        var groups: [String] = []
        for shift in stride(from: 48, through: 0, by: -16) {
            groups.append(String((ip.high >> UInt64(shift)) & 0xffff, radix: 16))
        }
        for shift in stride(from: 48, through: 0, by: -16) {
            groups.append(String((ip.low >> UInt64(shift)) & 0xffff, radix: 16))
        }
        return groups.joined(separator: ":").uppercased()
    }

    // MARK: categories

    /// H1/H2: spammers sending to made-up addresses, sometimes also to real users and roles.
    mutating func ordinarySpammers(v4: Int, v6: Int) {
        for n in 0..<(v4 + v6) {
            let isV6 = n >= v4
            let ip = isV6 ? publicV6() : publicV4()
            let text = isV6 && n % 10 == 3 ? Self.uncanonical(ip) : ip.description
            newHost(ip, isV6 ? "IPv6 spammer" : "spammer", export: true, text: text)
            let helo = spamHelo(ip)
            let sender = spamSender()
            for _ in 0..<(1 + below(4)) {
                grey(ip, helo: helo, from: sender, to: trapRecipient(), at: fresh())
            }
            if below(10) < 3 { grey(ip, helo: helo, from: sender, to: validRecipient(), at: fresh()) }
            if below(10) < 2 { grey(ip, helo: helo, from: sender, to: roleAddress(), at: fresh()) }
            if below(10) < 2 { grey(ip, helo: helo, from: sender, to: catchAllAddress(), at: fresh()) }
            if below(10) < 2 { grey(ip, helo: helo, from: sender, to: foreignRecipient(), at: fresh()) }
            if n % 7 == 0 { trapped(ip, expire: liveExpiry()) }
        }
    }

    /// Unknown senders in our domains (bounce-to addresses) are traps (harvest_senders).
    mutating func forgedSenderSpammers(count: Int) {
        for n in 0..<count {
            let ip = newHost(publicV4(), "spammer with a forged sender in our domain", export: true)
            let forged = newTrap("unknown sender in our domain (harvest_senders)")
            forgedSenderTraps.append(forged)
            let helo = spamHelo(ip)
            grey(ip, helo: helo, from: spammerCase(forged), to: trapRecipient(), at: fresh())
            if n % 2 == 0 { grey(ip, helo: helo, from: spammerCase(forged), to: validRecipient(), at: fresh()) }
            if n % 5 == 0 {
                grey(
                    ip, helo: helo, from: "<\(validUsers[below(validUsers.count)].uppercased())>", to: trapRecipient(),
                    at: fresh())
            }
            if n % 6 == 0 { grey(ip, helo: helo, from: catchAllAddress(), to: trapRecipient(), at: fresh()) }
        }
        // hosts that only used a trap as the SENDER, mailing real users: not a trap hit
        for _ in 0..<10 {
            let ip = newHost(publicV4(), "used a trap only as sender (never sent TO a trap)", export: false)
            grey(ip, helo: spamHelo(ip), from: spammerCase(pick(forgedSenderTraps)), to: validRecipient(), at: fresh())
        }
    }

    /// One /24 in which all 256 addresses earned their place: published as a single line.
    mutating func fullBlockOfTrappers() {
        let prefix = reservedBlocks.sorted()[0]
        fullBlock = CIDR(address: IPAddress(v4: prefix << 8), prefix: 24)
        let sender = spamSender()
        for last in 0..<256 {
            let ip = newHost(IPAddress(v4: prefix << 8 | UInt32(last)), "member of the full /24", export: true)
            if last % 5 == 4 {
                trapped(ip, expire: liveExpiry())  // trapped elsewhere; no tuple of its own
            } else {
                grey(ip, helo: "[\(ip)]", from: sender, to: trapRecipient(), at: fresh())
            }
        }
    }

    /// A /24 where .77 is a Postfix verifier and .200 only mailed a real user.
    mutating func holedBlockOfTrappers() {
        let prefix = reservedBlocks.sorted()[1]
        holedBlock = CIDR(address: IPAddress(v4: prefix << 8), prefix: 24)
        for last in 0..<256 {
            let ip = IPAddress(v4: prefix << 8 | UInt32(last))
            switch last {
            case 77:
                newHost(ip, "Postfix verifier inside a spamming /24", export: false)
                let target = forgedSenderTraps[below(forgedSenderTraps.count)]
                grey(
                    ip, helo: "mx.verifying-isp.net", from: "<double-bounce@mx.verifying-isp.net>",
                    to: spammerCase(target), at: fresh())
                trapped(ip, expire: liveExpiry())
            case 200:
                newHost(ip, "innocent host inside a spamming /24", export: false)
                grey(
                    ip, helo: "mail.honest.example", from: "<newsletter@honest.example>", to: validRecipient(),
                    at: fresh())
            default:
                newHost(ip, "member of the /24 with holes", export: true)
                grey(ip, helo: spamHelo(ip), from: spamSender(), to: trapRecipient(), at: fresh())
            }
        }
    }

    /// Runs of neighbours: an aligned 8 (a /29), an unaligned 5, an aligned 16 with one stale host.
    mutating func runsOfTrappers() {
        let base = reservedBlocks.sorted()[2] << 8
        let members: [(UInt32, Bool)] =
            (8..<16).map { ($0, true) } + (33..<38).map { ($0, true) }
            + (128..<144).map { ($0, $0 != 135) }
        for (last, fresh) in members {
            let ip = IPAddress(v4: base | last)
            if fresh {
                newHost(ip, "member of a run", export: true)
                grey(ip, helo: spamHelo(ip), from: spamSender(), to: trapRecipient(), at: self.fresh())
            } else {
                newHost(ip, "stale member of a run (last trap hit > 24 h ago)", export: false)
                grey(ip, helo: spamHelo(ip), from: spamSender(), to: trapRecipient(), at: stale())
            }
        }
    }

    mutating func staleAndTrappedHosts() {
        for _ in 0..<20 {
            let ip = newHost(publicV4(), "stale: trap hits only > 24 h ago", export: false)
            grey(ip, helo: spamHelo(ip), from: spamSender(), to: trapRecipient(), at: stale())
        }
        for _ in 0..<10 {
            let ip = newHost(publicV4(), "stale hit and an expired TRAPPED line", export: false)
            grey(ip, helo: spamHelo(ip), from: spamSender(), to: trapRecipient(), at: stale())
            trapped(ip, expire: expiredExpiry())
        }
        for _ in 0..<10 {
            let ip = newHost(publicV4(), "fresh hit and an expired TRAPPED line", export: true)
            grey(ip, helo: spamHelo(ip), from: spamSender(), to: trapRecipient(), at: fresh())
            trapped(ip, expire: expiredExpiry())
        }
        for _ in 0..<15 {
            let ip = newHost(publicV4(), "live TRAPPED line only", export: true)
            trapped(ip, expire: liveExpiry())
        }
        for _ in 0..<5 {
            let ip = newHost(publicV4(), "live TRAPPED line, mailed only real users", export: true)
            grey(ip, helo: spamHelo(ip), from: spamSender(), to: validRecipient(), at: fresh())
            trapped(ip, expire: liveExpiry())
        }
        for _ in 0..<5 {
            let ip = newHost(publicV4(), "expired TRAPPED line only", export: false)
            trapped(ip, expire: expiredExpiry())
        }
    }

    /// Blacklisted hosts: only the log shows their later attempts.
    mutating func logOnlySpammers(count: Int) {
        for n in 0..<count {
            let ip = newHost(publicV4(), "spammer seen only in the spamd log (BLACK)", export: true)
            let sender = spamSender()
            for _ in 0..<(1 + below(3)) {
                let to = n % 3 == 0 ? trapRecipient() : spammerCase(newTrap("unknown recipient, only in the spamd log"))
                logBlack(ip, from: sender, to: to, at: freshLog())
            }
            if n % 2 == 0 { trapped(ip, expire: liveExpiry()) }
        }
        for _ in 0..<10 {
            let ip = newHost(publicV4(), "spammer seen in the spamd log (GREY + new entry)", export: true)
            logGrey(
                ip, helo: spamHelo(ip), from: spamSender(),
                to: spammerCase(newTrap("unknown recipient, spamd log GREY line")), at: freshLog())
        }
    }

    /// Postfix reject_unverified_sender probing forged senders that are traps: the address is a
    /// trap, the verifier is not exported (also when spamd TRAPPED it).
    mutating func postfixVerifiers(count: Int) {
        for n in 0..<count {
            let ip = newHost(publicV4(), "Postfix address verifier (double-bounce sender)", export: false)
            let org = "\(pronounceable())-isp.\(pick(["net", "de", "no", "fr"]))"
            let stamp = n % 3 == 0 ? String((0..<5).map { _ in pick(Array("0123456789abcdefghijklmnopqrstu")) }) : ""
            let sender =
                n % 4 == 1 ? "<Double-Bounce\(stamp)@MX.\(org.uppercased())>" : "<double-bounce\(stamp)@mx.\(org)>"
            for _ in 0..<(1 + below(3)) {
                grey(ip, helo: "mx.\(org)", from: sender, to: spammerCase(pick(forgedSenderTraps)), at: fresh())
            }
            if n % 3 == 0 { grey(ip, helo: "mx.\(org)", from: sender, to: validRecipient(), at: fresh()) }
            if n % 2 == 0 { trapped(ip, expire: liveExpiry()) }
        }
    }

    mutating func backscatterAndPostmasterHosts() {
        for n in 0..<10 {
            let ip = newHost(publicV4(), "backscatter / <> sender to traps only", export: false)
            let helo = "mail\(n).\(pronounceable())-hosting.com"
            grey(ip, helo: helo, from: "<>", to: trapRecipient("unknown recipient (bounce)"), at: fresh())
            if n % 2 == 0 { grey(ip, helo: helo, from: "<newsletter-\(n)@\(helo)>", to: validRecipient(), at: fresh()) }
            if n % 3 == 0 { trapped(ip, expire: liveExpiry()) }
        }
        for n in 0..<5 {
            let ip = newHost(publicV4(), "verifier with postmaster@ sender", export: false)
            let org = "\(pronounceable()).\(pick(["com", "org", "se"]))"
            let sender = n % 2 == 0 ? "<postmaster@\(org)>" : "<Postmaster@\(org.uppercased())>"
            grey(ip, helo: "smtp.\(org)", from: sender, to: spammerCase(pick(forgedSenderTraps)), at: fresh())
        }
        for _ in 0..<10 {
            let ip = newHost(publicV4(), "spammer using <> for some trap hits, a real sender for others", export: true)
            let helo = spamHelo(ip)
            grey(ip, helo: helo, from: "<>", to: trapRecipient(), at: fresh())
            grey(ip, helo: helo, from: spamSender(), to: trapRecipient(), at: fresh())
        }
    }

    /// Exim `verify = sender/callout=random`: `HOST-EPOCH-testing@` within the window.
    mutating func eximProbers(count: Int) {
        for n in 0..<count {
            let ip = newHost(publicV4(), "Exim callout prober", export: false)
            let cluster = "\(pronounceable()).\(pick(["com", "net", "io"]))"
            let helo = "mx\(below(30))-\(below(20)).smtp.\(cluster)"
            let sender: String
            switch n % 5 {
            case 3: sender = "<postmaster@\(cluster)>"  // use_postmaster
            case 4: sender = "<alerts@\(cluster)>"  // use_sender: not verifier-shaped, but a probe is a probe
            default: sender = "<>"
            }
            for k in 0..<(1 + below(2)) {
                let t = fresh()
                let offset: Int64 =
                    k == 1 && n % 3 == 0 ? (n % 2 == 0 ? 2 * 86400 : -3 * 86400) : -Int64(5 + below(300))
                let local = "mx\(below(99)).\(cluster)-\(t + offset)-testing"
                let domain = pick(S.ourDomains)
                label("\(local)@\(domain)", .probe, "Exim callout probe, epoch within ±7 days")
                let shown = n % 4 == 2 ? "\(local)@\(domain.uppercased())" : "\(local)@\(domain)"
                if n == 0 && k == 0 {
                    logGrey(ip, helo: helo, from: sender, to: "<\(shown)>", at: t)  // as in the seed: only in the log
                } else {
                    grey(ip, helo: helo, from: sender, to: "<\(shown)>", at: t)
                }
            }
            if sender != "<alerts@\(cluster)>" && n % 2 == 0 {
                // the callout to the (forged) sender itself, which is a trap
                grey(ip, helo: helo, from: sender, to: spammerCase(pick(forgedSenderTraps)), at: fresh())
            }
            if n % 4 == 1 { trapped(ip, expire: liveExpiry()) }
        }
    }

    /// Exim-shaped local parts whose epoch is years off the tuple: ordinary addresses, so traps.
    mutating func staleEximProbeAddresses() {
        let shapes: [(String, String)] = [
            ("mail.matrix.farlep.net-1184227303-testing", "datadok.no"),  // the 2007 harvest
            ("mx3.old-verifier.com-999999999-testing", "bsdly.com"),  // 2001, 9 digits
            ("mx9.future.example-32503680000-testing", "bsdly.net"),  // year 3000, 11 digits
            ("relay.example.org-1400000000-testing", "bsdly.com"),  // 2014
            ("smtp2.example.net-1650000000-testing", "bsdly.net"),  // 2022
        ]
        for (n, (local, domain)) in shapes.enumerated() {
            let address = trap(
                local: local, domain: domain, "Exim-shaped, epoch years off: an ordinary unknown address")
            if n < 2 {
                let ip = newHost(publicV4(), "<> sender to a stale Exim-shaped trap only", export: false)
                grey(ip, helo: "mx.\(pronounceable()).com", from: "<>", to: "<\(address)>", at: fresh())
            } else {
                let ip = newHost(publicV4(), "spammer mailing a harvested stale probe address", export: true)
                grey(ip, helo: spamHelo(ip), from: spamSender(), to: spammerCase(address), at: fresh())
            }
        }
    }

    /// AfterShip and Reacher catch-all checks: never traps, their hosts never exported.
    mutating func verificationServices() {
        for _ in 0..<5 {
            let ip = newHost(publicV4(), "AfterShip email-verifier", export: false)
            for _ in 0..<(1 + below(3)) {
                let address = "\(randomAlnum(32, lowerOnly: true))@\(pick(S.ourDomains))"
                label(address, .probe, "AfterShip probe ([a-z0-9]{32}, <user@example.org>, helo localhost)")
                grey(ip, helo: "localhost", from: "<user@example.org>", to: "<\(address)>", at: fresh())
            }
            if below(2) == 0 {
                grey(ip, helo: "localhost", from: "<user@example.org>", to: validRecipient(), at: fresh())
            }
        }
        for _ in 0..<5 {
            let ip = newHost(publicV6(), "Reacher check-if-email-exists", export: false)
            for _ in 0..<(1 + below(3)) {
                let local = randomAlnum(15, lowerOnly: false)
                let domain = pick(S.ourDomains)
                label(
                    "\(local)@\(domain)".lowercased(), .probe,
                    "Reacher probe ([A-Za-z0-9]{15}, <reacher@gmail.com>, helo gmail.com)")
                grey(ip, helo: "gmail.com", from: "<reacher@gmail.com>", to: "<\(local)@\(domain)>", at: fresh())
            }
        }
    }

    /// The same random-looking local parts from spammers: shape alone is not enough, so traps.
    mutating func randomLookingSpam() {
        let cases: [(count: Int, length: Int, lower: Bool, sender: String?, helo: String?, why: String)] = [
            (10, 32, true, nil, nil, "AfterShip-shaped local part from a spammer"),
            (10, 15, false, nil, nil, "Reacher-shaped local part from a spammer"),
            (3, 32, true, "<user@example.org>", nil, "AfterShip shape and sender, wrong helo"),
            (3, 32, true, nil, "localhost", "AfterShip shape and helo, wrong sender"),
            (3, 15, false, nil, "gmail.com", "Reacher shape and helo, wrong sender"),
            (2, 15, false, "<reacher@gmail.com>", "localhost", "Reacher shape and sender, wrong helo"),
        ]
        for c in cases {
            for _ in 0..<c.count {
                let ip = newHost(publicV4(), "spammer: \(c.why)", export: true)
                let local = randomAlnum(c.length, lowerOnly: c.lower)
                let domain = pick(S.ourDomains)
                label("\(local)@\(domain)".lowercased(), .trap, c.why)
                grey(
                    ip, helo: c.helo ?? spamHelo(ip), from: c.sender ?? spamSender(), to: "<\(local)@\(domain)>",
                    at: fresh())
            }
        }
    }

    /// Private, shared and documentation ranges: never exported, whatever they did.
    mutating func neverBlockHosts() {
        let texts = [
            "10.20.30.40", "10.1.2.3", "172.16.5.4", "172.31.255.1", "192.168.1.10", "100.64.3.2", "127.0.0.2",
            "169.254.10.20", "192.0.2.44", "198.51.100.7", "203.0.113.9", "198.18.0.5", "192.0.0.8",
            "2001:db8::25", "2001:db8:1:2::99", "fd12:3456:789a::1", "fe80::1:2",
        ]
        for (n, text) in texts.enumerated() {
            let ip = newHost(IPAddress(text)!, "built-in never-block range", export: false)
            grey(ip, helo: spamHelo(ip), from: spamSender(), to: trapRecipient(), at: fresh())
            if n % 3 == 0 { trapped(ip, expire: liveExpiry()) }
        }
    }

    mutating func spamtrapLines() {
        let literal = [
            "jaclyn.perkinson@bsdly.net", "<b>bold</b>@bsdly.com", "!!!!!!!!the!rest!is!trash!@bsdly.net",
            "<script>alert(1)</script>@bsdly.com", "#hash.tag@datadok.no", "x&amp;y@bsdly.net",
        ]
        for address in literal {
            label(address, .trap, "SPAMTRAP line of the firewall")
            traps.append(address)
            spamtrap(address)
        }
        for _ in 0..<12 { spamtrap(newTrap("SPAMTRAP line of the firewall")) }
        for _ in 0..<5 { spamtrap(traps[below(traps.count)]) }  // also hit by spammers
        for _ in 0..<3 { spamtrap(validUsers[below(validUsers.count)]) }  // rule 1 wins
        for role in ["postmaster", "abuse", "mailer-daemon"] {
            let address = "\(role)@\(pick(S.ourDomains))"
            label(address, .protected, "RFC 2142 role / special mailbox")
            spamtrap(address)  // rule 2 wins
        }
        let catchAll = "\(pronounceable())@\(S.catchAllDomain)"
        label(catchAll, .valid, "catch-all domain")
        spamtrap(catchAll)
        for address in ["someone@notbsdly.com", "spam@mail.bsdly.com", "bogus.user@example.org"] {
            label(address, .notOurs, "SPAMTRAP line outside our domains")
            spamtrap(address)
        }
        // HTML-looking recipients in GREY lines: one pair of brackets is stripped, no more
        for html in ["<i>italic</i>", "<b>x</b>"] {
            let ip = newHost(publicV4(), "spammer mailing an HTML-looking address", export: true)
            let address = trap(local: html, domain: pick(S.ourDomains), "unknown recipient that looks like HTML")
            grey(ip, helo: spamHelo(ip), from: spamSender(), to: "<\(address)>", at: fresh())
        }
    }

    /// Old helo-less dump lines, and helos with 8-bit bytes (invalid UTF-8).
    mutating func oldFormatAndEightBit() {
        for _ in 0..<10 {
            let ip = newHost(publicV4(), "spammer in old-format (helo-less) lines", export: true)
            grey(
                ip, helo: nil, from: spamSender(), to: trapRecipient("unknown recipient (old-format line)"), at: fresh()
            )
        }
        for _ in 0..<5 {
            let ip = newHost(publicV4(), "spammer with an 8-bit helo", export: true)
            let to = trapRecipient("unknown recipient (8-bit helo)")
            let from = spamSender()
            var line = Array("GREY|\(ip)|mail.".utf8) + [0xff, 0xfe, 0xc3, 0x28, 0xe9] + Array("-isp.ru".utf8)
            line += Array("|\(from)|\(to)|".utf8)
            let t = fresh()
            line += Array("\(t)|\(t + 1500)|\(t + 14400)|1|0".utf8)
            record(ip, from: from, to: to, at: t)
            dumpLines.append(line)
            count("GREY (8-bit helo)")
        }
    }

    /// Hosts that never mailed a trap: not exported.
    mutating func innocentHosts() {
        for n in 0..<15 {
            let ip = newHost(
                publicV4(), "mailed only real users, roles, catch-all and foreign addresses", export: false)
            let helo = "mail\(n).\(pronounceable()).org"
            let sender = "<news-\(below(1000))@\(pronounceable()).org>"
            grey(ip, helo: helo, from: sender, to: validRecipient(), at: fresh())
            grey(ip, helo: helo, from: sender, to: roleAddress(), at: fresh())
            if n % 2 == 0 { grey(ip, helo: helo, from: sender, to: catchAllAddress(), at: fresh()) }
            if n % 3 == 0 { grey(ip, helo: helo, from: sender, to: foreignRecipient(), at: fresh()) }
            white(ip)
        }
        for _ in 0..<5 {
            let ip = newHost(publicV4(), "relay attempt to look-alike domains only", export: false)
            grey(ip, helo: spamHelo(ip), from: spamSender(), to: lookAlikeAddress(), at: fresh())
        }
    }

    /// A real user's local part with two neighbouring characters swapped (a typo at distance 1),
    /// not used by anything else in the scenario.
    mutating func typo() -> String {
        while true {
            let (local, domain) = split(pick(validUsers))
            let chars = Array(local)
            guard chars.count >= 6 else { continue }
            let k = 1 + below(chars.count - 2)
            guard chars[k] != chars[k + 1], chars[k] != ".", chars[k + 1] != "." else { continue }
            var swapped = chars
            swapped.swapAt(k, k + 1)
            let address = "\(String(swapped))@\(domain)"
            if labels[address] == nil && !usedLocalParts.contains(String(swapped)) {
                usedLocalParts.insert(String(swapped))
                return address
            }
        }
    }

    /// Rule 3b, near-misses: correspondents' typos of real addresses, each from one network, are
    /// held (not traps; their senders are not exported); typos that spammers mail from four
    /// networks are traps from the first mail of the third network on, and only the hosts that
    /// mailed from then on are exported.
    mutating func nearMissTypos() {
        for n in 0..<15 {
            let address = typo()
            label(address, .heldNearMiss, "near-miss of a valid address mailed from one network")
            let ip = newHost(publicV4(), "correspondent who mistyped a real address", export: false)
            let helo = "mail\(n).\(pronounceable()).org"
            let sender = "<\(pronounceable())@\(pronounceable()).org>"
            for _ in 0..<(1 + below(2)) { grey(ip, helo: helo, from: sender, to: "<\(address)>", at: fresh()) }
            if n % 3 == 0 { grey(ip, helo: helo, from: sender, to: validRecipient(), at: fresh()) }
        }
        for _ in 0..<5 {
            let address = typo()
            label(address, .trap, "near-miss promoted: mailed from three networks")
            // Four networks; their first mails an hour apart, all fresh.
            var networks: Set<UInt32> = []
            var ips: [IPAddress] = []
            while ips.count < 4 {
                let ip = publicV4()
                guard networks.insert(UInt32(truncatingIfNeeded: ip.low) >> 8).inserted else { continue }
                ips.append(ip)
            }
            let start = S.now - Int64(6 * 3600 + below(10 * 3600))
            for (k, ip) in ips.enumerated() {
                let promoted = k >= 2  // the third network's first mail is the promotion
                newHost(
                    ip, promoted ? "spammer mailing a promoted near-miss" : "mailed a near-miss before its promotion",
                    export: promoted)
                let t = start + Int64(k) * 3600
                grey(ip, helo: spamHelo(ip), from: spamSender(), to: spammerCase(address), at: t)
                if !promoted {
                    // Before the promotion the address was held: not a trap hit.
                    let h = hostIndex[ip]!
                    hosts[h].events[hosts[h].events.count - 1].recipientVerdict = .heldNearMiss
                }
            }
        }
    }

    /// Lines a parser must survive without crashing or trapping anything.
    mutating func garbage() {
        let t = S.now - 3600
        let ours = [
            "garbage.gray@bsdly.com", "garbage.short@bsdly.net", "garbage.eight@bsdly.com", "garbage.tag@datadok.no",
        ]
        for address in ours { label(address, .ignored, "only in a malformed dump line") }
        let trappedGarbageHost = newHost(publicV4(), "only a malformed TRAPPED line", export: false)
        var lines: [[UInt8]] = [
            Array(
                "GRAY|45.95.147.12|ylmf-pc|<kd@xmail.ru>|<garbage.gray@bsdly.com>|\(t)|\(t + 1500)|\(t + 14400)|1|0"
                    .utf8),
            Array("GREY|45.95.147.13|ylmf-pc|<kd@xmail.ru>|<garbage.short@bsdly.net>|\(t)".utf8),
            Array(
                "GREY|45.95.147.14|ylmf-pc|<kd@xmail.ru>|<garbage.eight@bsdly.com>|\(t)|\(t + 1500)|\(t + 14400)".utf8),
            Array("SPAMTRAP".utf8),
            Array("GREY|45.95.147.15".utf8),
            Array(
                "grey|45.95.147.16|ylmf-pc|<kd@xmail.ru>|<garbage.tag@datadok.no>|\(t)|\(t + 1500)|\(t + 14400)|1|0"
                    .utf8),
            Array("GREY|300.1.2.999|ylmf-pc|<kd@xmail.ru>|<someone@gmail.com>|\(t)|\(t + 1500)|\(t + 14400)|1|0".utf8),
            Array("GREY|77.247.181.1|evil|helo|<a@b.example>|<c@d.example>|\(t)|\(t + 1500)|\(t + 14400)|1|0".utf8),
            Array("GREY|77.247.181.2|helo|<a@b.example>|<c@d.example>|soon|later|never|1|0".utf8),
            Array("TRAPPED|not-an-ip|\(S.now + 3600)".utf8),
            Array("TRAPPED|\(trappedGarbageHost)|tomorrow".utf8),
            Array("WHITE|213.187.179.198|||soon|later|never|2|14".utf8),
            Array("SPAMTRAP|".utf8),
            Array("SPAMTRAP|no-at-sign".utf8),
            [],
            Array("   ".utf8),
            [0x47, 0x52, 0x45, 0x59, 0x7c, 0xff, 0xfe, 0x00, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x7c, 0x7c],
            Array(
                "GREY|94.102.49.1|\(String(repeating: "x", count: 3000))|<a@b.example>|<c@d.example>|\(t)|\(t + 1500)|\(t + 14400)|1|0"
                    .utf8),
        ]
        lines += (0..<3).map { _ in (0..<40).map { _ in UInt8(1 + below(254)) }.map { $0 == 10 || $0 == 13 ? 32 : $0 } }
        garbageLines = lines
        count("garbage", by: lines.count)
    }

    mutating func logNoise() {
        var noise: [String] = []
        for host in hosts.prefix(40) {
            noise.append("spamd[26915]: \(host.ip): connected (\(below(30))/\(below(30)))")
            noise.append("spamd[26915]: \(host.ip): disconnected after \(below(400)) seconds.")
        }
        noise += [
            "spamd[26915]: listening for incoming connections.",
            "spamd[15291]: Too many connections from 91.200.12.74",
            "spamd[26915]: (BLACK) garbled line without an address",
            "spamd[26915]: 91.200.12.74: To: <header.only@bsdly.com>",
            "spamd[26915]: 91.200.12.74: From: \"Prize\" <winner@bsdly.net>",
            "postfix/smtpd[4242]: NOQUEUE: reject: RCPT from unknown[45.1.2.3]: 550 5.1.1 <postfix.only@bsdly.com>: Recipient address rejected; from=<a@b.example> to=<postfix.only@bsdly.com>",
            "sshd[777]: Invalid user admin from 45.1.2.3 port 22",
        ]
        label("header.only@bsdly.com", .ignored, "only in a log header line, not an envelope")
        label("winner@bsdly.net", .ignored, "only in a log header line, not an envelope")
        label("postfix.only@bsdly.com", .ignored, "only in another daemon's log line")
        for line in noise { logEntries.append((freshLog(), line)) }
    }

    // MARK: writing lines

    mutating func grey(_ ip: IPAddress, helo: String?, from: String, to: String, at t: Int64) {
        let text = hosts[hostIndex[ip]!].text
        let middle = helo.map { "\(text)|\($0)|" } ?? "\(text)|"
        dumpLines.append(Array("GREY|\(middle)\(from)|\(to)|\(t)|\(t + 1500)|\(t + 14400)|\(1 + below(5))|0".utf8))
        count(helo == nil ? "GREY (old format)" : "GREY")
        record(ip, from: from, to: to, at: t)
    }

    mutating func trapped(_ ip: IPAddress, expire: Int64) {
        dumpLines.append(Array("TRAPPED|\(hosts[hostIndex[ip]!].text)|\(expire)".utf8))
        hosts[hostIndex[ip]!].trappedExpiries.append(expire)
        count("TRAPPED")
    }

    mutating func white(_ ip: IPAddress) {
        let first = S.now - Int64(86400 * (1 + below(30)))
        dumpLines.append(
            Array("WHITE|\(ip)|||\(first)|\(first + 1900)|\(first + 1900 + 36 * 86400)|2|\(1 + below(40))".utf8))
        count("WHITE")
    }

    mutating func spamtrap(_ address: String) {
        precondition(labels[address] != nil, "SPAMTRAP value \(address) has no label")
        usedAddresses.insert(address)
        dumpLines.append(Array("SPAMTRAP|\(address)".utf8))
        count("SPAMTRAP")
    }

    mutating func logBlack(_ ip: IPAddress, from: String, to: String, at t: Int64) {
        logEntries.append((t, "spamd[26915]: (BLACK) \(ip): \(from) -> \(to)"))
        record(ip, from: from, to: to, at: t)
    }

    mutating func logGrey(_ ip: IPAddress, helo: String, from: String, to: String, at t: Int64) {
        logEntries.append((t, "spamd[26915]: (GREY) \(ip): \(from) -> \(to)"))
        logEntries.append((t, "spamd[15291]: new entry \(ip) from \(from) to \(to), helo \(helo)"))
        record(ip, from: from, to: to, at: t)
    }

    /// Books one tuple: both addresses must carry a label when they are in our domains.
    mutating func record(_ ip: IPAddress, from: String, to: String, at t: Int64) {
        let recipient = normalise(to)
        let sender = normalise(from)
        for address in [recipient, sender] where !address.isEmpty && isOurs(address) {
            precondition(labels[address] != nil, "address \(address) written without a label")
        }
        let senderLocal = split(sender).0
        let verifierSender = sender.isEmpty || senderLocal == "postmaster" || senderLocal.hasPrefix("double-bounce")
        let verdict = labels[recipient]?.verdict ?? .notOurs
        usedAddresses.insert(recipient)
        usedAddresses.insert(sender)
        hosts[hostIndex[ip]!].events.append(
            HostEvent(time: t, recipient: recipient, recipientVerdict: verdict, verifierSender: verifierSender))
    }

    func dumpBytes() -> [UInt8] {
        var out: [UInt8] = []
        for line in dumpLines {
            out += line
            out.append(10)
        }
        return out
    }

    func logBytes() -> [UInt8] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var out = ""
        let ordered = logEntries.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        for (t, line) in ordered.map(\.element) {
            let c = calendar.dateComponents(
                [.month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(t)))
            let day = c.day! < 10 ? " \(c.day!)" : "\(c.day!)"
            let clock = [c.hour!, c.minute!, c.second!].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":")
            out += "\(months[c.month! - 1]) \(day) \(clock) delilah \(line)\n"
        }
        return Array(out.utf8)
    }

    // MARK: checks

    /// The shuffle and the double-entry checks; a failure here is a bug in the scenario itself.
    mutating func checkBooks() {
        // hash order, like spamdb; garbage somewhere after the first 100 lines
        for i in stride(from: dumpLines.count - 1, to: 0, by: -1) { dumpLines.swapAt(i, below(i + 1)) }
        for line in garbageLines { dumpLines.insert(line, at: 100 + below(dumpLines.count - 100)) }
        for (address, label) in labels where label.verdict == .trap || label.verdict == .probe {
            precondition(usedAddresses.contains(address), "\(address) labelled \(label.verdict) but never written")
        }
        for host in hosts {
            precondition(
                host.isExported == host.intendedExport,
                "host \(host.ip) (\(host.category)): rule says \(host.isExported), intent \(host.intendedExport)")
            precondition(
                host.isVerifier(freshOnly: true) == host.isVerifier(freshOnly: false),
                "host \(host.ip) (\(host.category)): verifier status depends on the time window")
        }
    }

    // MARK: little helpers

    mutating func label(_ address: String, _ verdict: AddressVerdict, _ why: String) {
        let address = address.lowercased()
        if let old = labels[address] {
            precondition(old.verdict == verdict, "\(address) labelled \(old.verdict) and \(verdict)")
            return
        }
        labels[address] = AddressLabel(verdict: verdict, why: why)
    }

    func normalise(_ raw: String) -> String {
        var s = Substring(raw)
        if s.hasPrefix("<") { s = s.dropFirst() }
        if s.hasSuffix(">") { s = s.dropLast() }
        return s.lowercased()
    }

    func isOurs(_ address: String) -> Bool {
        S.configuredDomains.contains(split(address).1)
    }

    func split(_ address: String) -> (String, String) {
        guard let at = address.lastIndex(of: "@") else { return (address, "") }
        return (String(address[..<at]), String(address[address.index(after: at)...]))
    }

    func capitalised(_ s: String) -> String {
        var out = ""
        var upper = true
        for ch in s {
            out += upper ? ch.uppercased() : String(ch)
            upper = ch == "." || ch == "-"
        }
        return out
    }

    mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }

    mutating func pronounceable() -> String {
        let consonants = Array("bcdfghjklmnprstvwz")
        let vowels = Array("aeiou")
        while true {
            var s = ""
            for _ in 0..<(3 + below(3)) {
                s.append(pick(consonants))
                s.append(pick(vowels))
                if below(4) == 0 { s.append(pick(vowels)) }
            }
            if !usedLocalParts.contains(s), !S.roles.contains(s) {
                usedLocalParts.insert(s)
                return s
            }
        }
    }

    mutating func randomAlnum(_ length: Int, lowerOnly: Bool) -> String {
        let alphabet = Array(
            lowerOnly
                ? "abcdefghijklmnopqrstuvwxyz0123456789"
                : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        while true {
            let s = String((0..<length).map { _ in pick(alphabet) })
            if !usedLocalParts.contains(s.lowercased()) {
                usedLocalParts.insert(s.lowercased())
                return s
            }
        }
    }

    mutating func spamHelo(_ ip: IPAddress) -> String {
        switch below(6) {
        case 0: return ip.isIPv4 ? "[\(ip)]" : "[IPv6:\(ip)]"
        case 1: return "WIN-" + String((0..<11).map { _ in pick(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")) })
        case 2: return pick(["ylmf-pc", "User", "PC", "unknown", "ADMIN"])
        default:
            return
                "\(pick(["bodkin", "relay", "mx", "static", "dyn"]))\(below(99)).\(pronounceable())-isp.\(pick(["ru", "cn", "br", "vn", "in"]))"
        }
    }

    mutating func spamSender() -> String {
        let names = ["mzyxpv", "ouc", "kd", "Anna.Petrova", "Mike.Lee", "Sales.Dept", "info", "noreply", "Julia"]
        let domains = ["163.com", "wanadoo.fr", "xmail.ru", "Cheap-Deals.top", "pharma.CN", "gmail.com", "Promo.biz"]
        let local = "\(pick(names))\(below(3) == 0 ? String(below(1000)) : "")"
        return "<\(below(3) == 0 ? local.uppercased() : local)@\(pick(domains))>"
    }

    /// 10 min – 20 h before now: within host_ttl_hours.
    mutating func fresh() -> Int64 { S.now - Int64(600 + below(20 * 3600 - 600)) }
    /// 1 h – 20 h before now, for log lines (whole seconds, UTC).
    mutating func freshLog() -> Int64 { S.now - Int64(3600 + below(19 * 3600)) }
    /// 50 h – 20 days before now: well outside host_ttl_hours.
    mutating func stale() -> Int64 { S.now - Int64(50 * 3600 + below(18 * 86400)) }
    mutating func liveExpiry() -> Int64 { S.now + Int64(3600 + below(22 * 3600)) }
    mutating func expiredExpiry() -> Int64 { S.now - Int64(3600 + below(5 * 86400)) }

    mutating func count(_ kind: String, by n: Int = 1) { lineCounts[kind, default: 0] += n }
}
