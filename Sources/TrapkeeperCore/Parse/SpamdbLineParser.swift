/// Parses one line of `spamdb` output.
///
/// Accepted forms (fields separated by `|`, nothing escaped):
/// ```
/// GREY|ip|helo|from|to|first|pass|expire|block|pass
/// GREY|ip|from|to|first|pass|expire|block|pass          (old, helo-less)
/// WHITE|ip|||first|pass|expire|block|pass
/// TRAPPED|ip|expire
/// SPAMTRAP|address                                      (the rest of the line)
/// ```
/// A `|` inside helo, from or to adds fields. Such a line is read only when exactly one way of
/// splitting it gives a `<…>`-shaped sender and recipient; otherwise it is rejected as
/// ambiguous. It is never guessed.
///
/// Rejects come in two kinds. `.reject` is a line that is not a spamdb record at all (unknown
/// entry type, bad IP address, missing or non-numeric time fields): nothing an SMTP client says
/// can produce one. `.unreadable` is a GREY line whose kind, IP address and five time fields
/// are sound but whose helo/from/to — the bytes an SMTP client chooses — cannot be split
/// unambiguously. Only the first kind tells that a body is not a dump; see
/// `ParseReport.structurallyRejected`.
///
/// A SPAMTRAP address is taken as it is, less the spaces and tabs around it (an operator's
/// stray blank in `spamdb -T -a`); one with a space or tab inside is rejected: spamd cuts every
/// address at the first space, so it never matches it. An ip is read as a host
/// (`IPAddress.init(hostASCII:)`: an IPv4-mapped address is its IPv4 address).
import CScan

enum SpamdbLineParser {
    static let maxFields = 64

    enum Outcome {
        case record(RawRecord)
        /// Not a spamdb record: the line's own structure is wrong.
        case reject(String)
        /// A sound GREY record whose sender-controlled fields cannot be read.
        case unreadable(String)
    }

    static func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int) -> Outcome {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: maxFields + 1) { cuts in
            parse(line, lineNumber: lineNumber, cuts: cuts)
        }
    }

    /// `parse` with the caller's buffer for the '|' offsets (at least `maxFields + 1` entries):
    /// the dump parser keeps one for all its lines.
    @inline(__always)
    static func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, cuts: UnsafeMutableBufferPointer<Int>) -> Outcome
    {
        let n = line.count
        guard n > 0, line.baseAddress != nil else { return .reject("empty line") }
        do {
            // cuts[i] = index of the i-th '|'
            let base = line.baseAddress!
            let count = tk_find_bars(base.assumingMemoryBound(to: UInt8.self), n, cuts.baseAddress!, maxFields)
            if count > maxFields {
                // Only helo/from/to can hold so many '|': a GREY line with a sound tail is a
                // record whose sender fields are unreadable; anything else is not a record.
                if keywordOf(UnsafeRawBufferPointer(rebasing: line[0..<cuts[0]])) == .grey, hasNumericTail(line),
                    IPAddress(ascii: UnsafeRawBufferPointer(rebasing: line[(cuts[0] + 1)..<cuts[1]])) != nil
                {
                    return .unreadable("more than \(maxFields) '|' separators inside helo/from/to")
                }
                return .reject("more than \(maxFields) '|' separators")
            }
            let fieldCount = count + 1
            func field(_ k: Int) -> UnsafeRawBufferPointer {
                let s = k == 0 ? 0 : cuts[k - 1] + 1
                let e = k == count ? n : cuts[k]
                return UnsafeRawBufferPointer(rebasing: line[s..<e])
            }
            func span(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {  // fields from...to-1 joined
                let s = from == 0 ? 0 : cuts[from - 1] + 1
                let e = to - 1 == count ? n : cuts[to - 1]
                return UnsafeRawBufferPointer(rebasing: line[s..<e])
            }
            guard fieldCount >= 2 else { return .reject("not a spamdb line (no '|')") }
            let keyword = field(0)
            let empty = UnsafeRawBufferPointer(start: base, count: 0)
            switch keywordOf(keyword) {
            case .spamtrap:
                let address = trimmingBlanks(span(1, fieldCount))
                guard address.count > 0 else { return .reject("SPAMTRAP without an address") }
                if address.contains(where: { $0 == 32 || $0 == 9 }) {
                    return .reject(
                        "SPAMTRAP address with a space or tab inside (spamd cuts addresses there: never a trap)")
                }
                return .record(
                    RawRecord(
                        kind: .spamtrap, ip: IPAddress(v4: 0), helo: nil, from: empty, to: address, time: 0,
                        line: lineNumber))
            case .trapped:
                guard fieldCount == 3 else { return .reject("TRAPPED needs 3 fields, found \(fieldCount)") }
                guard let ip = IPAddress(hostASCII: field(1)) else { return .reject("TRAPPED: bad IP address") }
                guard let expire = number(field(2)) else { return .reject("TRAPPED: bad expiry time") }
                return .record(
                    RawRecord(
                        kind: .trapped, ip: ip, helo: nil, from: empty, to: empty, time: expire, line: lineNumber))
            case .white:
                guard fieldCount >= 7 else { return .reject("WHITE needs 9 fields, found \(fieldCount)") }
                guard let ip = IPAddress(hostASCII: field(1)) else { return .reject("WHITE: bad IP address") }
                if !timestampsValid(line, cuts: UnsafeBufferPointer(cuts), bars: count) {
                    for k in (fieldCount - 5)..<fieldCount where number(field(k)) == nil {
                        return .reject("WHITE: field \(k + 1) is not a number")
                    }
                }
                let first = digitsValue(field(fieldCount - 5))
                return .record(
                    RawRecord(kind: .white, ip: ip, helo: nil, from: empty, to: empty, time: first, line: lineNumber))
            case .grey:
                guard fieldCount >= 9 else {
                    return .reject("GREY needs 10 fields (9 in the old form), found \(fieldCount)")
                }
                guard let ip = IPAddress(hostASCII: field(1)) else { return .reject("GREY: bad IP address") }
                if !timestampsValid(line, cuts: UnsafeBufferPointer(cuts), bars: count) {
                    for k in (fieldCount - 5)..<fieldCount where number(field(k)) == nil {
                        return .reject("GREY: field \(k + 1) is not a number ('|' inside a field?)")
                    }
                }
                let first = digitsValue(field(fieldCount - 5))
                // Middle fields 2..<(fieldCount-5) hold helo?, from, to.
                let lo = 2
                let hi = fieldCount - 5  // exclusive
                let m = hi - lo
                // The common case: exactly 10 fields, sender and recipient <…>-shaped. No other
                // reading can be bracketed too unless the helo itself is <…>-shaped.
                if fieldCount == 10 {
                    let h = field(2)
                    let f = field(3)
                    let t = field(4)
                    if isBracketed(f) && isBracketed(t) && !(h.count > 0 && h[0] == UInt8(ascii: "<")) {
                        return .record(
                            RawRecord(kind: .grey, ip: ip, helo: h, from: f, to: t, time: first, line: lineNumber))
                    }
                }
                var chosen: (helo: UnsafeRawBufferPointer?, from: UnsafeRawBufferPointer, to: UnsafeRawBufferPointer)?
                var bracketed = 0
                // New form: helo = [lo, a), from = [a, b), to = [b, hi)
                if m >= 3 {
                    for a in (lo + 1)..<(hi - 1) {
                        for b in (a + 1)..<hi {
                            let f = span(a, b)
                            let t = span(b, hi)
                            if isBracketed(f) && isBracketed(t) {
                                bracketed += 1
                                chosen = (span(lo, a), f, t)
                            }
                        }
                    }
                }
                // Old form: from = [lo, a), to = [a, hi)
                for a in (lo + 1)..<hi {
                    let f = span(lo, a)
                    let t = span(a, hi)
                    if isBracketed(f) && isBracketed(t) {
                        bracketed += 1
                        chosen = (nil, f, t)
                    }
                }
                if bracketed > 1 {
                    return .unreadable("ambiguous '|' inside helo/from/to")
                }
                if bracketed == 0 {
                    // No <…>-shaped reading: take the plain one only when no field holds a '|'.
                    if m == 3 {
                        chosen = (field(2), field(3), field(4))
                    } else if m == 2 {
                        chosen = (nil, field(2), field(3))
                    } else {
                        return .unreadable("'|' inside helo/from/to cannot be resolved")
                    }
                }
                let c = chosen!
                return .record(
                    RawRecord(kind: .grey, ip: ip, helo: c.helo, from: c.from, to: c.to, time: first, line: lineNumber))
            case nil:
                return .reject("unknown entry type (expected GREY, WHITE, TRAPPED or SPAMTRAP)")
            }
        }
    }

    /// `b` without the spaces and tabs before and after it.
    static func trimmingBlanks(_ b: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var s = 0
        var e = b.count
        while s < e && (b[s] == 32 || b[s] == 9) { s += 1 }
        while e > s && (b[e - 1] == 32 || b[e - 1] == 9) { e -= 1 }
        return UnsafeRawBufferPointer(rebasing: b[s..<e])
    }

    enum Keyword { case grey, white, trapped, spamtrap }

    static func keywordOf(_ b: UnsafeRawBufferPointer) -> Keyword? {
        switch b.count {
        case 4: return equals(b, "GREY") ? .grey : nil
        case 5: return equals(b, "WHITE") ? .white : nil
        case 7: return equals(b, "TRAPPED") ? .trapped : nil
        case 8: return equals(b, "SPAMTRAP") ? .spamtrap : nil
        default: return nil
        }
    }

    @inline(__always)
    static func equals(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        guard b.count == s.utf8CodeUnitCount else { return false }
        return memcmp(b.baseAddress!, s.utf8Start, b.count) == 0
    }

    @inline(__always)
    static func isBracketed(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count >= 2 && b[0] == UInt8(ascii: "<") && b[b.count - 1] == UInt8(ascii: ">")
    }

    /// Whether the last five fields of a line (GREY and WHITE timestamps) are each what
    /// `number` accepts: 1…18 decimal digits. One pass over their bytes instead of five field
    /// scans; `cuts` holds the offsets of the line's `bars` '|' bytes (at least five).
    @inline(__always)
    static func timestampsValid(_ line: UnsafeRawBufferPointer, cuts: UnsafeBufferPointer<Int>, bars: Int) -> Bool {
        var start = cuts[bars - 5] + 1
        for k in (bars - 4)...bars {
            let end = k == bars ? line.count : cuts[k]
            let length = end - start
            if length < 1 || length > 18 { return false }
            start = end + 1
        }
        let from = cuts[bars - 5] + 1
        return tk_digits_or_bars(line.baseAddress!.assumingMemoryBound(to: UInt8.self) + from, line.count - from) != 0
    }

    /// Whether the last five '|'-separated fields of a line are numbers (`number` accepts each),
    /// found by scanning back from the end: for lines with more '|' than `cuts` can hold.
    static func hasNumericTail(_ line: UnsafeRawBufferPointer) -> Bool {
        var end = line.count
        var pos = line.count - 1
        var fields = 0
        while pos >= 0 && fields < 5 {
            if line[pos] == UInt8(ascii: "|") {
                guard number(UnsafeRawBufferPointer(rebasing: line[(pos + 1)..<end])) != nil else { return false }
                fields += 1
                end = pos
            }
            pos -= 1
        }
        return fields == 5
    }

    /// The value of a field `timestampsValid` or `number` accepted.
    @inline(__always)
    static func digitsValue(_ b: UnsafeRawBufferPointer) -> Int64 {
        tk_digits_value(b.baseAddress!.assumingMemoryBound(to: UInt8.self), b.count)
    }

    /// Decimal digits only, at most 18 of them (no sign, no spaces).
    @inline(__always)
    static func number(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard b.count > 0, b.count <= 18, let p = b.baseAddress else { return nil }
        var v: Int64 = 0
        for i in 0..<b.count {
            let d = p.load(fromByteOffset: i, as: UInt8.self) &- 48
            guard d <= 9 else { return nil }
            v = v &* 10 &+ Int64(d)  // 18 digits cannot overflow
        }
        return v
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
