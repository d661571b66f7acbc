import Testing

@testable import TrapkeeperCore

/// RFC 3492 §7.1 sample strings (code points as listed there; `U+` marks an upper-case flag
/// that `encode` does not emit, so those outputs are compared case-insensitively).
@Suite struct PunycodeTests {
    static func scalars(_ hex: String) -> [Unicode.Scalar] {
        hex.split(separator: " ").map { Unicode.Scalar(UInt32($0, radix: 16)!)! }
    }

    static let samples: [(name: String, code: String, punycode: String)] = [
        (
            "(A) Arabic (Egyptian)",
            "0644 064A 0647 0645 0627 0628 062A 0643 0644 0645 0648 0634 0639 0631 0628 064A 061F",
            "egbpdaj6bu4bxfgehfvwxn"
        ),
        ("(B) Chinese (simplified)", "4ED6 4EEC 4E3A 4EC0 4E48 4E0D 8BF4 4E2D 6587", "ihqwcrb4cv8a8dqg056pqjye"),
        ("(C) Chinese (traditional)", "4ED6 5011 7232 4EC0 9EBD 4E0D 8AAA 4E2D 6587", "ihqwctvzc91f659drss3x8bo0yb"),
        (
            "(D) Czech",
            "0050 0072 006F 010D 0070 0072 006F 0073 0074 011B 006E 0065 006D 006C 0075 0076 00ED 010D 0065 0073 006B 0079",
            "Proprostnemluvesky-uyb24dma41a"
        ),
        (
            "(E) Hebrew",
            "05DC 05DE 05D4 05D4 05DD 05E4 05E9 05D5 05D8 05DC 05D0 05DE 05D3 05D1 05E8 05D9 05DD 05E2 05D1 05E8 05D9 05EA",
            "4dbcagdahymbxekheh6e0a7fei0b"
        ),
        (
            "(F) Hindi (Devanagari)",
            "092F 0939 0932 094B 0917 0939 093F 0928 094D 0926 0940 0915 094D 092F 094B 0902 0928 0939 0940 0902 092C 094B 0932 0938 0915 0924 0947 0939 0948 0902",
            "i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd"
        ),
        (
            "(G) Japanese (kanji and hiragana)",
            "306A 305C 307F 3093 306A 65E5 672C 8A9E 3092 8A71 3057 3066 304F 308C 306A 3044 306E 304B",
            "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"
        ),
        (
            "(I) Russian (Cyrillic)",
            "043F 043E 0447 0435 043C 0443 0436 0435 043E 043D 0438 043D 0435 0433 043E 0432 043E 0440 044F 0442 043F 043E 0440 0443 0441 0441 043A 0438",
            "b1abfaaepdrnnbgefbaDotcwatmq2g4l"
        ),
        (
            "(J) Spanish",
            "0050 006F 0072 0071 0075 00E9 006E 006F 0070 0075 0065 0064 0065 006E 0073 0069 006D 0070 006C 0065 006D 0065 006E 0074 0065 0068 0061 0062 006C 0061 0072 0065 006E 0045 0073 0070 0061 00F1 006F 006C",
            "PorqunopuedensimplementehablarenEspaol-fmd56a"
        ),
        (
            "(K) Vietnamese",
            "0054 1EA1 0069 0073 0061 006F 0068 1ECD 006B 0068 00F4 006E 0067 0074 0068 1EC3 0063 0068 1EC9 006E 00F3 0069 0074 0069 1EBF 006E 0067 0056 0069 1EC7 0074",
            "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g"
        ),
        ("(L) 3<nen>B<gumi><kinpachi><sensei>", "0033 5E74 0042 7D44 91D1 516B 5148 751F", "3B-ww4c5e180e575a65lsy2b"),
        (
            "(M) <amuro><namie>-with-SUPER-MONKEYS",
            "5B89 5BA4 5948 7F8E 6075 002D 0077 0069 0074 0068 002D 0053 0055 0050 0045 0052 002D 004D 004F 004E 004B 0045 0059 0053",
            "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"
        ),
        (
            "(N) Hello-Another-Way-<sorezore><no><basho>",
            "0048 0065 006C 006C 006F 002D 0041 006E 006F 0074 0068 0065 0072 002D 0057 0061 0079 002D 305D 308C 305E 308C 306E 5834 6240",
            "Hello-Another-Way--fc4qua05auwb3674vfr0b"
        ),
        ("(O) <hitotsu><yane><no><shita>2", "3072 3068 3064 5C4B 6839 306E 4E0B 0032", "2-u9tlzr9756bt3uc0v"),
        (
            "(P) Maji<de>Koi<suru>5<byou><mae>", "004D 0061 006A 0069 3067 004B 006F 0069 3059 308B 0035 79D2 524D",
            "MajiKoi5-783gue6qz075azm5e"
        ),
        ("(Q) <pafii>de<runba>", "30D1 30D5 30A3 30FC 0064 0065 30EB 30F3 30D0", "de-jg4avhby1noc0d"),
        ("(R) <sono><supiido><de>", "305D 306E 30B9 30D4 30FC 30C9 3067", "d9juau41awczczp"),
        ("(S) -> $1.00 <-", "002D 003E 0020 0024 0031 002E 0030 0030 0020 003C 002D", "-> $1.00 <--"),
    ]

    @Test(arguments: samples)
    func rfc3492Samples(_ sample: (name: String, code: String, punycode: String)) {
        let input = Self.scalars(sample.code)
        let encoded = Punycode.encode(input)
        #expect(encoded?.lowercased() == sample.punycode.lowercased(), "\(sample.name)")
        // The encoder never writes case annotations: only the input's own basic letters keep
        // their case.
        if !sample.name.hasPrefix("(I)") { #expect(encoded == sample.punycode, "\(sample.name)") }
        #expect(Punycode.decode(Substring(sample.punycode)) == input, "\(sample.name)")
        #expect(Punycode.decode(Substring(sample.punycode.uppercased()))?.count == input.count, "\(sample.name)")
    }

    @Test func smallCases() {
        #expect(Punycode.encode(Array("bücher".unicodeScalars)) == "bcher-kva")
        #expect(Punycode.encode(Array("ü".unicodeScalars)) == "tda")
        #expect(Punycode.encode(Array("abc".unicodeScalars)) == "abc-")
        #expect(Punycode.encode([]) == "")
        #expect(Punycode.decode("bcher-kva") == Array("bücher".unicodeScalars))
        #expect(Punycode.decode("") == [])
    }

    /// Not Punycode: a digit outside a–z/0–9, a number cut short, a value past 32 bits or past
    /// U+10FFFF, non-ASCII input.
    @Test(arguments: ["bcher-kv!", "bcher-k", "99999999999999", "9999999999a", "99999a", "b\u{FC}cher-kva"])
    func notPunycode(_ text: String) {
        #expect(Punycode.decode(Substring(text)) == nil, "\(text)")
    }

    /// encode and decode are each other's inverse on random strings of assorted scripts.
    @Test func roundTrip() {
        var rng = SeededRandom(seed: 3492)
        let ranges: [ClosedRange<UInt32>] = [
            0x61...0x7A, 0x30...0x39, 0xE0...0xFF, 0x400...0x44F, 0x4E00...0x9FFF, 0x1F600...0x1F64F,
        ]
        for _ in 0..<2000 {
            var s: [Unicode.Scalar] = []
            for _ in 0..<(1 + rng.below(20)) {
                let r = ranges[rng.below(ranges.count)]
                s.append(Unicode.Scalar(r.lowerBound + UInt32(rng.below(Int(r.upperBound - r.lowerBound) + 1)))!)
            }
            guard let e = Punycode.encode(s) else {
                Issue.record("no encoding for \(s)")
                continue
            }
            #expect(e.utf8.allSatisfy { $0 < 0x80 })
            #expect(Punycode.decode(Substring(e)) == s, "\(e)")
        }
    }
}

@Suite struct DomainNameTests {
    @Test(arguments: [
        ("b\u{FC}cher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("m\u{FC}nchen.b\u{FC}cher.example", "xn--mnchen-3ya.xn--bcher-kva.example"),
        ("www.\u{4F8B}\u{5B50}.\u{6D4B}\u{8BD5}", "www.xn--fsqu00a.xn--0zwm56d"),
        ("bsdly.net", "bsdly.net"),
        ("\u{FC}", "xn--tda"),
    ])
    func toASCII(_ domain: String, _ ascii: String) {
        #expect(DomainName.toASCII(Substring(domain)) == ascii)
        #expect(DomainName.toASCII(Substring(DomainName.toUnicode(ascii))) == ascii)
        if !domain.hasPrefix("xn--") { #expect(DomainName.toUnicode(ascii) == domain) }
    }

    /// A label that cannot be an A-label (more than 63 bytes once encoded) has no ASCII form.
    @Test func overlongLabels() {
        let long = String(String.UnicodeScalarView((0..<30).map { Unicode.Scalar(0x4E00 + $0 * 97)! })) + ".example"
        #expect(DomainName.toASCII(Substring(long)) == nil)
        let ok = String(repeating: "a", count: 50) + "\u{FC}.example"
        #expect(DomainName.toASCII(Substring(ok)) != nil)
    }

    /// Mail is compared as it came: no case folding or normalisation of U-labels.
    @Test func mailIsNotMapped() {
        #expect(DomainName.toASCII("B\u{DC}cher.example") != "xn--bcher-kva.example")
        #expect(DomainName.toASCII("bu\u{308}cher.example") != "xn--bcher-kva.example")
    }

    @Test(arguments: [
        ("B\u{FC}cher.Example", "xn--bcher-kva.example"), ("B\u{DC}CHER.example", "xn--bcher-kva.example"),
        ("bu\u{308}cher.example", "xn--bcher-kva.example"), ("XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example"),
        ("BSDLY.com", "bsdly.com"), ("caf\u{E9}.example", "xn--caf-dma.example"),
    ])
    func configuredNamesAreMapped(_ name: String, _ ascii: String) {
        #expect(DomainName.configured(name) == ascii)
    }

    @Test(arguments: [
        "", "com", "bsdly..com", "bsdly.com.", "sp ace.example", "under_score.example", "xn--abc-.example",
        "xn--.example", "xn--9999999999a.example", "xn--bcher-.example", "a\u{202E}b.example",
        "a\u{200B}b.example", "a\u{A0}b.example", "a\u{2028}b.example", "a\u{FFFD}b.example",
        String(repeating: "a", count: 64) + ".example",
    ])
    func notDomainNames(_ name: String) {
        #expect(DomainName.configured(name) == nil, "\(name)")
    }
}
