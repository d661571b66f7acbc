import Testing

@testable import TrapkeeperCore

/// The byte shortcut's verdict on `a` (nil: the full rules decide).
func quickClass(_ c: Classifier, _ a: String) -> QuickVerdict? {
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: a.utf8.count + 16, alignment: 8)
    defer { scratch.deallocate() }
    return Array(a.utf8).withUnsafeBytes { c.quickClass($0, scratch: scratch) }
}

/// The harvest's byte-level shortcut must never answer differently from the full rules: never
/// call an address unknown (a trap candidate) when they say valid, protected, malformed or
/// probe-shaped, never miss or invent a shape, never call listed what they do not list.
@Suite struct QuickClassifyTests {
    let c: Classifier = {
        var book = AddressBook(delimiters: "+-")
        for v in [
            "peter@bsdly.net", "peter@bsdly.com", "alice@bsdly.com", "bob.smith@bsdly.net", "*@catchall.example",
            "ecila@bsdly.com", "x9@bsdly.com", "anna@xn--bcher-kva.example", "p\u{E5}l@bsdly.net",
        ] {
            book.addValid(v)
        }
        return Classifier(
            domains: ["bsdly.com", "bsdly.net", "catchall.example", "b\u{FC}cher.example"], book: book,
            probeWindowDays: 7, harvestSenders: true)
    }()

    func quick(_ a: String) -> QuickVerdict? { quickClass(c, a) }

    @Test(arguments: [
        "retep1@bsdly.net", "ecila7@bsdly.com", "mx1.example.com-1503146097-testing@bsdly.com",
        "@bsdly.com", "x\u{1}y@bsdly.com", "bl\u{e5}b\u{e6}r@bsdly.com", "x@other.org",
        "x@mail.bsdly.com", "nodomain", "", "htims.bob4@bsdly.net", "a b@bsdly.com", " x@bsdly.com",
        "x\u{202E}y@bsdly.com", "x\u{85}y@bsdly.com", "x\u{200B}y@bsdly.com", "x\u{2028}y@bsdly.com",
        "x@b\u{FC}cher.example", "anna@b\u{FC}cher.example",
    ])
    func neverShortcutsWhatTheRulesSingleOut(_ a: String) {
        #expect(quick(a) == nil, "\(a) is \(c.classify(address: a))")
    }

    /// Valid list, catch-all, delimiters, protected names: listed, as the rules say.
    @Test(arguments: [
        "peter@bsdly.net", "peter+news@bsdly.net", "peter-x@bsdly.com", "anything@catchall.example",
        "postmaster@bsdly.com", "abuse+x@bsdly.net", "mailer-daemon@bsdly.com", "x9@bsdly.com",
    ])
    func answersListedAsTheRulesDo(_ a: String) {
        #expect(quick(a) == .listed)
        switch c.classify(address: a) {
        case .valid, .protected: break
        case let other: Issue.record("\(a) is \(other)")
        }
    }

    @Test(arguments: [
        ("abcdefghijklmnopqrstuvwxyz012345@bsdly.com", ProbeShape.aftership), ("abcdefghijk1234@bsdly.net", .reacher),
    ])
    func answersTheServiceShapes(_ a: String, _ shape: ProbeShape) {
        #expect(c.classify(address: a) == .unknown(probeShape: shape))
        #expect(quick(a) == .unknown(shape))
    }

    @Test(arguments: [
        "kovavo43@bsdly.net", "mike.hagen@bsdly.com", "x@bsdly.com", "random+tag@bsdly.net",
        "x@xn--bcher-kva.example",
    ])
    func shortcutsPlainUnknowns(_ a: String) {
        #expect(c.classify(address: a) == .unknown(probeShape: nil))
        #expect(quick(a) == .unknown(nil))
    }

    /// Random addresses over an alphabet rich in the bytes the rules look at: whenever the
    /// shortcut answers, the full rules give the same answer.
    @Test func agreesWithTheRulesOnRandomAddresses() {
        var rng = SeededRandom(seed: 20_171_129)
        let pieces =
            [
                "peter", "alice", "ecila", "retep", "bob.smith", "htims.bob", "x", "9", "1", "+", "-", "postmaster",
                "abuse", "-testing", "1503146097", "mx", ".", "a", "z", "0", "\u{7f}", "\u{e5}", " ", "\t",
                "anna", "p\u{E5}l",
            ] + Self.hidden
        let domains = [
            "bsdly.com", "bsdly.net", "catchall.example", "other.org", "BSDLY.com", "b\u{FC}cher.example",
            "xn--bcher-kva.example", "B\u{DC}cher.example", "bu\u{308}cher.example",
        ]
        var shortcuts = 0
        var listed = 0
        for _ in 0..<20_000 {
            var local = ""
            for _ in 0..<(1 + rng.below(4)) { local += pieces[rng.below(pieces.count)] }
            if rng.below(10) == 0 {
                let alphabet = rng.below(2) == 0 ? "abcdefghij0123456789" : "abcdefghij0123456789.-+"
                local = String((0..<(rng.below(2) == 0 ? 15 : 32)).map { _ in alphabet.randomElement(using: &rng)! })
            }
            let a = "\(local)@\(domains[rng.below(domains.count)])"
            let full = c.classify(address: a)
            switch quick(a) {
            case nil:
                break
            case .listed:
                shortcuts += 1
                switch full {
                case .valid, .protected: listed += 1
                default: Issue.record("\(a): shortcut says listed, the rules say \(full)")
                }
            case .unknown(let shape):
                shortcuts += 1
                #expect(full == .unknown(probeShape: shape), "\(a)")
            }
        }
        #expect(shortcuts > 1000)
        #expect(listed > 200)
    }

    /// Names the rules look up in `String`-keyed dictionaries (protected names and addresses),
    /// listed with a character whose canonical decomposition is ASCII (U+1FEF GREEK VARIA is
    /// `` ` ``, U+037E GREEK QUESTION MARK is `;`): the dictionary finds them by the ASCII
    /// spelling (Swift compares strings by canonical equivalence), so the shortcut must never
    /// call that spelling unknown.
    @Test(arguments: [
        "ab`cd@bsdly.com", "ab`cd+x@bsdly.net", "xy`z@bsdly.com", "xy`z+q@bsdly.com", "\"p;q\"@bsdly.net",
        "\"p;q\"+r@bsdly.net", "\"r;s\"@bsdly.com",
    ])
    func protectedNamesSpelledWithCharactersThatDecomposeToASCII(_ a: String) throws {
        let dir = TempDir("quick-classify")
        let valid = dir.write("valid.txt", "peter@bsdly.com\n")
        let protected = dir.write(
            "protected.txt", "ab\u{1FEF}cd\nxy\u{1FEF}z@bsdly.com\n\"p\u{37E}q\"\n\"r\u{37E}s\"@bsdly.com\n")
        let book = try AddressBook.load(
            validFile: valid, protectedFile: protected, domains: ["bsdly.com", "bsdly.net"], delimiters: "+")
        let c = Classifier(domains: ["bsdly.com", "bsdly.net"], book: book, probeWindowDays: 7, harvestSenders: true)
        guard case .protected = c.classify(address: a) else {
            Issue.record("\(a) is \(c.classify(address: a))")
            return
        }
        let quick = quickClass(c, a)
        #expect(quick == .listed || quick == nil, "\(a): \(String(describing: quick))")
    }

    /// The characters the rules single out beyond control bytes: C1 controls, bidi controls,
    /// zero-width and other invisible format characters, line/paragraph separators, spaces.
    static let hidden = [
        "\u{80}", "\u{85}", "\u{9F}", "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}",
        "\u{2067}", "\u{2068}", "\u{2069}", "\u{200E}", "\u{200F}", "\u{061C}", "\u{200B}", "\u{200C}",
        "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{2028}", "\u{2029}", "\u{A0}",
    ]

    /// The whole byte path — the harvest's domain test on bytes, its ASCII form of
    /// international domains, the shortcut and its fall-back to the rules — against the rules
    /// on the address as read: every record of random addresses lands where `classify` says
    /// (not ours, malformed, or an entry with the same class under the address's ASCII form),
    /// as a SPAMTRAP line, a recipient and a sender.
    @Test func harvestAgreesWithTheRulesOnRandomAddresses() {
        var rng = SeededRandom(seed: 20_260_301)
        let locals = ["peter", "anna", "p\u{E5}l", "x", "retep7", "postmaster", "bob+x", "abcdefghijk1234", "<b>x</b>"]
        let domains = [
            "bsdly.com", "bsdly.net", "b\u{FC}cher.example", "xn--bcher-kva.example", "B\u{DC}CHER.example",
            "bu\u{308}cher.example", "other.org", "xn--bcher-kva.example.org", "b\u{FC}cher.example.org",
            "catchall.example",
        ]
        let h = Harvest(classifier: c, now: 1_700_000_000)
        h.beginInput(source: "test", file: "dump")
        var expectedNotOurs = 0
        var expectedMalformed = 0
        var expected: [String: AddressClass] = [:]
        for i in 0..<3_000 {
            var local = locals[rng.below(locals.count)]
            if rng.below(3) == 0 {
                let piece = Self.hidden[rng.below(Self.hidden.count)]
                let cut = local.index(local.startIndex, offsetBy: rng.below(local.count + 1))
                local.insert(contentsOf: piece, at: cut)
            }
            let domain = domains[rng.below(domains.count)]
            let raw = "\(local)@\(domain)"
            let normalised = Classifier.normalize("<\(raw)>")
            let full = c.classify(address: normalised)
            let line: String
            switch i % 3 {
            case 0: line = "SPAMTRAP|\(normalised)"
            case 1: line = "GREY|192.0.2.1|h|<s@other.org>|<\(raw)>|1|2|3|4|5"
            default: line = "GREY|192.0.2.1|h|<\(raw)>|<s@other.org>|1|2|3|4|5"
            }
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { buf in
                guard case .record(let r) = SpamdbLineParser.parse(UnsafeRawBufferPointer(buf), lineNumber: i + 1)
                else {
                    Issue.record("\(line) did not parse")
                    return
                }
                h.add(r)
                h.drain()
            }
            switch full {
            case .notOurs:
                if i % 3 != 2 { expectedNotOurs += 1 }
            case .malformed:
                if i % 3 != 2 { expectedMalformed += 1 }
            default:
                // A sender is kept only when the rules do not make it a malformed address.
                expected[Classifier.canonicalAddress(normalised)] = full
            }
            if i % 3 == 2 { expectedNotOurs += 1 }  // its recipient s@other.org
        }
        #expect(h.counts.notOurs == expectedNotOurs)
        #expect(h.counts.malformed == expectedMalformed)
        var seen: [String: AddressClass] = [:]
        for info in h.addresses { seen[info.address] = info.addressClass }
        for (address, cls) in expected {
            #expect(seen[address] == cls, "\(address)")
        }
        #expect(expected.count > 20)
        #expect(expectedMalformed > 50)
    }

    /// Long addresses leave the harvest's pipeline (their keys do not fit beside each other, or
    /// stop fitting once the domain is in its ASCII form) and take the plain way: the same
    /// entry, under the same ASCII form, either way.
    @Test func longAddressesOfAnInternationalDomainLandTheSameWay() {
        let h = Harvest(classifier: c, now: 1_700_000_000)
        h.beginInput(source: "test", file: "dump")
        var expected: Set<String> = []
        for (i, length) in ([1, 580, 590, 591, 592, 593, 594, 600, 1100, 2000] as [Int]).enumerated() {
            let local = String(repeating: "l", count: length)
            let sender = "<" + String(repeating: "s", count: 400) + "@other.org>"
            let lines = [
                "SPAMTRAP|t\(local)@b\u{FC}cher.example",
                "GREY|192.0.2.1|h|\(sender)|<r\(local)@b\u{FC}cher.example>|1|2|3|4|5",
                "GREY|192.0.2.1|h|<f\(local)@b\u{FC}cher.example>|<r\(local)@b\u{FC}cher.example>|1|2|3|4|5",
            ]
            for (j, line) in lines.enumerated() {
                var bytes = Array(line.utf8)
                bytes.withUnsafeMutableBytes { buf in
                    guard
                        case .record(let r) = SpamdbLineParser.parse(UnsafeRawBufferPointer(buf), lineNumber: 3 * i + j)
                    else {
                        Issue.record("\(line.prefix(40)) did not parse")
                        return
                    }
                    h.add(r)
                    h.drain()
                }
            }
            for prefix in ["t", "r", "f"] { expected.insert("\(prefix)\(local)@xn--bcher-kva.example") }
        }
        let seen = Dictionary(uniqueKeysWithValues: h.addresses.map { ($0.address, $0.addressClass) })
        #expect(Set(seen.keys) == expected)
        for (address, cls) in seen { #expect(cls == .unknown(probeShape: nil), "\(address.prefix(10))") }
        #expect(h.counts.notOurs == 0)
    }
}
