import Foundation
import Testing

@testable import TrapkeeperCore

/// The valid-address list and the protected list are read as the operator wrote them, whatever
/// editor or system saved them: the classifier's decisions do not depend on line ends, a BOM,
/// brackets, spaces around entries or case.
@Suite struct AddressBookTests {
    static let domains = ["bsdly.com", "bsdly.net", "catchall.example"]

    /// One way of saving a list file.
    struct Style: Sendable, CustomTestStringConvertible {
        var lineEnd: String
        var bom: Bool
        var finalNewline: Bool
        var brackets: Bool
        var padding: Bool
        var upperCase: Bool

        var testDescription: String {
            let end = ["\n": "LF", "\r\n": "CRLF", "\r": "CR", "mixed": "mixed"][lineEnd] ?? lineEnd
            return [
                end, bom ? "BOM" : nil, finalNewline ? nil : "no final newline", brackets ? "<…>" : nil,
                padding ? "padded" : nil, upperCase ? "UPPER" : nil,
            ].compactMap { $0 }.joined(separator: ", ")
        }

        /// Every combination: 4 line-end styles × BOM × final newline × brackets × padding × case.
        static let all: [Style] = {
            var out: [Style] = []
            for lineEnd in ["\n", "\r\n", "\r", "mixed"] {
                for bom in [false, true] {
                    for finalNewline in [true, false] {
                        for brackets in [false, true] {
                            for padding in [false, true] {
                                for upperCase in [false, true] {
                                    out.append(
                                        Style(
                                            lineEnd: lineEnd, bom: bom, finalNewline: finalNewline,
                                            brackets: brackets, padding: padding, upperCase: upperCase))
                                }
                            }
                        }
                    }
                }
            }
            return out
        }()

        /// `lines` as a file: entries (lines not starting with `#` and not blank) dressed up.
        func file(_ lines: [String]) -> [UInt8] {
            let ends = lineEnd == "mixed" ? ["\r\n", "\n", "\r"] : [lineEnd]
            var text = bom ? "\u{FEFF}" : ""
            for (i, line) in lines.enumerated() {
                var l = line
                if !l.isEmpty && !l.hasPrefix("#") {
                    if upperCase {
                        // The entry before a trailing comment is upper-cased, the comment kept.
                        let parts = l.components(separatedBy: " #")
                        l = parts[0].uppercased() + (parts.count > 1 ? " #" + parts[1...].joined(separator: " #") : "")
                    }
                    if brackets {
                        let parts = l.components(separatedBy: " #")
                        l = "<" + parts[0] + ">" + (parts.count > 1 ? " #" + parts[1...].joined(separator: " #") : "")
                    }
                    if padding { l = " \t " + l + "\t  " }
                }
                text += l
                if i < lines.count - 1 || finalNewline { text += ends[i % ends.count] }
            }
            return Array(text.utf8)
        }
    }

    static let validLines = [
        "# staff",
        "peter@bsdly.com",
        "",
        "alice@bsdly.net # front desk",
        "team#1@bsdly.com",
        "*@catchall.example",
    ]

    static let protectedLines = [
        "# roles of our own",
        "billing",
        "legal@bsdly.com",
        "",
        "ops # on-call rota",
    ]

    func load(valid: [UInt8], protected: [UInt8]? = nil, in dir: TempDir) throws -> AddressBook {
        let v = dir.write("valid.txt", bytes: valid)
        let p = protected.map { dir.write("protected.txt", bytes: $0) }
        return try AddressBook.load(validFile: v, protectedFile: p, domains: Self.domains, delimiters: "+")
    }

    func classifier(_ book: AddressBook) -> Classifier {
        Classifier(domains: Self.domains, book: book, probeWindowDays: 7, harvestSenders: false)
    }

    func isValid(_ c: Classifier, _ address: String) -> Bool {
        if case .valid = c.classify(address: address) { return true }
        return false
    }

    func isProtected(_ c: Classifier, _ address: String) -> Bool {
        if case .protected = c.classify(address: address) { return true }
        return false
    }

    func isUnknown(_ c: Classifier, _ address: String) -> Bool {
        if case .unknown = c.classify(address: address) { return true }
        return false
    }

    @Test(arguments: Style.all)
    func validListIsReadAsWritten(style: Style) throws {
        let dir = TempDir()
        let book = try load(valid: style.file(Self.validLines), in: dir)
        let c = classifier(book)
        #expect(book.validCount == 4, "\(book.valid) \(book.catchAll)")
        #expect(isValid(c, "peter@bsdly.com"))
        #expect(isValid(c, "alice@bsdly.net"))
        #expect(isValid(c, "alice+news@bsdly.net"))
        #expect(isValid(c, "team#1@bsdly.com"))
        #expect(isValid(c, "anyone@catchall.example"))
        #expect(isUnknown(c, "stranger@bsdly.com"))
        // Line numbers are the editor's, whatever the line ends.
        #expect(book.valid["peter@bsdly.com"] == "valid.txt:2")
        #expect(book.valid["alice@bsdly.net"] == "valid.txt:4")
        #expect(book.catchAll["catchall.example"] == "valid.txt:6")
        #expect(book.warnings.isEmpty, "\(book.warnings)")
    }

    @Test(arguments: Style.all)
    func protectedListIsReadAsWritten(style: Style) throws {
        let dir = TempDir()
        let book = try load(
            valid: Array("peter@bsdly.com\n".utf8), protected: style.file(Self.protectedLines), in: dir)
        let c = classifier(book)
        #expect(isProtected(c, "billing@bsdly.com"))
        #expect(isProtected(c, "billing@bsdly.net"))
        #expect(isProtected(c, "legal@bsdly.com"))
        #expect(isUnknown(c, "legal@bsdly.net"))
        #expect(isProtected(c, "ops@bsdly.net"))
        #expect(isProtected(c, "ops+pager@bsdly.net"))
        #expect(isProtected(c, "postmaster@bsdly.com"))
        #expect(isValid(c, "peter@bsdly.com"))
        #expect(book.protectedLocalParts["billing"] == "protected.txt:2")
        #expect(book.protectedAddresses["legal@bsdly.com"] == "protected.txt:3")
        #expect(book.protectedLocalParts["ops"] == "protected.txt:5")
        #expect(book.warnings.isEmpty, "\(book.warnings)")
    }

    /// An entry that cannot be what the list holds, on line 3 of a CRLF file.
    struct BadEntry: Sendable, CustomTestStringConvertible {
        let bytes: [UInt8]
        let why: String
        var testDescription: String { String(decoding: bytes, as: UTF8.self).debugDescription }

        init(_ text: String, _ why: String) {
            bytes = Array(text.utf8)
            self.why = why
        }

        init(bytes: [UInt8], _ why: String) {
            self.bytes = bytes
            self.why = why
        }
    }

    static let badValidEntries: [BadEntry] = [
        BadEntry("peter hansteen@bsdly.com", "space"),
        BadEntry("Peter Hansteen <peter@bsdly.com>", "space"),
        BadEntry("peter\t@bsdly.com", "tab"),
        BadEntry("peter", "no '@'"),
        BadEntry("@bsdly.com", "empty local part"),
        BadEntry("peter@", "empty domain"),
        BadEntry("<>", "empty"),
        BadEntry("peter@bsdly.com@bsdly.com", "more than one '@'"),
        BadEntry("peter@@bsdly.com", "more than one '@'"),
        BadEntry("peter,paul@bsdly.com", "','"),
        BadEntry("peter@bsdly.com,", "','"),
        BadEntry("peter@bsdly.com#note", "'#'"),
        BadEntry("peter@bsdly..com", "empty label"),
        BadEntry("peter@.bsdly.com", "empty label"),
        BadEntry("pe\u{0}ter@bsdly.com", "control"),
        BadEntry("peter@bsdly.com\u{7F}", "control"),
        BadEntry("peter\u{0C}@bsdly.com", "control"),
        BadEntry("peter\u{A0}@bsdly.com", "U+00A0"),
        BadEntry("pe\u{200B}ter@bsdly.com", "U+200B"),
        BadEntry(bytes: [0x70, 0xE9, 0x74, 0x65, 0x72, 0x40, 0x62, 0x2E, 0x63, 0x6F, 0x6D], "not UTF-8"),
    ]

    @Test(arguments: badValidEntries)
    func aBadValidEntryNamesFileAndLine(entry: BadEntry) throws {
        let dir = TempDir()
        let path = dir.write(
            "valid.txt", bytes: Array("alice@bsdly.com\r\n# next one is wrong\r\n".utf8) + entry.bytes + [13, 10])
        do {
            _ = try AddressBook.load(validFile: path, protectedFile: nil, domains: Self.domains, delimiters: "+")
            Issue.record("\(entry.testDescription) must be refused")
        } catch let e as ConfigError {
            #expect(e.file == path)
            #expect(e.line == 3, "\(e)")
            #expect(e.description.hasPrefix("\(path):3: "), "\(e)")
            #expect(e.message.contains(entry.why), "\(e)")
        }
    }

    static let badProtectedEntries: [BadEntry] = [
        BadEntry("*@bsdly.com", "catch-all"),
        BadEntry("*", "catch-all"),
        BadEntry("bill ing", "space"),
        BadEntry("@bsdly.com", "empty local part"),
        BadEntry("legal@", "empty domain"),
        BadEntry("legal@x@bsdly.com", "more than one '@'"),
        BadEntry("le\u{1}gal", "control"),
        BadEntry("legal@bsdly.com;", "';'"),
        BadEntry(bytes: [0x6C, 0xE9, 0x67, 0x61, 0x6C], "not UTF-8"),
    ]

    @Test(arguments: badProtectedEntries)
    func aBadProtectedEntryNamesFileAndLine(entry: BadEntry) throws {
        let dir = TempDir()
        let valid = dir.write("valid.txt", "alice@bsdly.com\n")
        let path = dir.write("protected.txt", bytes: Array("billing\r\n# next one is wrong\r\n".utf8) + entry.bytes)
        do {
            _ = try AddressBook.load(validFile: valid, protectedFile: path, domains: Self.domains, delimiters: "+")
            Issue.record("\(entry.testDescription) must be refused")
        } catch let e as ConfigError {
            #expect(e.file == path)
            #expect(e.line == 3, "\(e)")
            #expect(e.description.hasPrefix("\(path):3: "), "\(e)")
            #expect(e.message.contains(entry.why), "\(e)")
        }
    }

    /// Legal but unusual entries stay accepted.
    @Test func unusualButLegalEntries() throws {
        let dir = TempDir()
        let book = try load(
            valid: Array(
                "o'brien@bsdly.com\nx.y-z_{a}|b~c=d?e^f`g!h$i%j&k/l@bsdly.com\n\"odd@quoted\"@bsdly.com\nunicode@[192.0.2.1]\n"
                    .utf8) + Array("jörg@bsdly.com\npeter@xn--bsdly-example.com\n".utf8),
            protected: Array("hostmaster-2\n".utf8), in: dir)
        let c = classifier(book)
        #expect(isValid(c, "o'brien@bsdly.com"))
        #expect(isValid(c, "x.y-z_{a}|b~c=d?e^f`g!h$i%j&k/l@bsdly.com"))
        #expect(isValid(c, "\"odd@quoted\"@bsdly.com"))
        #expect(isValid(c, "jörg@bsdly.com"))
        #expect(isProtected(c, "hostmaster-2@bsdly.com"))
    }

    @Test func entriesOutsideTheDomainsAreWarnedAboutOncePerFile() throws {
        let dir = TempDir()
        let valid = [
            "peter@bsdly.com", "peter@example.org", "# c", "alice@bsdly.net", "bob@example.org",
            "carol@sub.bsdly.com", "*@example.net", "dave@example.org",
        ].joined(separator: "\r\n")
        let protected = "billing\r\nlegal@example.org\r\nlegal@bsdly.com\r\nsales@example.org\r\n"
        let book = try load(valid: Array(valid.utf8), protected: Array(protected.utf8), in: dir)
        #expect(book.warnings.count == 2, "\(book.warnings)")
        let v = book.warnings.first { $0.contains(dir.file("valid.txt")) } ?? ""
        #expect(v.contains("5 of 7 entries"), "\(v)")
        #expect(v.contains("line 2 'peter@example.org'"), "\(v)")
        #expect(v.contains("line 5 'bob@example.org'"), "\(v)")
        #expect(v.contains("line 6 'carol@sub.bsdly.com'"), "\(v)")
        #expect(!v.contains("dave@example.org"), "only the first few: \(v)")
        #expect(v.contains("and 2 more"), "\(v)")
        let p = book.warnings.first { $0.contains(dir.file("protected.txt")) } ?? ""
        #expect(p.contains("2 of 4 entries"), "\(p)")
        #expect(p.contains("line 2 'legal@example.org'"), "\(p)")
        #expect(p.contains("line 4 'sales@example.org'"), "\(p)")
        // Still loaded: a warning, not a refusal.
        #expect(book.valid["peter@example.org"] != nil)
    }

    @Test func theProtectedFileIsGuardedLikeTheValidList() throws {
        let dir = TempDir()
        let valid = dir.write("valid.txt", "peter@bsdly.com\n")
        let missing = dir.file("no-such-protected.txt")
        do {
            _ = try AddressBook.load(validFile: valid, protectedFile: missing, domains: Self.domains, delimiters: "")
            Issue.record("a missing protected file must be an error")
        } catch let e as ConfigError {
            #expect(e.file == missing)
            #expect(e.message.contains("protected list"), "\(e)")
        }
        try FileManager.default.createDirectory(atPath: dir.file("folder"), withIntermediateDirectories: false)
        for path in [dir.file("folder")] {
            do {
                _ = try AddressBook.load(validFile: valid, protectedFile: path, domains: Self.domains, delimiters: "")
                Issue.record("a folder is not a protected list")
            } catch let e as ConfigError {
                #expect(e.file == path)
                #expect(e.message.contains("folder"), "\(e)")
            }
            do {
                _ = try AddressBook.load(validFile: path, protectedFile: nil, domains: Self.domains, delimiters: "")
                Issue.record("a folder is not a valid list")
            } catch let e as ConfigError {
                #expect(e.file == path)
                #expect(e.message.contains("folder"), "\(e)")
            }
        }
        // Empty, or nothing but a BOM, blank lines and comments: fine, the built-in names stay.
        for text in ["", "\u{FEFF}", "\r\n\r\n", "# none yet\r"] {
            let p = dir.write("protected.txt", text)
            let book = try AddressBook.load(validFile: valid, protectedFile: p, domains: Self.domains, delimiters: "")
            #expect(isProtected(classifier(book), "abuse@bsdly.com"))
            #expect(book.protectedAddresses.isEmpty)
        }
    }

    @Test func aValidListOfOnlyBlankLinesAndCommentsIsRefusedWhateverTheLineEnds() throws {
        let dir = TempDir()
        for text in ["\u{FEFF}\r\n", "# nobody\r\n\r\n", "# nobody\r# still nobody\r", "<>\n"] {
            let path = dir.write("valid.txt", text)
            do {
                _ = try AddressBook.load(validFile: path, protectedFile: nil, domains: Self.domains, delimiters: "")
                Issue.record("\(text.debugDescription) must be refused")
            } catch let e as ConfigError {
                #expect(e.file == path)
            }
        }
    }
}
