import Foundation

/// The one reader for the list files an operator edits by hand (`valid_addresses`, `protected`,
/// and any list added later): whatever editor or system saved the file, it is read as written.
///
/// Accepted:
/// - line ends LF, CRLF or CR alone, mixed in one file; the last line needs no line end;
/// - a UTF-8 byte-order mark at the start of the file (or of a line, as `cat` of two such files
///   leaves it);
/// - blank lines, and spaces and tabs around an entry;
/// - `#` comments: a whole line, or the rest of a line after a space or tab. A `#` anywhere else
///   belongs to the entry: it is legal in a local part (`team#1@example.org`);
/// - a leading `<` and a trailing `>` around the entry, dropped as spamd's `dequotetolower` drops
///   them from greylist addresses.
///
/// Refused with a `ConfigError` naming the file and line: an entry that is not UTF-8 or holds a
/// control byte, a space, a tab, or another white-space or invisible (format) character. Comments
/// are not checked: a Latin-1 comment is harmless. The file itself missing, a folder or unreadable
/// is a `ConfigError` naming it.
enum OperatorListFile {
    /// How many out-of-domain entries a warning names before "and N more".
    static let warningExamples = 3

    /// Reads the list at `path`; `what` names it in messages ("the valid-address list").
    static func read(_ path: String, what: String) throws -> [OperatorListEntry] {
        try entries(in: contents(path, what: what), file: path)
    }

    /// The bytes of the list at `path`; `what` names it in messages ("the valid-address list").
    static func contents(_ path: String, what: String) throws -> [UInt8] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ConfigError(file: path, "the \(what) does not exist")
        }
        guard !isFolder.boolValue else {
            throw ConfigError(file: path, "the \(what) is a folder, not a file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, "the \(what) cannot be read; check its permissions")
        }
        return [UInt8](data)
    }

    /// The entries of a list file's bytes, in file order; `file` names it in errors.
    static func entries(in bytes: [UInt8], file: String) throws -> [OperatorListEntry] {
        try lines(bytes).compactMap { try entry(in: $0.bytes, number: $0.number, file: file) }
    }

    /// The entry of line `number` (its bytes without line end and BOM, as `lines` gives them),
    /// or nil when the line is blank or a comment; `file` names it in errors.
    static func entry(in line: ArraySlice<UInt8>, number: Int, file: String) throws -> OperatorListEntry? {
        var s = withoutComment(line)
        s = trimmed(s)
        if s.isEmpty { return nil }
        // Messages about the bytes show the entry as written, brackets and all.
        let writtenBytes = s
        var written: String { visible(String(decoding: writtenBytes, as: UTF8.self)) }
        if s.first == UInt8(ascii: "<") { s = s.dropFirst() }
        if s.last == UInt8(ascii: ">") { s = s.dropLast() }
        s = trimmed(s)
        guard !s.isEmpty else {
            throw ConfigError(file: file, line: number, "'\(written)' is an empty entry")
        }
        let text = String(decoding: s, as: UTF8.self)
        // Decoding repairs invalid UTF-8 with U+FFFD; a repaired entry does not encode back.
        guard text.utf8.elementsEqual(s) else {
            throw ConfigError(
                file: file, line: number,
                "'\(written)' is not UTF-8 (saved in Latin-1 or another 8-bit code page?); save the file as UTF-8"
            )
        }
        if let problem = hiddenCharacter(in: text) {
            throw ConfigError(file: file, line: number, "'\(written)' holds \(problem)")
        }
        // Most entries are lower-case already: the key then shares the text's storage.
        let lower = !text.utf8.contains { $0 >= 0x41 && $0 <= 0x5A }
        return OperatorListEntry(line: number, text: text, key: lower ? text : AddressBook.lower(text))
    }

    /// The lines of `bytes`, numbered from 1, without their line ends (LF, CRLF or CR) and
    /// without a UTF-8 byte-order mark at their start.
    static func lines(_ bytes: [UInt8]) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
        var out: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b == 0x0A || b == 0x0D else {
                i += 1
                continue
            }
            out.append((out.count + 1, withoutBOM(bytes[start..<i])))
            i += b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A ? 2 : 1
            start = i
        }
        if start < bytes.count { out.append((out.count + 1, withoutBOM(bytes[start...]))) }
        return out
    }

    /// `s` without spaces and tabs at either end.
    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let b = s.first, b == 0x20 || b == 0x09 { s = s.dropFirst() }
        while let b = s.last, b == 0x20 || b == 0x09 { s = s.dropLast() }
        return s
    }

    /// One warning for the entries whose domain is none of the configured ones (they can never
    /// match a greylisted address), naming how many (`outside`) and the first few (`examples`,
    /// in file order) with their lines; nil when there are none.
    static func outsideDomainsWarning(
        file: String, outside: Int, examples: [OperatorListEntry], of total: Int, domains: [String]
    ) -> String? {
        guard outside > 0 else { return nil }
        let named = examples.prefix(warningExamples).map { "line \($0.line) '\(visible($0.text))'" }
        let more = outside > warningExamples ? " and \(outside - warningExamples) more" : ""
        let verb = outside == 1 ? "is" : "are"
        return
            "\(file): \(outside) of \(total) entries \(verb) in none of the configured domains (\(domains.joined(separator: ", "))) and can never match: \(named.joined(separator: ", "))\(more)"
    }

    private static func withoutBOM(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        s.starts(with: [0xEF, 0xBB, 0xBF]) ? s.dropFirst(3) : s
    }

    /// `line` up to a `#` that starts it or follows a space or tab.
    private static func withoutComment(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var previous: UInt8 = 0x20
        for i in line.indices {
            let b = line[i]
            if b == UInt8(ascii: "#") && (previous == 0x20 || previous == 0x09) { return line[..<i] }
            previous = b
        }
        return line
    }

    /// What in `text` cannot be part of an entry: white space, control or invisible characters.
    private static func hiddenCharacter(in text: String) -> String? {
        // Printable ASCII (nearly every entry) holds none: no scalar walk.
        if text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return nil }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x20: return "a space: one entry per line, and a comment starts with '#' after a space"
            case 0x09: return "a tab: one entry per line, and a comment starts with '#' after a space or tab"
            case 0x00..<0x20, 0x7F...0x9F: return "the control byte \(hex(scalar.value, digits: 2))"
            case 0x21..<0x7F: continue
            default:
                if scalar.properties.isWhitespace || scalar.properties.generalCategory == .format {
                    return "U+\(hex(scalar.value, digits: 4).dropFirst(2)), an invisible or white-space character"
                }
            }
        }
        return nil
    }

    /// `text` with control, white-space (other than space) and invisible characters as `\u{…}`,
    /// for messages.
    static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let hidden =
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || (scalar.value != 0x20
                    && (scalar.properties.isWhitespace || scalar.properties.generalCategory == .format))
            out += hidden ? "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" : String(scalar)
        }
        return out
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let h = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, digits - h.count)) + h
    }
}
