import Foundation
import Testing

@testable import TrapkeeperCore

/// What a stranger's text becomes on the pages.
@Suite struct HTMLTextTests {
    static let table: [(String, String)] = [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("o'brien\"&amp;", "o&#39;brien&quot;&amp;amp;"),
        ("{{x}}{{{y}}}", "{{x}}{{{y}}}"),
        ("bjørn用户", "bjørn用户"),
        ("\u{202E}moc.elgoog", "&lt;U+202E&gt;moc.elgoog"),
        ("a\u{2066}b\u{2069}c\u{200F}\u{061C}", "a&lt;U+2066&gt;b&lt;U+2069&gt;c&lt;U+200F&gt;&lt;U+061C&gt;"),
        ("zero\u{200B}width\u{FEFF}", "zero&lt;U+200B&gt;width&lt;U+FEFF&gt;"),
        ("line\u{2028}sep", "line&lt;U+2028&gt;sep"),
        ("nul\u{0}tab\tesc\u{1B}del\u{7F}", "nul&lt;U+0000&gt;tab&lt;U+0009&gt;esc&lt;U+001B&gt;del&lt;U+007F&gt;"),
        ("c1\u{85}\u{9F}", "c1&lt;U+0085&gt;&lt;U+009F&gt;"),
        ("\u{A0}\u{A9}\u{FFFD}", "\u{A0}\u{A9}\u{FFFD}"),
        (String(decoding: [0x61, 0xFF, 0x62], as: UTF8.self), "a\u{FFFD}b"),
    ]

    @Test(arguments: table.indices) func escapes(_ i: Int) {
        #expect(HTMLText.escaped(Self.table[i].0) == Self.table[i].1)
    }

    /// The byte loop agrees with `isHidden` on every scalar whose UTF-8 lead byte it looks at,
    /// and on the rest of the first two planes' ranges it passes through.
    @Test func byteLoopFollowsTheDefinition() {
        var ranges: [ClosedRange<UInt32>] = [0...0x3000, 0xD7F0...0xD7FF, 0xE000...0x10100]
        ranges.append(0x1F600...0x1F64F)
        for range in ranges {
            for v in range {
                guard let s = Unicode.Scalar(v) else { continue }
                let text = "x" + String(Character(s)) + "y"
                let expected: String
                switch s {
                case "<": expected = "&lt;"
                case ">": expected = "&gt;"
                case "&": expected = "&amp;"
                case "\"": expected = "&quot;"
                case "'": expected = "&#39;"
                default:
                    expected =
                        HTMLText.isHidden(s)
                        ? "&lt;U+" + String(format: v > 0xFFFF ? "%06X" : "%04X", v) + "&gt;" : String(Character(s))
                }
                #expect(HTMLText.escaped(text) == "x" + expected + "y", "U+\(String(v, radix: 16))")
            }
        }
    }
}
