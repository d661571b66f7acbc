import Foundation
import Testing

@testable import TrapkeeperCore

/// The quick reader of the valid-address list (`ValidList.readQuickly`, what `AddressBook.load`
/// uses) against its definition (`ValidList.read`: `OperatorListFile.entries`, then
/// `OperatorListEntry.shape` entry by entry): the same book, warnings and errors for any file.
@Suite struct ValidListTests {
    /// Configured domains: lower-cased by `load`, one with an A-label.
    static let domains = ["bsdly.com", "BSDLY.net", "xn--bcher-kva.example"]

    /// What a load gives, in a form two loads can be compared in: the error's text, or every
    /// fact of the book the valid list decides.
    struct Outcome: Equatable, CustomStringConvertible {
        var error: String?
        var valid: [String: String] = [:]
        var catchAll: [String: String] = [:]
        var warnings: [String] = []
        var validCount = 0
        var validInOurDomains = 0

        var description: String {
            if let error { return "error: \(error)" }
            return "valid \(valid.sorted { $0.key < $1.key }), catch-all \(catchAll), warnings \(warnings), "
                + "count \(validCount), ours \(validInOurDomains)"
        }
    }

    /// Every address with its origin.
    static func origins(_ valid: ValidAddresses) -> [String: String] {
        var out: [String: String] = [:]
        for key in valid.keys { out[key] = valid[key] }
        return out
    }

    /// `AddressBook.load` of a valid list (`valid.txt`) holding `bytes`.
    func outcome(_ bytes: [UInt8], quickly: Bool) -> Outcome {
        do {
            let book = try AddressBook.load(
                validFile: "lists/valid.txt", bytes: bytes, protectedFile: nil, domains: Self.domains,
                delimiters: "+", quickly: quickly)
            return Outcome(
                valid: Self.origins(book.valid), catchAll: book.catchAll, warnings: book.warnings,
                validCount: book.validCount,
                validInOurDomains: book.validInOurDomains)
        } catch {
            return Outcome(error: "\(type(of: error)): \(error)")
        }
    }

    /// Pieces random list files are made of: the usual, and every kind of slip the reader knows.
    enum Pieces {
        /// Local parts the list takes.
        static let locals = [
            "peter", "alice", "Bob", "CAROL", "d.e.f", "team#1", "o'brien", "a+b", "x_y-z", "\"q@x\"", "jörg",
            "J\u{D6}RG", "{a}|b~c", "a.*", "**",
        ]
        /// Domains the list takes: ours in any case or IDNA form, others, an address literal.
        static let domains = [
            "bsdly.com", "bsdly.net", "BSDLY.COM", "Bsdly.Net", "example.org", "sub.bsdly.com", "bücher.example",
            "B\u{DC}CHER.example", "xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE", "[192.0.2.1]", "a_b.bsdly.com",
            "xn--zz.example",
        ]
        static let badLocals = ["*", "\"\"", "pe ter", "pe\tter", "a,b", "a(b)", "", "a@b", "x..y"]
        static let badDomains = [
            "[1.2]3]", "[]", "bsdly..com", ".bsdly.com", "bsdly.com.", "", "bsdly.com#x", "bsd;ly.com",
        ]
        /// Bytes that turn up in hand-edited files, not all of them UTF-8.
        static let odd: [[UInt8]] = [
            [0xE9], [0xC3, 0xA9], [0x00], [0x01], [0x0C], [0x7F], [0xC2, 0xA0], [0xE2, 0x80, 0x8B],
            [0xEF, 0xBB, 0xBF], [0x20], [0x09], Array("#".utf8), Array("<".utf8), Array(">".utf8),
            Array("@".utf8), [0xC2, 0x85],
        ]
        static let comments = ["# note", "#", "#\u{E9}t\u{E9}", "# a@b.c"]
        static let ends: [[UInt8]] = [[0x0A], [0x0D, 0x0A], [0x0D]]
    }

    /// A random list file: entries mostly of the usual shapes, dressed (`<…>`, spaces, tabs,
    /// comments, BOMs) and repeated, about one line in twelve wrong in some way, with mixed line ends.
    static func randomList(_ rng: inout SeededRandom) -> [UInt8] {
        func pick<T>(_ a: [T]) -> T { a[rng.below(a.count)] }
        var written: [[UInt8]] = []
        var out: [UInt8] = rng.below(4) == 0 ? [0xEF, 0xBB, 0xBF] : []
        let count = 1 + rng.below(14)
        for i in 0..<count {
            var line: [UInt8]
            if rng.below(12) == 0 {
                // Something wrong, or nearly.
                switch rng.below(7) {
                case 0: line = Array("\(pick(Pieces.locals + Pieces.badLocals))".utf8)  // no '@'
                case 1: line = Array("@\(pick(Pieces.domains))".utf8) + (rng.below(2) == 0 ? Array("@".utf8) : [])
                case 2: line = [UInt8(ascii: "<"), UInt8(ascii: ">")]
                case 3: line = Array("\(pick(Pieces.badLocals))@\(pick(Pieces.domains))".utf8)
                case 4: line = Array("\(pick(Pieces.locals))@\(pick(Pieces.badDomains))".utf8)
                case 5: line = Array("\(pick(Pieces.locals))@\(pick(Pieces.domains))@bsdly.com".utf8)
                default:
                    line = Array("\(pick(Pieces.locals))@\(pick(Pieces.domains))".utf8)
                    line.insert(contentsOf: pick(Pieces.odd), at: rng.below(line.count + 1))
                }
            } else {
                switch rng.below(20) {
                case 0: line = Array(pick(Pieces.comments).utf8)
                case 1: line = []
                case 2: line = Array("  \t".utf8.prefix(rng.below(4)))
                case 3 where !written.isEmpty, 4 where !written.isEmpty: line = pick(written)  // a duplicate
                case 5: line = Array("*@\(pick(Pieces.domains))".utf8)
                default:
                    let local = rng.below(3) == 0 ? pick(Pieces.locals) : "user\(rng.below(40))"
                    let domain = rng.below(3) == 0 ? pick(Pieces.domains) : pick(Array(Pieces.domains.prefix(4)))
                    line = Array("\(local)@\(domain)".utf8)
                }
            }
            if !line.isEmpty && rng.below(6) == 0 {
                switch rng.below(3) {
                case 0: line = [UInt8(ascii: "<")] + line + [UInt8(ascii: ">")]
                case 1: line = [UInt8(ascii: "<")] + line
                default: line += [UInt8(ascii: ">")]
                }
            }
            written.append(line)
            if rng.below(5) == 0 { line = Array(pick([" ", "\t", "  \t"]).utf8) + line }
            if rng.below(5) == 0 { line += Array(pick([" ", "\t", "\t "]).utf8) }
            if rng.below(6) == 0 { line += Array(pick([" ", "\t", ""]).utf8) + Array(pick(Pieces.comments).utf8) }
            if rng.below(25) == 0 { line = [0xEF, 0xBB, 0xBF] + line }
            out += line
            if i < count - 1 || rng.below(3) > 0 { out += pick(Pieces.ends) }
        }
        return out
    }

    @Test func theQuickReaderGivesWhatThePlainOneGivesForRandomFiles() throws {
        var rng = SeededRandom(seed: 0x5_1157)
        let ours = Set(Self.domains.map(AddressBook.lower))
        var loaded = 0
        var refused = 0
        var entries = 0
        var plainLines = 0
        for _ in 0..<20_000 {
            let bytes = Self.randomList(&rng)
            let plain = outcome(bytes, quickly: false)
            let quick = outcome(bytes, quickly: true)
            #expect(quick == plain, "\(String(decoding: bytes, as: UTF8.self).debugDescription) \(bytes)")
            if quick != plain { return }
            if plain.error == nil { loaded += 1 } else { refused += 1 }
            if let list = try? ValidList.readQuickly(bytes, file: "valid.txt", ours: ours) {
                entries += list.entryCount
                plainLines += list.linesReadThePlainWay
            }
        }
        // Both kinds of outcome, and both ways of reading a line (counted in the files that load),
        // come up often enough to mean something.
        #expect(loaded > 5000 && refused > 5000, "\(loaded) loaded, \(refused) refused")
        #expect(entries - plainLines > 20_000 && plainLines > 5_000, "\(entries) entries, \(plainLines) the plain way")
    }

    /// Each kind of line the quick reader must leave to the plain way, alone in a file, and
    /// after a good line and before one with a byte-level refusal (which wins: the plain reader
    /// reads every line before it looks at a shape).
    @Test(arguments: [
        "peter", "@bsdly.com", "peter@", "peter@bsdly..com", "peter@.bsdly.com", "peter@bsdly.com.",
        "a@b@bsdly.com", "\"a@b\"@bsdly.com", "*@bsdly.com", "*@Bsdly.COM", "<>", "<", ">", "peter@[192.0.2.1]",
        "peter@bsdly.com#x", "pe,ter@bsdly.com", "jörg@bsdly.com", "anna@bücher.example", "anna@B\u{DC}CHER.example",
        "peter@example.org", "peter@bsdly.com peter@bsdly.net", "*", "**@bsdly.com", "a.*@bsdly.com",
    ])
    func linesLeftToThePlainWayReadAsThePlainReaderReadsThem(line: String) throws {
        let files: [[UInt8]] = [
            Array(line.utf8),
            Array("Alice@bsdly.com\r\n\(line)\r\n".utf8),
            Array("alice@bsdly.com\n\(line)\nbob@bsdly.com\n".utf8) + [0x62, 0xF6, 0x62, 0x40, 0x62, 0x2E, 0x63],
        ]
        for bytes in files {
            #expect(outcome(bytes, quickly: true) == outcome(bytes, quickly: false), "\(bytes)")
        }
    }

    /// The cost bound: the lines of a real list (addresses, any case, `<…>`, comments, blank
    /// lines, CRLF) never take the plain way, whose Strings per line cost ten times as much.
    @Test func theUsualLinesAreDecidedTheQuickWay() throws {
        var text = "\u{FEFF}# staff\r\n\r\n"
        for i in 0..<2000 {
            let local = ["peter", "Alice.Smith", "o'brien", "team#\(i % 7)", "x+y", "A_B-c"][i % 6]
            let domain = ["bsdly.com", "BSDLY.net", "example.org"][i % 3]
            let entry = i % 5 == 0 ? "<\(local)\(i)@\(domain)>" : "\(local)\(i)@\(domain)"
            text += i % 4 == 0 ? "  \(entry)\t# desk \(i)\r\n" : "\(entry)\n"
        }
        let bytes = Array(text.utf8)
        let ours = Set(Self.domains.map(AddressBook.lower))
        let quick = try ValidList.readQuickly(bytes, file: "valid.txt", ours: ours)
        #expect(quick.linesReadThePlainWay == 0)
        #expect(quick.entryCount == 2000)
        let plain = try ValidList.read(bytes, file: "valid.txt", ours: ours)
        #expect(Self.origins(quick.addresses) == Self.origins(plain.addresses))
        #expect(quick.addresses.count == 2000)
        #expect(quick.outsideCount == plain.outsideCount && quick.outsideCount == 666)
        #expect(quick.outsideExamples == plain.outsideExamples)
    }

    /// What `read` and `readQuickly` make of a list, as a value: the error's text, or every
    /// fact of the list (addresses with their lines, catch-alls, counts, the outside examples).
    struct ReadOutcome: Equatable {
        var error: String?
        var valid: [String: String] = [:]
        var catchAll: [String: String] = [:]
        var entries = 0
        var outside = 0
        var outsideExamples: [OperatorListEntry] = []
    }

    static func readOutcome(_ bytes: [UInt8], quickly: Bool) -> ReadOutcome {
        let ours = Set(domains.map(AddressBook.lower))
        do {
            let list =
                try quickly
                ? ValidList.readQuickly(bytes, file: "lists/valid.txt", ours: ours)
                : ValidList.read(bytes, file: "lists/valid.txt", ours: ours)
            return ReadOutcome(
                valid: origins(list.addresses), catchAll: list.catchAll, entries: list.entryCount,
                outside: list.outsideCount, outsideExamples: list.outsideExamples)
        } catch {
            return ReadOutcome(error: "\(error)")
        }
    }

    /// Byte soup: files made of any mix of the pieces an editor, a tool or a slip leaves (line
    /// ends of every kind and none at the end, BOMs anywhere, NUL, Latin-1 and cut UTF-8 bytes,
    /// control and invisible characters, `<`, `>`, `#`, `*`, quotes, brackets, IDN and `xn--`
    /// forms, combining accents, characters that decompose to ASCII): both readers give the
    /// same list or the same error, file and line.
    @Test func theQuickReaderGivesWhatThePlainOneGivesForByteSoup() {
        let pieces: [[UInt8]] =
            [
                "peter", "Alice", "a", "Z", "9", "@", "@", "@", ".", ".", "bsdly.com", "BSDLY.NET",
                "xn--bcher-kva.example", "xn--", "b\u{FC}cher.example", "<", ">", "#", " ", "\t", "\r", "\n", "\r\n",
                "\u{FEFF}", "\u{0}", "\u{E9}", "*", "\"", "[", "]", "+", "-", "_", "~", ",", "\u{7F}", "\u{C}",
                "\u{200B}", "\u{A0}", "\u{85}", "e\u{301}", "\u{212A}", "\u{37E}",
            ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xE9]]
        let locals = Array(pieces[0..<5])
        let domains = Array(pieces[10..<15])
        var rng = SeededRandom(seed: 0xB17E_500B)
        var loaded = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<rng.below(8) {
                // A line of soup, or an address with soup around and inside it now and then.
                func soup(_ n: Int) -> [UInt8] { (0..<rng.below(n)).flatMap { _ in pieces[rng.below(pieces.count)] } }
                if rng.below(3) == 0 {
                    bytes += soup(8)
                } else {
                    bytes += rng.below(3) == 0 ? soup(3) : []
                    bytes += locals[rng.below(locals.count)] + (rng.below(4) == 0 ? soup(3) : [])
                    bytes += Array("@".utf8) + domains[rng.below(domains.count)]
                    bytes += rng.below(3) == 0 ? soup(3) : []
                }
                bytes += [[0x0A], [0x0D], [0x0D, 0x0A]][rng.below(3)]
            }
            if rng.below(2) == 0 && !bytes.isEmpty { bytes.removeLast() }
            let plain = Self.readOutcome(bytes, quickly: false)
            let quick = Self.readOutcome(bytes, quickly: true)
            #expect(quick == plain, "\(bytes)")
            if quick != plain { return }
            if plain.error == nil && plain.entries > 0 { loaded += 1 }
        }
        #expect(loaded > 2000, "\(loaded) files with entries")
    }

    /// A list with one wrong line among good ones, comments and blank lines, with LF, CRLF and
    /// CR line ends (mixed), BOMs and no line end at the end: both readers name the line an
    /// editor shows it on.
    @Test func aWrongLineIsNamedByTheLineAnEditorShows() {
        let good = [
            "peter@bsdly.com", "\t", "# staff", "  ", "<A@BSDLY.COM>", "x@bsdly.com # caf\u{E9}", "*@bsdly.net",
        ]
        let wrong = [
            "a b@bsdly.com", "x@bsdly..com", "*@", "caf\u{E9}@bsdly.com\u{200B}", "<>", "a@b@bsdly.com", "x@bsdly.com#",
            "peter",
        ]
        let ends: [[UInt8]] = [[0x0A], [0x0D], [0x0D, 0x0A]]
        var rng = SeededRandom(seed: 0x11_4E5)
        for _ in 0..<5_000 {
            var bytes: [UInt8] = rng.below(3) == 0 ? [0xEF, 0xBB, 0xBF] : []
            let count = 1 + rng.below(12)
            let wrongAt = rng.below(count)
            var editorLine = 1
            var wrongLine = 0
            for i in 0..<count {
                var line = i == wrongAt ? wrong[rng.below(wrong.count)] : good[rng.below(good.count)]
                if i == wrongAt { wrongLine = editorLine }
                if i > 0 && rng.below(8) == 0 { line = "\u{FEFF}" + line }  // `cat` of two files saved with a BOM
                bytes += Array(line.utf8)
                if i < count - 1 || rng.below(2) == 0 {
                    bytes += ends[rng.below(ends.count)]
                    editorLine += 1
                }
            }
            for quickly in [false, true] {
                let error = Self.readOutcome(bytes, quickly: quickly).error ?? "no error"
                #expect(error.hasPrefix("lists/valid.txt:\(wrongLine): "), "\(error) \(bytes)")
            }
        }
    }
}
