import Foundation
import Testing

@testable import TrapkeeperCore

/// The quick check in front of `NearMissRule.resembles` only skips work: on random valid lists
/// and random addresses — near-misses made by one edit of a valid address, far-off ones,
/// delimiters, short local parts, other domains, non-ASCII local parts, and characters whose
/// canonical decomposition is ASCII (U+037E GREEK QUESTION MARK is ';', U+1FEF GREEK VARIA is
/// '`') — `resembles` answers exactly what the rule alone answers.
@Suite struct NearMissQuickCheckTests {
    static let alphabet: [String] = ["a", "b", "c", "e", "j", "s", "m", ".", "-", ";", "`", "+", "_", "1"]
    static let rare: [String] = ["\u{37E}", "\u{1FEF}", "é", "e\u{301}", "ß", "K"]

    static func word(_ rng: inout SeededRandom, length: Int) -> String {
        (0..<length).map { _ in
            rng.below(12) == 0 ? rare[rng.below(rare.count)] : alphabet[rng.below(alphabet.count)]
        }.joined()
    }

    /// One random edit: insert, delete, replace or swap two neighbours.
    static func edit(_ s: String, _ rng: inout SeededRandom) -> String {
        var c = Array(s)
        guard !c.isEmpty else { return s }
        let i = rng.below(c.count)
        switch rng.below(4) {
        case 0: c.insert(Character(alphabet[rng.below(alphabet.count)]), at: i)
        case 1: c.remove(at: i)
        case 2: c[i] = Character(rng.below(5) == 0 ? rare[rng.below(rare.count)] : alphabet[rng.below(alphabet.count)])
        default: if i + 1 < c.count { c.swapAt(i, i + 1) }
        }
        return String(c)
    }

    /// A valid local part holding U+037E; the stored address spells it ';' and differs by one
    /// more character: the rule (Swift's canonical equivalence) finds the near-miss.
    @Test func aCharacterThatDecomposesToASCII() {
        var book = AddressBook(delimiters: "+")
        book.addValid("ab\u{37E}cde@bsdly.com")
        let rule = NearMissRule(book: book, minLength: 5, promoteNetworks: 3)
        #expect(rule.resemblesByTheRule("ab;cdx@bsdly.com") == "ab\u{37E}cde@bsdly.com")
        #expect(rule.resembles("ab;cdx@bsdly.com") == "ab\u{37E}cde@bsdly.com")
    }

    /// Local parts one character longer than the longest valid one can still be near-misses;
    /// longer ones cannot (and are answered without the rule's quadratic variants).
    @Test(arguments: [
        ("abcdefg@bsdly.com", "abcdef@bsdly.com"), ("abcdef\u{E9}@bsdly.com", "abcdef@bsdly.com"),
        ("abcdefgh@bsdly.com", nil), ("abcdef\u{E9}\u{E9}@bsdly.com", nil),
        (String(repeating: "\u{E9}", count: 3000) + "@bsdly.com", nil),
    ])
    func longLocalPartsAreAnsweredAsTheRuleAnswers(_ address: String, _ near: String?) {
        var book = AddressBook(delimiters: "+")
        book.addValid("abcdef@bsdly.com")
        book.addValid("peter@bsdly.com")
        let rule = NearMissRule(book: book, minLength: 5, promoteNetworks: 3)
        #expect(rule.resembles(address) == near)
        if address.count < 100 { #expect(rule.resemblesByTheRule(address) == near) }
    }

    @Test(arguments: 0..<40)
    func resemblesAnswersAsTheRuleAlone(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed) &+ 0xC0FFEE)
        var book = AddressBook(delimiters: seed % 3 == 0 ? "" : "+-")
        var locals: [String] = []
        for _ in 0..<(1 + rng.below(40)) {
            let local = Self.word(&rng, length: 3 + rng.below(10))
            locals.append(local)
            book.addValid("\(local)@\(rng.below(4) == 0 ? "bsdly.net" : "bsdly.com")")
        }
        let rule = NearMissRule(book: book, minLength: 2 + rng.below(5), promoteNetworks: 3)
        var nearMisses = 0
        for _ in 0..<400 {
            var local: String
            switch rng.below(4) {
            case 0: local = Self.word(&rng, length: rng.below(14))
            default:
                local = locals[rng.below(locals.count)]
                // Now and then the ASCII spelling of a character that decomposes to ASCII.
                if rng.below(3) == 0 {
                    local = local.replacingOccurrences(of: "\u{37E}", with: ";")
                        .replacingOccurrences(of: "\u{1FEF}", with: "`")
                }
                local = Self.edit(local, &rng)
            }
            // Spelled as stored: lower-case ASCII (non-ASCII left as it is).
            local = AddressBook.lower(local)
            if rng.below(6) == 0 { local += "+tag" }
            let domain = ["bsdly.com", "bsdly.net", "example.org"][rng.below(3)]
            let address = "\(local)@\(domain)"
            let plain = rule.resemblesByTheRule(address)
            #expect(rule.resembles(address) == plain, "\(address)")
            if plain != nil { nearMisses += 1 }
        }
        #expect(nearMisses > 0, "the random edits should make some near-misses")
    }

    /// Addresses an SMTP client controls: any printable ASCII in the local part, recipient
    /// delimiters at its start, its end and doubled, several `@`, none, an empty local part or
    /// domain, local parts around `minLength` (0 to 6); valid lists holding `"`, `@`, the
    /// characters that decompose to ASCII (U+037E, U+1FEF, U+212A KELVIN SIGN), combining marks
    /// alone and after a letter, compatibility-only look-alikes (U+FF21, U+FB01), and
    /// delimiters that are `.` or `@`: `resembles` answers exactly what the rule alone answers.
    @Test(arguments: 0..<60)
    func resemblesAnswersAsTheRuleAloneForAnyPrintableAddress(seed: Int) {
        let printable: [Character] = (0x21...0x7E).map { Character(Unicode.Scalar(UInt8($0))) }
        let rare = [
            "\u{37E}", "\u{1FEF}", "\u{212A}", "\u{E9}", "e\u{301}", "\u{301}", "\u{DF}", "\u{FF21}", "\u{FB01}",
        ]
        let common = ["a", "b", "c", ";", "`", "+", "-", "k", "K", "\"", "@", "."]
        var rng = SeededRandom(seed: UInt64(seed) &+ 0x5EED_0991)
        var book = AddressBook(delimiters: ["", "+", "+-", "-", "+=", ".", "@"][seed % 7])
        var locals: [String] = []
        for _ in 0..<(1 + rng.below(30)) {
            let local = (0..<(1 + rng.below(9))).map { _ in
                rng.below(6) == 0
                    ? rare[rng.below(rare.count)]
                    : rng.below(3) == 0
                        ? String(printable[rng.below(printable.count)]) : common[rng.below(common.count)]
            }.joined()
            locals.append(local)
            book.addValid("\(local)@\(rng.below(3) == 0 ? "bsdly.net" : "bsdly.com")")
        }
        let rule = NearMissRule(book: book, minLength: rng.below(7), promoteNetworks: 3)
        var nearMisses = 0
        for _ in 0..<600 {
            var local: [Character]
            if rng.below(3) == 0 {
                local = (0..<rng.below(12)).map { _ in printable[rng.below(printable.count)] }
            } else {
                // A valid local part in ASCII spelling, with one edit by a printable character.
                local = Array(
                    locals[rng.below(locals.count)].replacingOccurrences(of: "\u{37E}", with: ";")
                        .replacingOccurrences(of: "\u{1FEF}", with: "`").replacingOccurrences(of: "\u{212A}", with: "K")
                        .replacingOccurrences(of: "e\u{301}", with: "e"))
                if !local.isEmpty {
                    let i = rng.below(local.count)
                    switch rng.below(5) {
                    case 0: local.insert(printable[rng.below(printable.count)], at: i)
                    case 1: local.remove(at: i)
                    case 2: local[i] = printable[rng.below(printable.count)]
                    case 3: if i + 1 < local.count { local.swapAt(i, i + 1) }
                    default: break
                    }
                }
            }
            var text = String(local)
            if rng.below(5) == 0 { text = ["+", "-", "++", "+-"][rng.below(4)] + text }
            if rng.below(5) == 0 { text += ["+", "-", "++", "+x", "-y+z"][rng.below(5)] }
            let domain = ["bsdly.com", "bsdly.net", "x", "", "bsdly.com@bsdly.com"][rng.below(5)]
            let address = rng.below(20) == 0 ? text : "\(text)@\(domain)"
            let plain = rule.resemblesByTheRule(address)
            #expect(rule.resembles(address) == plain, "\(address.debugDescription)")
            if plain != nil { nearMisses += 1 }
        }
        #expect(seed % 7 == 6 || nearMisses > 0, "the edits should make some near-misses")
    }
}
