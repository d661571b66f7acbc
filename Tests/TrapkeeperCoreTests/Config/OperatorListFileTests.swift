import Foundation
import Testing

@testable import TrapkeeperCore

/// The shared reader of operator list files: lines, comments, BOM, brackets, as written.
@Suite struct OperatorListFileTests {
    func entries(_ bytes: [UInt8]) throws -> [String] {
        try OperatorListFile.entries(in: bytes, file: "list.txt").map { "\($0.line) \($0.text)" }
    }

    func entries(_ text: String) throws -> [String] { try entries(Array(text.utf8)) }

    @Test(arguments: [
        ("a\nb\nc\n", ["1 a", "2 b", "3 c"]),
        ("a\r\nb\r\nc", ["1 a", "2 b", "3 c"]),
        ("a\rb\rc\r", ["1 a", "2 b", "3 c"]),
        ("a\r\nb\nc\rd", ["1 a", "2 b", "3 c", "4 d"]),
        ("a\r\r\nb", ["1 a", "3 b"]),  // CR then CRLF: two line ends
        ("\n\r\n\ra", ["4 a"]),
        ("\u{FEFF}a\nb", ["1 a", "2 b"]),
        ("a\n\u{FEFF}b\n", ["1 a", "2 b"]),  // `cat` of two files saved with a BOM
        ("", []),
        ("\u{FEFF}", []),
    ])
    func lineEnds(text: String, expected: [String]) throws {
        #expect(try entries(text) == expected)
    }

    @Test(arguments: [
        ("# comment", [String]()),
        ("   # indented comment", []),
        ("a # trailing comment", ["1 a"]),
        ("a\t# after a tab", ["1 a"]),
        ("team#1@example.org", ["1 team#1@example.org"]),
        ("#team@example.org", []),  // at line start: a comment, as in spamd-setup's lists
        ("  <Peter@Example.ORG>  # boss", ["1 Peter@Example.ORG"]),
        ("<peter@example.org", ["1 peter@example.org"]),  // as dequotetolower: each side alone
        ("peter@example.org>", ["1 peter@example.org"]),
        ("< peter@example.org >", ["1 peter@example.org"]),
        ("\t \tpeter@example.org \t", ["1 peter@example.org"]),
    ])
    func commentsBracketsAndSpaces(text: String, expected: [String]) throws {
        #expect(try entries(text) == expected)
    }

    @Test func keysAreASCIILowerCase() throws {
        let e = try OperatorListFile.entries(in: Array("<Peter@BSDLY.com>\nJÖRG@Bsdly.com\n".utf8), file: "x")
        #expect(e.map(\.key) == ["peter@bsdly.com", "jÖrg@bsdly.com"])
        #expect(e.map(\.text) == ["Peter@BSDLY.com", "JÖRG@Bsdly.com"])
    }

    @Test func aLatin1CommentIsHarmlessALatin1EntryIsNot() throws {
        let comment: [UInt8] = Array("# J".utf8) + [0xF8] + Array("rgen\npeter@bsdly.com\n".utf8)
        #expect(try entries(comment) == ["2 peter@bsdly.com"])
        let entry: [UInt8] = Array("peter@bsdly.com\r\nj".utf8) + [0xF8] + Array("rgen@bsdly.com\r\n".utf8)
        #expect(throws: ConfigError.self) { try entries(entry) }
        do {
            _ = try entries(entry)
        } catch let e as ConfigError {
            #expect(e.description.hasPrefix("list.txt:2: "), "\(e)")
            #expect(e.message.contains("not UTF-8"))
        }
    }

    /// A random list saved any way reads the same as saved with LF.
    @Test func anyWayOfSavingReadsTheSameAsLF() throws {
        var rng = SeededRandom(seed: 0x11575)
        let pool = [
            "peter@bsdly.com", "alice+x@bsdly.net", "*@bsdly.org", "team#1@bsdly.com", "# comment", "",
            "o'brien@bsdly.com # irish", "<Bob@BSDLY.com>", "billing",
        ]
        let ends = ["\n", "\r\n", "\r"]
        for _ in 0..<500 {
            let lines = (0..<(1 + rng.below(12))).map { _ in pool[rng.below(pool.count)] }
            let plain = try entries(lines.joined(separator: "\n") + "\n")
            var text = rng.below(2) == 0 ? "\u{FEFF}" : ""
            for (i, l) in lines.enumerated() {
                let pad = [" ", "\t", "", "  \t"]
                let dressed =
                    l.isEmpty ? pad[rng.below(pad.count)] : pad[rng.below(pad.count)] + l + pad[rng.below(2) + 2]
                text += dressed
                // A CR right before an empty line ended by LF would make one CRLF: not what an editor writes.
                var end = ends[rng.below(ends.count)]
                if end == "\r" && i + 1 < lines.count && lines[i + 1].isEmpty { end = "\r\n" }
                if i < lines.count - 1 || rng.below(2) == 0 { text += end }
            }
            #expect(try entries(text) == plain, "\(text.debugDescription)")
        }
    }
}
