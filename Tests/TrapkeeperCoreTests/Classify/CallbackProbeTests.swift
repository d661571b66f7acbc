import Testing

@testable import TrapkeeperCore

/// The harvest decides per line with `ProbeDetector.matches` (bytes) and words the incident
/// with `match` (strings) once: the two must agree on every sender, helo and time.
@Suite struct CallbackProbeTests {
    let detector = ProbeDetector(windowDays: 7)

    @Test func matchesAgreesWithMatch() {
        var rng = SeededRandom(seed: 2017)
        let shapes: [ProbeShape] = [
            .exim(verifier: "mx42.antispamcloud.com", epoch: 1_503_146_097), .aftership, .reacher,
            .snert(realLocalPart: "peter"),
        ]
        let senders = [
            "", "user@example.org", "User@Example.org", "reacher@gmail.com", "reacher@gmail.co",
            "postmaster@mx.example",
            "double-bounce@mx.example", "double-bounce1234@mx.example", "postmaster", "x@y", "user@example.org ",
            // A combining mark after '@' or inside "double-bounce" joins its neighbour into one
            // Character; the sender's bytes still say postmaster@ / double-bounce…@.
            "postmaster@\u{301}mx.example", "double-bounce\u{301}@mx.example", "postmaster\u{301}@mx.example",
            "x@\u{301}y@z", "\u{301}@mx.example",
        ]
        let helos: [String?] = [
            nil, "localhost", "LocalHost", "gmail.com", "GMAIL.COM", "mail.gmail.com", "", "localhost.",
        ]
        let times: [Int64] = [
            1_503_146_097, 1_503_146_097 + 7 * 86400, 1_503_146_097 + 7 * 86400 + 1, 1_503_146_097 - 7 * 86400 - 1, 0,
        ]
        var probes = 0
        for _ in 0..<5_000 {
            let shape = shapes[rng.below(shapes.count)]
            // The harvest hands `matches` the normalised sender: lower-case, no brackets.
            let sender = AddressBook.lower(senders[rng.below(senders.count)])
            let helo = helos[rng.below(helos.count)]
            let seen = times[rng.below(times.count)]
            let full = detector.match(shape: shape, sender: sender, helo: helo.map(AddressBook.lower), seen: seen)
            let bytes = Array(sender.utf8).withUnsafeBytes { s in
                if let helo {
                    return Array(helo.utf8).withUnsafeBytes {
                        detector.matches(shape: shape, sender: s, helo: $0, seen: seen)
                    }
                }
                return detector.matches(shape: shape, sender: s, helo: nil, seen: seen)
            }
            #expect(bytes == (full != nil), "\(shape) \(sender) \(String(describing: helo)) \(seen)")
            if full != nil { probes += 1 }
        }
        #expect(probes > 500)
    }

    /// `isVerifierSender` on text and on bytes are one rule: the sender's bytes decide, whatever
    /// grapheme clusters they form (a combining mark after '@' once made the two disagree, and
    /// the harvest stopped on its "matches and match disagree" precondition).
    @Test func verifierSenderIsDecidedOnBytes() {
        var rng = SeededRandom(seed: 42)
        let pieces = [
            "postmaster", "double-bounce", "@", "\u{301}", "\u{200d}", "x", "=", "1", "mx.example", "e\u{301}",
            "\u{1f469}", "\u{fe0f}", "",
        ]
        var verifiers = 0
        for _ in 0..<5_000 {
            var s = ""
            for _ in 0..<(1 + rng.below(4)) { s += pieces[rng.below(pieces.count)] }
            let text = ProbeDetector.isVerifierSender(s)
            let bytes = Array(s.utf8).withUnsafeBytes { ProbeDetector.isVerifierSender(bytes: $0) }
            #expect(text == bytes, "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
            if text { verifiers += 1 }
        }
        #expect(verifiers > 100)
    }
}
