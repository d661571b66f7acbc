#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses spamd `-v` log lines as syslog writes them.
///
/// Accepted (after `Mmm dd hh:mm:ss host spamd[pid]: ` or `… spamd: `):
/// ```
/// (GREY) ip: <from> -> <to>
/// (BLACK) ip: <from> -> <to>
/// new entry ip from <from> to <to>, helo HELO
/// ```
/// Lines of other programs and other spamd messages are ignored, not errors. A line that starts
/// like one of the three forms but does not finish like it is rejected: `.reject` when the stamp
/// or the IP address is wrong (nothing an SMTP client sends can cause that), `.unreadable` when
/// only the part after the IP address — the sender's and recipient's bytes — does not fit.
enum SpamdLogLineParser {
    enum Outcome {
        case record(RawRecord)
        case ignore
        case reject(String)
        /// Stamp and IP sound; the client-controlled rest cannot be read.
        case unreadable(String)
    }

    static let months: [StaticString] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// True when the line starts with a syslog stamp (used to recognise a log).
    static func hasSyslogStamp(_ line: UnsafeRawBufferPointer) -> Bool {
        stamp(line) != nil
    }

    /// (month, day, hour, minute, second) from the first 15 bytes.
    static func stamp(_ b: UnsafeRawBufferPointer) -> (Int, Int, Int, Int, Int)? {
        guard b.count >= 16, b[3] == 32, b[6] == 32, b[9] == 58, b[12] == 58, b[15] == 32 else { return nil }
        var month = 0
        for (i, m) in months.enumerated() where memcmp(b.baseAddress!, m.utf8Start, 3) == 0 {
            month = i + 1
            break
        }
        guard month > 0 else { return nil }
        func digit(_ i: Int) -> Int? {
            let c = b[i]
            return c >= 48 && c <= 57 ? Int(c - 48) : nil
        }
        let d1 = b[4] == 32 ? 0 : digit(4)
        guard let d1, let d2 = digit(5), let h1 = digit(7), let h2 = digit(8), let m1 = digit(10), let m2 = digit(11),
            let s1 = digit(13), let s2 = digit(14)
        else { return nil }
        let day = d1 * 10 + d2
        let hour = h1 * 10 + h2
        let minute = m1 * 10 + m2
        let second = s1 * 10 + s2
        guard day >= 1, day <= 31, hour < 24, minute < 60, second < 61 else { return nil }
        return (month, day, hour, minute, second)
    }

    static func parse(_ line: UnsafeRawBufferPointer, lineNumber: Int, clock: inout SyslogClock) -> Outcome {
        guard let st = stamp(line) else { return .ignore }
        // host, then tag
        var tokens = Tokenizer(line, from: 16)
        guard tokens.next() != nil, let tag = tokens.next() else { return .ignore }
        guard tag.count >= 6, memcmp(tag.baseAddress!, "spamd", 5) == 0, tag[tag.count - 1] == 58,
            tag[5] == 91 || tag[5] == 58
        else { return .ignore }
        guard let kindToken = tokens.next() else { return .ignore }
        let kind: RecordKind
        if SpamdbLineParser.equals(kindToken, "(GREY)") {
            kind = .logGrey
        } else if SpamdbLineParser.equals(kindToken, "(BLACK)") {
            kind = .logBlack
        } else if SpamdbLineParser.equals(kindToken, "new") {
            guard let e = tokens.next(), SpamdbLineParser.equals(e, "entry") else { return .ignore }
            kind = .logNewEntry
        } else {
            return .ignore
        }
        guard let time = clock.epoch(month: st.0, day: st.1, hour: st.2, minute: st.3, second: st.4) else {
            return .reject("impossible date in the syslog stamp")
        }
        if kind == .logNewEntry {
            guard let ipText = tokens.next(), let ip = IPAddress(hostASCII: ipText) else {
                return .reject("new entry: bad IP address")
            }
            guard let f = tokens.next(), SpamdbLineParser.equals(f, "from"), let from = tokens.next(),
                let t = tokens.next(), SpamdbLineParser.equals(t, "to"), let toComma = tokens.next(),
                toComma.count > 1, toComma[toComma.count - 1] == 44,
                let h = tokens.next(), SpamdbLineParser.equals(h, "helo")
            else { return .unreadable("new entry: expected 'from <from> to <to>, helo HELO'") }
            let to = UnsafeRawBufferPointer(rebasing: toComma[0..<(toComma.count - 1)])
            let helo = tokens.rest()
            return .record(RawRecord(kind: kind, ip: ip, helo: helo, from: from, to: to, time: time, line: lineNumber))
        }
        guard let ipColon = tokens.next(), ipColon.count > 1, ipColon[ipColon.count - 1] == 58,
            let ip = IPAddress(hostASCII: UnsafeRawBufferPointer(rebasing: ipColon[0..<(ipColon.count - 1)]))
        else { return .reject("\(kind.rawValue): bad 'ip:'") }
        guard let from = tokens.next(), let arrow = tokens.next(), SpamdbLineParser.equals(arrow, "->"),
            let to = tokens.next(), tokens.next() == nil
        else { return .unreadable("\(kind.rawValue): expected '<from> -> <to>'") }
        return .record(RawRecord(kind: kind, ip: ip, helo: nil, from: from, to: to, time: time, line: lineNumber))
    }

    /// Splits on single spaces (syslog may pad; empty tokens are skipped).
    struct Tokenizer {
        let line: UnsafeRawBufferPointer
        var pos: Int

        init(_ line: UnsafeRawBufferPointer, from: Int) {
            self.line = line
            pos = from
        }

        mutating func next() -> UnsafeRawBufferPointer? {
            while pos < line.count && line[pos] == 32 { pos += 1 }
            guard pos < line.count else { return nil }
            let start = pos
            while pos < line.count && line[pos] != 32 { pos += 1 }
            return UnsafeRawBufferPointer(rebasing: line[start..<pos])
        }

        /// The rest after one space (may be empty), trailing spaces dropped.
        mutating func rest() -> UnsafeRawBufferPointer {
            if pos < line.count && line[pos] == 32 { pos += 1 }
            var end = line.count
            while end > pos && line[end - 1] == 32 { end -= 1 }
            return UnsafeRawBufferPointer(rebasing: line[min(pos, end)..<end])
        }
    }
}
