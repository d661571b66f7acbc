import Testing

@testable import TrapkeeperCore

/// The eight-bytes-at-a-time digit check accepts exactly what the byte-by-byte parser accepts.
@Suite struct NumberScanTests {
    @Test func wordCheckAgreesWithTheParser() {
        var rng = SeededRandom(seed: 1_760_094_000)
        // Digits and the bytes around every boundary the word arithmetic could get wrong.
        let alphabet: [UInt8] =
            Array(48...57) + [0x00, 0x01, 0x2F, 0x3A, 0x3F, 0x40, 0x7F, 0x80, 0x81, 0xB9, 0xBA, 0xC5, 0xC6, 0xD0, 0xFF]
        var accepted = 0
        for _ in 0..<200_000 {
            let n = rng.below(21)
            let bytes: [UInt8] = (0..<n).map { _ in
                rng.below(4) == 0 ? alphabet[rng.below(alphabet.count)] : UInt8(48 + rng.below(10))
            }
            bytes.withUnsafeBytes { b in
                let expected = SpamdbLineParser.number(b) != nil
                #expect(SpamdbLineParser.isNumber(b) == expected, "\(bytes)")
                if expected { accepted += 1 }
            }
        }
        #expect(accepted > 10_000)
    }

    @Test(arguments: ["1503145011", "0", "123456789012345678", "12345678", "1234567"])
    func acceptsNumbers(_ s: String) {
        #expect(Array(s.utf8).withUnsafeBytes { SpamdbLineParser.isNumber($0) })
    }

    @Test(arguments: ["", "1234567890123456789", "150314501a", "15031450 1", "-1", "1503145011\u{0}", "٣"])
    func rejectsTheRest(_ s: String) {
        #expect(!Array(s.utf8).withUnsafeBytes { SpamdbLineParser.isNumber($0) })
    }
}
