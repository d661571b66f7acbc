import CScan
import Testing

@testable import TrapkeeperCore

/// The byte kernels of the dump parser (CScan) against plain byte-by-byte versions.
@Suite struct NumberScanTests {
    /// The one-pass check of a line's five timestamps accepts exactly when `number` accepts
    /// each of them.
    @Test func timestampCheckAgreesWithTheParser() {
        var rng = SeededRandom(seed: 1_760_094_000)
        // Digits and the bytes around every boundary a vector compare could get wrong.
        let alphabet: [UInt8] =
            Array(48...57) + [0x00, 0x01, 0x2F, 0x3A, 0x3F, 0x40, 0x7C, 0x7F, 0x80, 0x81, 0xB0, 0xB9, 0xBA, 0xD0, 0xFF]
        var accepted = 0
        for _ in 0..<100_000 {
            let fields: [[UInt8]] = (0..<5).map { _ in
                let n = rng.below(4) == 0 ? rng.below(21) : 1 + rng.below(12)
                return (0..<n).map { _ in
                    rng.below(12) == 0 ? alphabet[rng.below(alphabet.count)] : UInt8(48 + rng.below(10))
                }
            }
            let line = Array("GREY|1.2.3.4|h|<a@b>|<c@d>|".utf8) + Array(fields.joined(separator: [124]))
            line.withUnsafeBytes { b in
                var cuts: [Int] = []
                for (i, c) in line.enumerated() where c == 124 { cuts.append(i) }
                let bars = cuts.count
                var expected = true
                var start = cuts[bars - 5] + 1
                for k in (bars - 4)...bars {
                    let end = k == bars ? line.count : cuts[k]
                    if SpamdbLineParser.number(UnsafeRawBufferPointer(rebasing: b[start..<end])) == nil {
                        expected = false
                    }
                    start = end + 1
                }
                let got = cuts.withUnsafeBufferPointer { SpamdbLineParser.timestampsValid(b, cuts: $0, bars: bars) }
                #expect(got == expected, "\(line)")
                if expected { accepted += 1 }
            }
        }
        #expect(accepted > 10_000)
    }

    @Test func barsFoundAtEveryOffset() {
        var rng = SeededRandom(seed: 5)
        for _ in 0..<20_000 {
            let n = rng.below(80)
            let line: [UInt8] = (0..<n).map { _ in rng.below(5) == 0 ? 124 : UInt8(32 + rng.below(90)) }
            let expected = line.indices.filter { line[$0] == 124 }
            let max = rng.below(3) == 0 ? rng.below(8) : 64
            var cuts = [Int](repeating: -1, count: 65)
            let found = line.withUnsafeBufferPointer { p in
                cuts.withUnsafeMutableBufferPointer { tk_find_bars(p.baseAddress, n, $0.baseAddress, max) }
            }
            if expected.count > max {
                #expect(found == max + 1)
            } else {
                #expect(found == expected.count)
                #expect(Array(cuts[0..<found]) == expected, "\(line)")
            }
        }
    }

    @Test func lowerCaseOfEveryLengthAndByte() {
        var rng = SeededRandom(seed: 9)
        for _ in 0..<20_000 {
            let n = rng.below(70)
            let raw: [UInt8] = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let expected = raw.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
            var out = [UInt8](repeating: 0, count: n)
            raw.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { tk_lower(p.baseAddress, n, $0.baseAddress) }
            }
            #expect(out == expected, "\(raw)")
        }
    }

    @Test(arguments: ["1503145011", "0", "123456789012345678", "12345678", "1234567"])
    func acceptsNumbers(_ s: String) {
        #expect(Array(s.utf8).withUnsafeBytes { SpamdbLineParser.number($0) } == Int64(s))
    }

    @Test(arguments: ["", "1234567890123456789", "150314501a", "15031450 1", "-1", "1503145011\u{0}", "٣"])
    func rejectsTheRest(_ s: String) {
        #expect(Array(s.utf8).withUnsafeBytes { SpamdbLineParser.number($0) } == nil)
    }
}
