import CScan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ValidList {
    /// `read`'s fast twin: for the same bytes, the same addresses, catch-alls, counts and
    /// examples, or the same error. What `AddressBook.load` uses: a 100 000-line list is read
    /// without a String per line.
    ///
    /// Lines are split as `OperatorListFile.lines` splits them (LF, CRLF or CR; a BOM at a line's
    /// start dropped). A line is decided here from its bytes when it is one of:
    /// - blank (spaces and tabs only), or a comment (`#` after them);
    /// - an address: spaces and tabs, the entry, then nothing or spaces and tabs and a `#`
    ///   comment. The entry is printable ASCII (0x21...0x7E, so no space), optionally in `<…>`,
    ///   `local@domain` with the local part unquoted, not `*`, of letters, digits and
    ///   ``!#$%&'*+-/=?^_`{|}~.``, the domain labels of letters, digits, `-` and `_`, none empty.
    ///   For these `OperatorListFile.entry` gives the entry with its key the ASCII lower case of
    ///   its bytes, and `OperatorListEntry.shape` an address whose domain is its own ASCII form.
    ///
    /// Every other line (a catch-all, IDN, 8-bit or control bytes, a quoted local part, an
    /// address literal, anything wrong) goes through `OperatorListFile.entry` and `take`, so its
    /// messages are theirs. `read` reads every line (`OperatorListFile.entries`) before it looks
    /// at a shape, so a refusal of `OperatorListFile.entry` anywhere wins over a refusal of
    /// `take`: here that one is thrown at once and the first refusal of `take` at the end.
    static func readQuickly(_ bytes: [UInt8], file: String, ours: Set<String>) throws -> ValidList {
        // Most lines are an address of 20 to 30 bytes; a list of shorter ones grows the table.
        var list = ValidList(file: file, ours: ours, capacity: bytes.count / 32, byteCapacity: bytes.count)
        // The domains as bytes. `ours.contains` compares Strings by canonical equivalence; for
        // the bytes a domain is decided on here (lower-case letters, digits, `-`, `_`, `.`) that
        // is byte equality.
        // End to end, with where each ends: compared in line (a closure over an array of
        // arrays cost ~110 instructions a line).
        let oursBytes = ours.flatMap { Array($0.utf8) }
        var oursEnds: [Int] = []
        for d in ours { oursEnds.append((oursEnds.last ?? 0) + d.utf8.count) }
        var firstRefusal: (any Error)?
        // An entry's key: its bytes in ASCII lower case.
        var key = [UInt8](repeating: 0, count: 256)
        try bytes.withUnsafeBufferPointer { l in
            try ByteClass.table.withUnsafeBufferPointer { classes in
                try oursBytes.withUnsafeBytes { oursAll in
                    /// Whether `domain` is one of ours, byte for byte.
                    func isOurs(_ domain: UnsafeRawBufferPointer) -> Bool {
                        var start = 0
                        for end in oursEnds {
                            if end - start == domain.count
                                && bytesEqual(oursAll.baseAddress! + start, domain.baseAddress!, domain.count)
                            {
                                return true
                            }
                            start = end
                        }
                        return false
                    }
                    var start = 0
                    var number = 0
                    while start < l.count {
                        number += 1
                        let (line, body, end) = Self.line(l, from: start, classes)
                        // The next line starts after this one's line end: CRLF, or CR or LF alone.
                        start =
                            end < l.count && l[end] == 0x0D && end + 1 < l.count && l[end + 1] == 0x0A
                            ? end + 2 : end + 1
                        switch line {
                        case .nothing:
                            continue
                        case .address(let a):
                            let count = a.end - a.start
                            if key.count < count { key = [UInt8](repeating: 0, count: 2 * count) }
                            key.withUnsafeMutableBytes { k in
                                // The entry lies inside l[0..<l.count]; `k` holds at least `count` bytes.
                                tk_lower(
                                    l.baseAddress! + a.start, count, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                                // Printable ASCII only (`address`), so no other spelling.
                                list.addresses.setASCII(UnsafeRawBufferPointer(rebasing: k[..<count]), line: number)
                                let domain = UnsafeRawBufferPointer(rebasing: k[(a.at + 1 - a.start)..<count])
                                list.count(
                                    number, text: String(decoding: l[a.start..<a.end], as: UTF8.self),
                                    inOurDomains: domain.count > 0 && isOurs(domain))
                            }
                        case .plain:
                            list.linesReadThePlainWay += 1
                            guard
                                let entry = try OperatorListFile.entry(
                                    in: bytes[body..<end], number: number, file: file),
                                firstRefusal == nil
                            else { continue }
                            do { try list.take(entry) } catch { firstRefusal = error }
                        }
                    }
                }
            }
        }
        if let firstRefusal { throw firstRefusal }
        return list
    }

    /// What `readQuickly` makes of a line.
    private enum Line {
        /// Blank, or a comment: no entry.
        case nothing
        /// An address of the shape decided here: the entry `start..<end` (without `<…>`) and
        /// its `@`.
        case address((start: Int, at: Int, end: Int))
        /// Anything else: for `OperatorListFile.entry` and `take`.
        case plain
    }

    /// The line that starts at `l[start]`: what it is, where it starts after a BOM (`body`), and
    /// where it ends (its line end, or `l.count`).
    @inline(__always)
    private static func line(_ l: UnsafeBufferPointer<UInt8>, from start: Int, _ classes: UnsafeBufferPointer<UInt8>)
        -> (line: Line, body: Int, end: Int)
    {
        let n = l.count
        var j = start
        if n - j >= 3 && l[j] == 0xEF && l[j + 1] == 0xBB && l[j + 2] == 0xBF { j += 3 }
        let body = j
        var line = Line.nothing
        while j < n && (l[j] == 0x20 || l[j] == 0x09) { j += 1 }
        if j < n && l[j] != 0x0A && l[j] != 0x0D && l[j] != UInt8(ascii: "#") {
            let entryStart = j
            while j < n && classes[Int(l[j])] & ByteClass.entry != 0 { j += 1 }
            let entryEnd = j
            while j < n && (l[j] == 0x20 || l[j] == 0x09) { j += 1 }
            // After the entry: the line's end, or a comment (after a space or tab: the entry
            // takes every `#` next to it).
            if j == n || l[j] == 0x0A || l[j] == 0x0D || l[j] == UInt8(ascii: "#") {
                line = address(l, entryStart, entryEnd, classes).map(Line.address) ?? .plain
            } else {
                line = .plain
            }
        }
        while j < n && l[j] != 0x0A && l[j] != 0x0D { j += 1 }
        return (line, body, j)
    }

    /// The entry `l[start..<end]` (printable ASCII) without its `<…>`, as `local@domain`
    /// with its `@`, when it is an address of the shape `readQuickly` decides; nil when not.
    @inline(__always)
    private static func address(
        _ l: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ classes: UnsafeBufferPointer<UInt8>
    ) -> (start: Int, at: Int, end: Int)? {
        var a = start
        var b = end
        if a < b && l[a] == UInt8(ascii: "<") { a += 1 }
        if a < b && l[b - 1] == UInt8(ascii: ">") { b -= 1 }
        var at = b - 1
        while at >= a && l[at] != UInt8(ascii: "@") { at -= 1 }
        // Not an address, an empty local part or domain, or a catch-all: the plain way.
        guard at > a, at + 1 < b, !(at == a + 1 && l[a] == UInt8(ascii: "*")) else { return nil }
        for k in a..<at where classes[Int(l[k])] & ByteClass.localPart == 0 { return nil }
        var previous = UInt8(ascii: ".")  // a dot at the start makes an empty first label
        for k in (at + 1)..<b {
            let c = l[k]
            if classes[Int(c)] & ByteClass.domain == 0 || (c == UInt8(ascii: ".") && previous == c) { return nil }
            previous = c
        }
        guard previous != UInt8(ascii: ".") else { return nil }
        return (a, at, b)
    }

    /// What `readQuickly` asks of a byte, as bits of a 256-entry table.
    private enum ByteClass {
        /// Printable ASCII but space: may be part of an entry the quick way.
        static let entry: UInt8 = 1
        /// Letters, digits and `OperatorListEntry.localPartSymbols`: an unquoted local
        /// part's bytes.
        static let localPart: UInt8 = 2
        /// Letters, digits and `OperatorListEntry.domainSymbols`: a domain's bytes.
        static let domain: UInt8 = 4

        static let table: [UInt8] = (0..<256).map { b in
            let alphanumeric = (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            var c: UInt8 = 0
            if b > 0x20 && b < 0x7F { c |= entry }
            if alphanumeric || OperatorListEntry.localPartSymbols.utf8.contains(UInt8(b)) { c |= localPart }
            if alphanumeric || OperatorListEntry.domainSymbols.utf8.contains(UInt8(b)) { c |= domain }
            return c
        }
    }
}
