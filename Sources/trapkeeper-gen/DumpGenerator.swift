/// Writes a realistic `spamdb` dump (shared/spec/formats.md §1), line by line.
///
/// The mix follows what a busy spamd firewall holds: about 80 % GREY tuples, WHITE entries of
/// the hosts that passed, TRAPPED hosts (most live, a few expired), SPAMTRAP lines, a few
/// old-format (helo-less) GREY lines and a few garbage lines. GREY recipients repeat: they come
/// from a power-law pick over a pool of made-up addresses (`TrapPool`), the real users, the role
/// names, foreign domains and callback probes; hosts repeat too (botnet /24 clusters, IPv6 for
/// about 8 %).
struct DumpGenerator {
    struct Options {
        var lines: Int
        var seed: UInt64
        var now: Int64
        var domains: [String]
        var validCount: Int
        var trapPoolSize: Int
        var distinctRecipients: Int?
        var hostPoolSize: Int
    }

    /// Shares of line kinds; GREY takes the rest (≈ 80 %).
    static let garbageShare = 0.0005
    static let oldFormatShare = 0.003
    static let spamtrapShare = 0.012
    static let trappedShare = 0.045
    static let whiteShare = 0.1395

    /// spamd's own timers: GREYEXP 4 h, PASSTIME 25 min, WHITEEXP 36 days, TRAPEXP 24 h.
    static let greyExpiry: Int64 = 4 * 3600
    static let passTime: Int64 = 25 * 60
    static let whiteExpiry: Int64 = 36 * 86400
    static let trapExpiry: Int64 = 24 * 3600

    static let legitHostBase: UInt64 = 1 << 40
    static let verifierHostBase: UInt64 = 1 << 41

    private(set) var counts: [String: Int] = [:]
    private(set) var distinctTrapsWritten = 0

    private let options: Options
    private var rng: SplitMix64
    private let domains: [[UInt8]]
    private let users: ValidUsers
    private let traps: TrapPool
    private var sequentialTraps = 0
    private var scratch: [UInt8] = []

    init(options: Options) {
        self.options = options
        rng = SplitMix64(seed: options.seed)
        domains = options.domains.map { Array($0.lowercased().utf8) }
        users = ValidUsers(domains: options.domains, count: options.validCount)
        traps = TrapPool(size: options.distinctRecipients ?? options.trapPoolSize, seed: options.seed)
    }

    mutating func run(to w: ByteWriter) throws {
        var kinds = (garbage: 0, old: 0, spamtrap: 0, trapped: 0, white: 0, grey: 0)
        let garbageEdge = DumpGenerator.garbageShare
        let oldEdge = garbageEdge + DumpGenerator.oldFormatShare
        let spamtrapEdge = oldEdge + DumpGenerator.spamtrapShare
        let trappedEdge = spamtrapEdge + DumpGenerator.trappedShare
        let whiteEdge = trappedEdge + DumpGenerator.whiteShare
        for _ in 0..<options.lines {
            let r = rng.unit()
            if r < garbageEdge {
                garbage(w)
                kinds.garbage += 1
            } else if r < oldEdge {
                grey(w, oldFormat: true)
                kinds.old += 1
            } else if r < spamtrapEdge {
                spamtrap(w)
                kinds.spamtrap += 1
            } else if r < trappedEdge {
                trapped(w)
                kinds.trapped += 1
            } else if r < whiteEdge {
                white(w)
                kinds.white += 1
            } else {
                grey(w, oldFormat: false)
                kinds.grey += 1
            }
            try w.newline()
        }
        counts = [
            "GREY": kinds.grey, "GREY (old format)": kinds.old, "WHITE": kinds.white,
            "TRAPPED": kinds.trapped, "SPAMTRAP": kinds.spamtrap, "garbage": kinds.garbage,
        ]
        distinctTrapsWritten = sequentialTraps
    }

    // MARK: line kinds

    private mutating func grey(_ w: ByteWriter, oldFormat: Bool) {
        let first = options.now - Int64(rng.below(Int(DumpGenerator.greyExpiry)))
        let kind = rng.below(1000)
        w.bytes(Vocabulary.greyTag)
        if kind < 10 {
            probe(w, first: first, kind: kind, oldFormat: oldFormat)
        } else {
            let legit = kind >= 700 && kind < 900 && rng.chance(0.7)
            let host =
                legit
                ? DumpGenerator.legitHostBase + UInt64(rng.skewed(2000, exponent: 2))
                : UInt64(rng.skewed(options.hostPoolSize, exponent: 2))
            let ip = hostAddress(host)
            writeIP(w, ip)
            w.byte(124)
            if !oldFormat {
                helo(w, host: host, ip: ip)
                w.byte(124)
            }
            sender(w, legit: legit)
            w.byte(124)
            recipient(w, kind: kind)
        }
        w.byte(124)
        times(w, first: first, pass: first + DumpGenerator.passTime, expire: first + DumpGenerator.greyExpiry)
        w.byte(124)
        w.decimal(Int64(1 + rng.skewed(12)))
        w.byte(124)
        w.decimal(rng.chance(0.05) ? 1 : 0)
    }

    /// Callback probes (shared/spec/callbacks.md): Exim random callouts (0.6 %), AfterShip and
    /// Reacher catch-all checks (0.2 % each).
    private mutating func probe(_ w: ByteWriter, first: Int64, kind: Int, oldFormat: Bool) {
        let verifier = UInt64(rng.skewed(300, exponent: 2))
        let ip = hostAddress(DumpGenerator.verifierHostBase + verifier)
        writeIP(w, ip)
        w.byte(124)
        let domain = domains[rng.below(domains.count)]
        if kind < 6 {
            if !oldFormat {
                w.string("mx\(rng.below(40))-\(rng.below(20)).smtp.")
                w.bytes(Vocabulary.spamWords[Int(verifier) % Vocabulary.spamWords.count])
                w.string("-verify.com|")
            }
            w.bytes(Vocabulary.nullSender)
            w.string("|<mx\(rng.below(99)).")
            w.bytes(Vocabulary.spamWords[Int(verifier) % Vocabulary.spamWords.count])
            w.string("-verify.com-")
            w.decimal(first - 1 - Int64(rng.below(300)))
            w.bytes(Vocabulary.testing)
        } else {
            let reacher = kind >= 8
            if !oldFormat {
                w.bytes(reacher ? Vocabulary.reacherHelo : Vocabulary.afterShipHelo)
                w.byte(124)
            }
            w.bytes(reacher ? Vocabulary.reacherSender : Vocabulary.afterShipSender)
            w.string("|<")
            let alphabet = reacher ? Vocabulary.alnumMixed : Vocabulary.alnumLower
            for _ in 0..<(reacher ? 15 : 32) { w.byte(alphabet[rng.below(alphabet.count)]) }
            w.byte(64)
        }
        w.bytes(domain)
        w.byte(62)
    }

    private mutating func recipient(_ w: ByteWriter, kind: Int) {
        w.byte(60)
        switch kind {
        case ..<640:  // made-up and harvested addresses in our domains: the traps
            let i = nextTrapIndex()
            traps.localPart(i, into: &scratch)
            let caseMask = recipientCaseMask()
            w.bytes(scratch, caseMask: caseMask)
            w.byte(64)
            w.bytes(domains[traps.domainIndex(i, of: domains.count)], caseMask: caseMask == ~0 ? ~0 : 0)
        case ..<880:  // real users, some with a +tag, some in capitals
            let k = rng.skewed(users.count, exponent: 2)
            users.localPart(k, into: &scratch)
            let capitals = rng.chance(0.2)
            w.bytes(scratch, caseMask: capitals ? ValidUsers.capitalMask(scratch) : 0)
            if rng.chance(0.08) {
                w.byte(43)
                w.bytes(Vocabulary.spamWords[rng.below(Vocabulary.spamWords.count)])
            }
            w.byte(64)
            w.bytes(users.domain(k), caseMask: capitals && rng.chance(0.3) ? ~0 : 0)
        case ..<930:  // role mailboxes
            w.bytes(Vocabulary.roles[rng.below(Vocabulary.roles.count)], caseMask: rng.chance(0.1) ? 1 : 0)
            w.byte(64)
            w.bytes(domains[rng.below(domains.count)])
        default:  // not ours: relay attempts and look-alike domains
            let i = rng.skewed(4000, exponent: 2)
            w.bytes(Vocabulary.firstNames[i % Vocabulary.firstNames.count])
            w.decimal(Int64(i / Vocabulary.firstNames.count))
            if i % 10 == 0 {
                let d = domains[(i / 10) % domains.count]
                switch (i / 10) % 3 {
                case 0:
                    w.string("@not")
                    w.bytes(d)
                case 1:
                    w.string("@mail.")
                    w.bytes(d)
                default:
                    w.byte(64)
                    w.bytes(d)
                    w.string(".evil.ru")
                }
            } else {
                w.byte(64)
                w.bytes(Vocabulary.externalDomains[(i / 7) % Vocabulary.externalDomains.count])
            }
        }
        w.byte(62)
    }

    private mutating func sender(_ w: ByteWriter, legit: Bool) {
        let r = rng.below(100)
        if legit && r < 70 {
            w.byte(60)
            w.bytes(Vocabulary.listSenders[rng.below(Vocabulary.listSenders.count)])
            w.byte(45)
            w.decimal(Int64(rng.below(100_000)))
            w.byte(64)
            w.bytes(Vocabulary.legitDomains[rng.below(Vocabulary.legitDomains.count)])
            w.byte(62)
            return
        }
        switch r {
        case ..<22:
            w.bytes(Vocabulary.nullSender)
        case ..<32:  // a forged sender in our own domains (bounce-to address): harvested as a trap
            let i = rng.skewed(traps.size)
            traps.localPart(i, into: &scratch)
            w.byte(60)
            w.bytes(scratch, caseMask: recipientCaseMask())
            w.byte(64)
            w.bytes(domains[traps.domainIndex(i, of: domains.count)])
            w.byte(62)
        case ..<36:  // address verifiers: Postfix double-bounce (sometimes stamped), postmaster
            w.byte(60)
            if rng.chance(0.7) {
                w.bytes(Vocabulary.doubleBounce)
                if rng.chance(0.3) {
                    for _ in 0..<5 { w.byte(Vocabulary.base31[rng.below(31)]) }
                }
            } else {
                w.bytes(Vocabulary.postmaster)
            }
            w.string("@mx.")
            w.bytes(Vocabulary.legitDomains[rng.below(Vocabulary.legitDomains.count)])
            w.byte(62)
        case ..<40:  // a real user, forged
            let k = rng.below(users.count)
            users.localPart(k, into: &scratch)
            w.byte(60)
            w.bytes(scratch, caseMask: ValidUsers.capitalMask(scratch))
            w.byte(64)
            w.bytes(users.domain(k))
            w.byte(62)
        default:  // spam senders, often with capitals
            w.byte(60)
            let mask: UInt64 = rng.chance(0.3) ? rng.next() : 0
            let first = Vocabulary.firstNames[rng.below(Vocabulary.firstNames.count)]
            w.bytes(first, caseMask: mask)
            if rng.chance(0.5) {
                w.byte(46)
                w.bytes(Vocabulary.lastNames[rng.below(Vocabulary.lastNames.count)], caseMask: mask >> 8)
            }
            w.decimal(Int64(rng.below(1000)))
            w.byte(64)
            w.bytes(Vocabulary.spamWords[rng.below(Vocabulary.spamWords.count)], caseMask: mask >> 16)
            w.byte(46)
            w.bytes(Vocabulary.spamTLDs[rng.below(Vocabulary.spamTLDs.count)], caseMask: mask >> 24)
            w.byte(62)
        }
    }

    private mutating func white(_ w: ByteWriter) {
        w.bytes(Vocabulary.whiteTag)
        let legit = rng.chance(0.8)
        let host =
            legit
            ? DumpGenerator.legitHostBase + UInt64(rng.skewed(2000, exponent: 2))
            : UInt64(rng.skewed(options.hostPoolSize, exponent: 2))
        writeIP(w, hostAddress(host))
        w.string("|||")
        let first = options.now - Int64(rng.below(Int(DumpGenerator.whiteExpiry)))
        let pass = first + DumpGenerator.passTime + Int64(rng.below(3600))
        times(w, first: first, pass: pass, expire: pass + DumpGenerator.whiteExpiry)
        w.byte(124)
        w.decimal(Int64(1 + rng.below(5)))
        w.byte(124)
        w.decimal(Int64(1 + rng.skewed(300)))
    }

    private mutating func trapped(_ w: ByteWriter) {
        w.bytes(Vocabulary.trappedTag)
        writeIP(w, hostAddress(UInt64(rng.skewed(options.hostPoolSize, exponent: 2))))
        w.byte(124)
        let live = rng.chance(0.95)
        let offset = Int64(rng.below(Int(DumpGenerator.trapExpiry)))
        w.decimal(live ? options.now + 1 + offset : options.now - 1 - offset)
    }

    private mutating func spamtrap(_ w: ByteWriter) {
        w.bytes(Vocabulary.spamtrapTag)
        let i = rng.skewed(traps.size)
        traps.localPart(i, into: &scratch)
        for b in scratch { w.byte(b >= 65 && b <= 90 ? b + 32 : b) }  // SPAMTRAP values are lower-case
        w.byte(64)
        w.bytes(domains[traps.domainIndex(i, of: domains.count)])
    }

    private mutating func garbage(_ w: ByteWriter) {
        let pick = rng.below(Vocabulary.garbage.count + 1)
        if pick < Vocabulary.garbage.count {
            w.bytes(Vocabulary.garbage[pick])
        } else {  // a line cut short by a dropped connection
            w.bytes(Vocabulary.greyTag)
            writeIP(w, hostAddress(UInt64(rng.below(options.hostPoolSize))))
            w.string("|ylmf-pc|<")
        }
    }

    // MARK: pieces

    /// With `--distinct-recipients K` the first K trap picks walk the pool in order (so at least
    /// K distinct trap addresses appear); every other pick is power-law skewed.
    private mutating func nextTrapIndex() -> Int {
        if options.distinctRecipients != nil, sequentialTraps < traps.size {
            defer { sequentialTraps += 1 }
            return sequentialTraps
        }
        return rng.skewed(traps.size)
    }

    /// 75 % lower-case, 15 % capitalised, 10 % all capitals (then the domain too).
    private mutating func recipientCaseMask() -> UInt64 {
        let r = rng.below(100)
        return r < 75 ? 0 : r < 90 ? 1 : ~0
    }

    private func times(_ w: ByteWriter, first: Int64, pass: Int64, expire: Int64) {
        w.decimal(first)
        w.byte(124)
        w.decimal(pass)
        w.byte(124)
        w.decimal(expire)
    }

    /// A host's address: IPv4 in botnet-like clusters (32 hosts share a /24) or, for about 8 %
    /// of clusters, IPv6 in one /64.
    enum HostAddress {
        case v4(UInt32)
        case v6(UInt64, UInt64)
    }

    func hostAddress(_ host: UInt64) -> HostAddress {
        let cluster = SplitMix64.mix((host >> 5) ^ options.seed)
        let member = SplitMix64.mix(host ^ options.seed ^ 0x5eed)
        if cluster % 100 < 8 {
            let high = 0x2a00_0000_0000_0000 | ((cluster >> 8) & 0x00ff_ffff_ffff_0000)
            return .v6(high, member % 4 == 0 ? (member & 0xffff) : member >> 1)
        }
        let firstOctet = Vocabulary.publicFirstOctets[Int(cluster % UInt64(Vocabulary.publicFirstOctets.count))]
        let middle = UInt32(truncatingIfNeeded: cluster >> 16) & 0xffff
        return .v4(firstOctet << 24 | middle << 8 | UInt32(1 + member % 254))
    }

    private func writeIP(_ w: ByteWriter, _ ip: HostAddress) {
        switch ip {
        case .v4(let v): w.ipv4(v)
        case .v6(let high, let low):
            w.hex(high >> 48)
            w.byte(58)
            w.hex((high >> 32) & 0xffff)
            w.byte(58)
            w.hex((high >> 16) & 0xffff)
            w.byte(58)
            if low <= 0xffff {
                w.string(":")
                w.hex(low)
            } else {
                w.hex(high & 0xffff)
                for shift in stride(from: 48, through: 0, by: -16) {
                    w.byte(58)
                    w.hex((low >> UInt64(shift)) & 0xffff)
                }
            }
        }
    }

    private mutating func helo(_ w: ByteWriter, host: UInt64, ip: HostAddress) {
        let h = SplitMix64.mix(host ^ 0x6865_6c6f)
        if host >= DumpGenerator.legitHostBase {
            w.string("mail\(h % 9).")
            w.bytes(Vocabulary.legitDomains[Int((h >> 8) % UInt64(Vocabulary.legitDomains.count))])
            return
        }
        switch h % 10 {
        case 0, 1:
            w.byte(91)
            writeIP(w, ip)
            w.byte(93)
        case 2:
            w.bytes(Vocabulary.win)
            var r = SplitMix64(seed: h)
            for _ in 0..<11 { w.byte(Vocabulary.upperAlnum[r.below(Vocabulary.upperAlnum.count)]) }
        case 3:
            w.bytes(Vocabulary.botHelos[Int((h >> 8) % UInt64(Vocabulary.botHelos.count))])
        default:
            w.bytes(Vocabulary.ispWords[Int((h >> 8) % UInt64(Vocabulary.ispWords.count))])
            w.decimal(Int64((h >> 16) % 100))
            w.byte(46)
            w.bytes(Vocabulary.spamWords[Int((h >> 24) % UInt64(Vocabulary.spamWords.count))])
            w.string("-isp.")
            w.bytes(Vocabulary.spamTLDs[Int((h >> 32) % UInt64(Vocabulary.spamTLDs.count))])
        }
    }
}
