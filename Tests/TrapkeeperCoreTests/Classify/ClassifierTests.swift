import Testing

@testable import TrapkeeperCore

func makeClassifier(
    valid: [String] = ["peter@bsdly.net", "peter@bsdly.com", "*@catchall.example"], delimiters: String = "+",
    harvest: Bool = true
) -> Classifier {
    var book = AddressBook(delimiters: delimiters)
    for v in valid { book.addValid(v) }
    return Classifier(
        domains: ["bsdly.com", "bsdly.net", "catchall.example"], book: book, probeWindowDays: 7, harvestSenders: harvest
    )
}

@Suite struct ClassifierTests {
    let c = makeClassifier()

    @Test(arguments: ["x@notbsdly.com", "x@mail.bsdly.com", "victim@gmail.com", "nodomain", "x@bsdly.com.evil"])
    func otherDomainsAreNeverOurs(_ a: String) {
        #expect(c.classify(address: a) == .notOurs)
    }

    @Test(arguments: ["peter@bsdly.net", "peter+lists@bsdly.net", "anything@catchall.example"])
    func validAddresses(_ a: String) {
        if case .valid = c.classify(address: a) {} else { Issue.record("\(a) should be valid") }
    }

    @Test func normalisationFoldsCaseAndOneBracketPair() {
        #expect(Classifier.normalize("<Peter@BSDLY.NET>") == "peter@bsdly.net")
        #expect(Classifier.normalize("<<b>x</b>@example.org>") == "<b>x</b>@example.org")
        #expect(Classifier.normalize("<>") == "")
    }

    @Test(arguments: AddressBook.builtInProtected)
    func roleMailboxesAreProtected(_ local: String) {
        if case .protected = c.classify(address: "\(local)@bsdly.com") {
        } else {
            Issue.record("\(local) should be protected")
        }
        if case .protected = c.classify(address: "\(local)+x@bsdly.com") {
        } else {
            Issue.record("\(local)+x should be protected")
        }
    }

    @Test func unknownIsATrapCandidate() {
        #expect(c.classify(address: "anecowuutp@bsdly.com") == .unknown(probeShape: nil))
        #expect(c.classify(address: "!!!!!!!!the!rest!is!trash!@bsdly.net") == .unknown(probeShape: nil))
    }

    @Test func controlBytesAreNotPublishable() {
        if case .malformed = c.classify(address: "a\u{1}b@bsdly.com") {} else { Issue.record("expected malformed") }
        if case .malformed = c.classify(address: "@bsdly.com") {} else { Issue.record("expected malformed") }
    }

    /// Characters that make a published address lie about what it is, or break the
    /// line-oriented readers of the list, are malformed exactly like control bytes: counted,
    /// reported, never a trap — also where the address is on the valid list (checked first).
    @Test(arguments: [
        ("a\u{202E}gpj.exe@bsdly.com", "bidirectional"), ("a\u{202A}b@bsdly.com", "bidirectional"),
        ("a\u{202B}b@bsdly.com", "bidirectional"), ("a\u{202C}b@bsdly.com", "bidirectional"),
        ("a\u{202D}b@bsdly.com", "bidirectional"), ("\u{2066}ab@bsdly.com", "bidirectional"),
        ("ab\u{2067}@bsdly.com", "bidirectional"), ("a\u{2068}b@bsdly.com", "bidirectional"),
        ("a\u{2069}b@bsdly.com", "bidirectional"), ("a\u{200E}b@bsdly.com", "bidirectional"),
        ("a\u{200F}b@bsdly.com", "bidirectional"), ("a\u{061C}b@bsdly.com", "bidirectional"),
        ("peter\u{202E}@bsdly.net", "bidirectional"),
        ("a\u{80}b@bsdly.com", "control"), ("a\u{85}b@bsdly.com", "control"), ("a\u{9F}b@bsdly.com", "control"),
        ("peter\u{9B}@bsdly.net", "control"), ("a\u{7F}b@bsdly.com", "control"), ("a\tb@bsdly.com", "control"),
        ("a\u{200B}b@bsdly.com", "invisible"), ("a\u{200C}b@bsdly.com", "invisible"),
        ("a\u{200D}b@bsdly.com", "invisible"), ("a\u{2060}b@bsdly.com", "invisible"),
        ("\u{FEFF}ab@bsdly.com", "invisible"), ("a\u{AD}b@bsdly.com", "invisible"),
        ("a\u{E0041}b@bsdly.com", "invisible"), ("a\u{180E}b@bsdly.com", "invisible"),
        ("a\u{2028}b@bsdly.com", "separator"), ("a\u{2029}b@bsdly.com", "separator"),
        ("a b@bsdly.com", "space"), (" ab@bsdly.com", "space"), ("ab @bsdly.com", "space"),
        ("a\u{A0}b@bsdly.com", "space"), ("a\u{3000}b@bsdly.com", "space"), ("a\u{2009}b@bsdly.com", "space"),
        ("peter @bsdly.net", "space"),
    ])
    func hiddenAndDirectionalCharactersAreNotPublishable(_ address: String, _ what: String) {
        guard case .malformed(let why) = c.classify(address: address) else {
            Issue.record(
                "\(address.unicodeScalars.map { String($0.value, radix: 16) }) is \(c.classify(address: address))")
            return
        }
        #expect(why.contains(what), "\(why)")
    }

    /// Visible non-ASCII letters are ordinary (SMTPUTF8 local parts).
    @Test(arguments: [
        "bl\u{E5}b\u{E6}r@bsdly.com", "\u{43F}\u{440}\u{438}\u{432}\u{435}\u{442}@bsdly.com", "x\u{301}y@bsdly.com",
    ])
    func visibleNonASCIIIsAnOrdinaryUnknown(_ address: String) {
        #expect(c.classify(address: address) == .unknown(probeShape: nil))
    }

    /// `^(.+)-([0-9]{9,11})-testing$`: the shortest match is one byte of host and nine digits.
    @Test(arguments: [
        ("x-123456789-testing@bsdly.com", "x", Int64(123_456_789)),
        ("x-1234567890-testing@bsdly.com", "x", 1_234_567_890), ("a--123456789-testing@bsdly.com", "a-", 123_456_789),
        ("mx-12345678901-testing@bsdly.com", "mx", 12_345_678_901),
    ])
    func eximShapeFromItsShortestForm(_ a: String, _ host: String, _ epoch: Int64) {
        #expect(c.classify(address: a) == .unknown(probeShape: .exim(verifier: host, epoch: epoch)))
    }

    @Test func eximProbeNeedsTheEpochWindow() {
        let a = "mx42.antispamcloud.com-1503146097-testing@bsdly.com"
        guard case .unknown(let shape?) = c.classify(address: a) else {
            Issue.record("expected an Exim shape")
            return
        }
        #expect(shape == .exim(verifier: "mx42.antispamcloud.com", epoch: 1_503_146_097))
        let live = c.detector.match(
            shape: shape, sender: "", helo: "mx18-12.smtp.antispamcloud.com", seen: 1_503_146_138)
        #expect(live?.probeTime == 1_503_146_097)
        // 30 days later: not a live probe, an ordinary address
        #expect(c.detector.match(shape: shape, sender: "", helo: nil, seen: 1_503_146_097 + 30 * 86400) == nil)
    }

    @Test(arguments: [
        "host-12345678-testing@bsdly.com",  // 8 digits
        "host-123456789012-testing@bsdly.com",  // 12 digits
        "-1503146097-testing@bsdly.com",  // empty host
        "host-1503146097-test@bsdly.com",
    ])
    func notEximShapes(_ a: String) {
        if case .unknown(.exim?) = c.classify(address: a) { Issue.record("\(a) is not an Exim probe shape") }
    }

    @Test func verificationServicesNeedTheirFingerprint() {
        let after = "0123456789abcdef0123456789abcdef@bsdly.com"
        guard case .unknown(let s1?) = c.classify(address: after) else {
            Issue.record("expected AfterShip shape")
            return
        }
        #expect(c.detector.match(shape: s1, sender: "user@example.org", helo: "localhost", seen: 0) != nil)
        #expect(c.detector.match(shape: s1, sender: "spam@spammer.ru", helo: "localhost", seen: 0) == nil)
        #expect(c.detector.match(shape: s1, sender: "user@example.org", helo: "mx.spammer.ru", seen: 0) == nil)
        let reacher = "abcdefghij12345@bsdly.com"
        guard case .unknown(let s2?) = c.classify(address: reacher) else {
            Issue.record("expected Reacher shape")
            return
        }
        #expect(c.detector.match(shape: s2, sender: "reacher@gmail.com", helo: "gmail.com", seen: 0) != nil)
        #expect(c.detector.match(shape: s2, sender: "x@gmail.com", helo: "gmail.com", seen: 0) == nil)
    }

    @Test func snertReversedProbe() {
        // "peter" reversed is "retep", plus a check digit
        guard case .unknown(let s?) = c.classify(address: "retep7@bsdly.com") else {
            Issue.record("expected SnertSoft shape")
            return
        }
        #expect(c.detector.match(shape: s, sender: "", helo: "mx.x", seen: 0) != nil)
        #expect(c.detector.match(shape: s, sender: "spam@x.ru", helo: "mx.x", seen: 0) == nil)
    }

    @Test(arguments: [
        ("", true), ("postmaster@mx.example", true), ("double-bounce@mx.verifying-isp.net", true),
        ("double-bounce-abc12@x.org", true), ("kd@xmail.ru", false), ("postmaster2@x.org", false),
    ])
    func verifierSenders(_ sender: String, _ expected: Bool) {
        #expect(ProbeDetector.isVerifierSender(sender) == expected)
        var b = Array(sender.utf8)
        let fast = b.withUnsafeMutableBytes { ProbeDetector.isVerifierSender(bytes: UnsafeRawBufferPointer($0)) }
        #expect(fast == expected)
    }
}

@Suite struct VerificationServiceHostTests {
    @Test func serviceProbingTheRealAddressIsNotATrapper() throws {
        let s = try Scene()
        let t: Int64 = 1_700_000_000
        // AfterShip: the random probe first, then the real (forged-sender) address, same session.
        var dump = grey(
            "52.1.2.77", from: "user@example.org", to: "0123456789abcdef0123456789abcdef@bsdly.com", at: t,
            helo: "localhost")
        dump += grey("52.1.2.77", from: "user@example.org", to: "forged.sender@bsdly.com", at: t + 1, helo: "localhost")
        // a spammer that forged that sender
        dump += grey("45.95.147.12", from: "forged.sender@bsdly.com", to: "peter@bsdly.net", at: t - 100)
        try s.classify(dump, now: t + 60)
        try s.publish(now: t + 60)
        #expect(s.traps == ["forged.sender@bsdly.com"])
        #expect(s.pfEntries.isEmpty)
        let why = try Explainer.explain("52.1.2.77", workspace: s.ws, now: t + 60)
        #expect(why.contains("verifier host"))
    }
}

@Suite struct HostRuleTests {
    @Test func fastPathAgreesWithTheExplainedDecision() {
        let now: Int64 = 1_700_000_000
        let rule = HostRule(now: now, ttlHours: 24, neverBlock: NeverBlockList(extra: [CIDR("45.95.0.0/16")!]))
        let times: [Int64?] = [nil, now - 90_000, now - 3_600, now + 3_600, now + 200_000]
        for ip in [
            "5.188.10.182", "10.1.2.3", "45.95.1.1", "2001:67c::1", "::ffff:10.1.2.3", "::ffff:5.188.10.182",
            "2002:c0a8:101::1", "2002:2d5f:101::1", "64:ff9b::7f00:1", "64:ff9b::5bc:ab6",
        ] {
            for last in times {
                for nonVerifier in times {
                    for trapped in times {
                        for (delisted, stillATrap) in [(false, false), (false, true), (true, false), (true, true)] {
                            let row = HostRow(
                                ip: ip, firstHit: last, lastHit: last ?? nonVerifier, lastNonVerifierHit: nonVerifier,
                                trappedExpire: trapped, hitEvidence: nil, hitTrap: nil, trappedEvidence: nil,
                                lastTrapHit: stillATrap ? nonVerifier : nil)
                            let d = rule.decide(row, ip: IPAddress(ip)!, delisted: delisted ? ("ip", "r", 0) : nil)
                            #expect(
                                rule.isExported(row, ip: IPAddress(ip)!, delisted: delisted) == d.exported,
                                "\(row) \(delisted)")
                        }
                    }
                }
            }
        }
    }
}

/// The same domain written as a U-label (`bücher.example`) or an A-label
/// (`xn--bcher-kva.example`) is one domain, whichever form the configuration, the valid list or
/// the mail uses.
@Suite struct InternationalDomainTests {
    let c: Classifier = {
        var book = AddressBook(delimiters: "+")
        for v in ["anna@xn--bcher-kva.example", "bob@m\u{FC}nchen.example", "*@xn--caf-dma.example"] {
            book.addValid(v)
        }
        return Classifier(
            domains: ["b\u{FC}cher.example", "xn--mnchen-3ya.example", "B\u{DC}CHER.net", "caf\u{E9}.example"],
            book: book, probeWindowDays: 7, harvestSenders: true)
    }()

    @Test(arguments: [
        "stranger@b\u{FC}cher.example", "stranger@xn--bcher-kva.example", "stranger@m\u{FC}nchen.example",
        "stranger@xn--mnchen-3ya.example", "stranger@b\u{FC}cher.net", "stranger@xn--bcher-kva.net",
    ])
    func eitherFormIsOurs(_ a: String) {
        #expect(c.classify(address: a) == .unknown(probeShape: nil))
    }

    @Test(arguments: [
        "anna@b\u{FC}cher.example", "anna@xn--bcher-kva.example", "anna+x@b\u{FC}cher.example",
        "bob@m\u{FC}nchen.example", "bob@xn--mnchen-3ya.example", "x@caf\u{E9}.example", "x@xn--caf-dma.example",
    ])
    func theValidListMatchesEitherForm(_ a: String) {
        guard case .valid = c.classify(address: a) else {
            Issue.record("\(a) is \(c.classify(address: a))")
            return
        }
    }

    @Test(arguments: [
        "x@bucher.example", "x@xn--bcher-kva.example.org", "x@sub.b\u{FC}cher.example", "x@b\u{FC}cher\u{200B}.example",
        "x@xn--bcher-kvb.example", "x@bu\u{308}cher.example",
    ])
    func otherDomainsStayOthers(_ a: String) {
        #expect(c.classify(address: a) == .notOurs)
    }
}
