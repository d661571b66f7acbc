import Testing

@testable import TrapkeeperCore

/// The harvest's byte-level shortcut must never answer differently from the full rules: never
/// call an address unknown (a trap candidate) when they say valid, protected, malformed or
/// probe-shaped, never miss or invent a shape, never call listed what they do not list.
@Suite struct QuickClassifyTests {
    let c: Classifier = {
        var book = AddressBook(delimiters: "+-")
        for v in [
            "peter@bsdly.net", "peter@bsdly.com", "alice@bsdly.com", "bob.smith@bsdly.net", "*@catchall.example",
            "ecila@bsdly.com", "x9@bsdly.com",
        ] {
            book.addValid(v)
        }
        return Classifier(
            domains: ["bsdly.com", "bsdly.net", "catchall.example"], book: book, probeWindowDays: 7,
            harvestSenders: true)
    }()

    func quick(_ a: String) -> QuickVerdict? {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: a.utf8.count + 16, alignment: 8)
        defer { scratch.deallocate() }
        return Array(a.utf8).withUnsafeBytes { c.quickClass($0, scratch: scratch) }
    }

    @Test(arguments: [
        "retep1@bsdly.net", "ecila7@bsdly.com", "mx1.example.com-1503146097-testing@bsdly.com",
        "@bsdly.com", "x\u{1}y@bsdly.com", "bl\u{e5}b\u{e6}r@bsdly.com", "x@other.org",
        "x@mail.bsdly.com", "nodomain", "", "htims.bob4@bsdly.net",
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

    @Test(arguments: ["kovavo43@bsdly.net", "mike.hagen@bsdly.com", "x@bsdly.com", "random+tag@bsdly.net"])
    func shortcutsPlainUnknowns(_ a: String) {
        #expect(c.classify(address: a) == .unknown(probeShape: nil))
        #expect(quick(a) == .unknown(nil))
    }

    /// Random addresses over an alphabet rich in the bytes the rules look at: whenever the
    /// shortcut answers, the full rules give the same answer.
    @Test func agreesWithTheRulesOnRandomAddresses() {
        var rng = SeededRandom(seed: 20_171_129)
        let pieces = [
            "peter", "alice", "ecila", "retep", "bob.smith", "htims.bob", "x", "9", "1", "+", "-", "postmaster",
            "abuse", "-testing", "1503146097", "mx", ".", "a", "z", "0", "\u{7f}", "\u{e5}",
        ]
        let domains = ["bsdly.com", "bsdly.net", "catchall.example", "other.org", "BSDLY.com"]
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
}
