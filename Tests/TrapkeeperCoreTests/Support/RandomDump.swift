import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Seeded random spamdb dumps and spamd logs, as bytes, rich in what the harvest rules look at:
/// every record kind, addresses of our domains and their look-alikes, valid, protected,
/// catch-all and delimiter forms, probes of every shape (inside and outside the window, with
/// and without their fingerprint), verifier senders, IPv6 hosts, invalid UTF-8, control bytes,
/// bidi and combining marks, mixed case and brackets, `|` inside fields, fields past the
/// evidence limits and past the engine's 1024-byte pipeline limit, garbage, blank and CRLF
/// lines, and the same tuple many times.
///
/// Made for the worlds of `ReferenceHarvestTests` (domains bsdly.com, bsdly.net,
/// catchall.example; valid alice, peter, bob.smith, josé; protected sales-team, ceo@bsdly.com).
struct RandomDump {
    var rng: SeededRandom
    let now: Int64
    let window: Int64
    private var ips: [[UInt8]] = []
    private var tuples: [(ip: [UInt8], helo: [UInt8]?, from: [UInt8], to: [UInt8])] = []

    init(seed: UInt64, now: Int64, windowDays: Int) {
        rng = SeededRandom(seed: seed)
        self.now = now
        window = Int64(windowDays) * 86400
        for _ in 0..<(2 + rng.below(20)) { ips.append(newIP()) }
    }

    // MARK: whole files

    /// A dump of `lines` lines (a repeat, a blank, garbage or a log line now and then).
    mutating func dump(lines: Int) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<lines { out += dumpLine() + lineEnd() }
        return finalNewlineMaybe(out)
    }

    /// A spamd log of `lines` lines, other programs' and other spamd lines among them.
    mutating func log(lines: Int) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<lines { out += logLine() + lineEnd() }
        return finalNewlineMaybe(out)
    }

    /// A dump of a few MiB, records all the way: a third of them GREY lines with helos of 1 to
    /// 60 KB, so every refill of the line reader's buffer (about every MiB) falls among records
    /// that still wait in the engine's pipeline with pointers into that buffer; now and then a
    /// line past the 64 KiB line limit.
    mutating func bigDump(megabytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < megabytes << 20 {
            switch rng.below(60) {
            case 0:
                out += b("GREY|") + ip() + b("|") + [UInt8](repeating: UInt8(ascii: "x"), count: 70_000) + [10]
            case 1..<20:
                let seen = time()
                var t = tuple(seen: seen)
                t.helo = (0..<(1000 + rng.below(59_000))).map { _ in UInt8(ascii: "a") + UInt8(rng.below(26)) }
                out += grey(t, seen: seen) + lineEnd()
            default:
                out += dumpLine() + lineEnd()
            }
        }
        return out
    }

    private mutating func lineEnd() -> [UInt8] { rng.below(20) == 0 ? [13, 10] : [10] }

    private mutating func finalNewlineMaybe(_ out: [UInt8]) -> [UInt8] {
        rng.below(8) == 0 && out.last == 10 ? Array(out.dropLast()) : out
    }

    // MARK: lines

    mutating func dumpLine() -> [UInt8] {
        let seen = time()
        switch rng.below(100) {
        case 0..<45:
            let t = tuple(seen: seen)
            return grey(t, seen: seen)
        case 45..<60 where !tuples.isEmpty:
            // The same tuple again, at another time or exactly as before.
            return grey(tuples[rng.below(tuples.count)], seen: rng.below(2) == 0 ? seen : time())
        case 60..<65:
            return b("WHITE|") + ip() + b("|||\(seen)|\(seen + 1800)|\(seen + 36 * 86400)|2|5")
        case 65..<75:
            // Now and then one of a few expiries: the same host TRAPPED twice until the same time.
            let expire =
                switch rng.below(3) {
                case 0: now - Int64(rng.below(86400))
                case 1: now + Int64(rng.below(3)) * 3600
                default: now + Int64(rng.below(86400))
                }
            return b("TRAPPED|") + ip() + b("|\(rng.below(20) == 0 ? Int64(rng.below(3)) : expire)")
        case 75..<85:
            return b("SPAMTRAP|") + spamtrapValue()
        case 85..<92:
            return garbage()
        case 92..<95:
            return rng.below(2) == 0 ? [] : b("  ")
        default:
            return logLine()
        }
    }

    mutating func logLine() -> [UInt8] {
        let seen = now - Int64(rng.below(3 * 86400))
        let head = stamp(seen) + b(" fw spamd[\(rng.below(99_999))]: ")
        switch rng.below(100) {
        case 0..<30:
            let t = tuple(seen: seen)
            return head + b("(GREY) ") + t.ip + b(": ") + t.from + b(" -> ") + t.to
        case 30..<45:
            let t = tuple(seen: seen)
            return head + b("(BLACK) ") + t.ip + b(": ") + t.from + b(" -> ") + t.to
        case 45..<80:
            let t = tuple(seen: seen)
            return head + b("new entry ") + t.ip + b(" from ") + t.from + b(" to ") + t.to + b(", helo ")
                + (t.helo ?? [])
        case 80..<85 where !tuples.isEmpty:
            let t = tuples[rng.below(tuples.count)]
            return head + b("new entry ") + t.ip + b(" from ") + t.from + b(" to ") + t.to + b(", helo ")
                + (t.helo ?? [])
        case 85..<90:
            return head + ip() + b(": connected (25/24)")
        case 90..<95:
            return stamp(seen) + b(" fw sshd[1]: Accepted publickey for root")
        default:
            return garbage()
        }
    }

    private mutating func grey(_ t: (ip: [UInt8], helo: [UInt8]?, from: [UInt8], to: [UInt8]), seen: Int64)
        -> [UInt8]
    {
        let times = b("|\(seen)|\(seen + 1800)|\(seen + 14400)|\(rng.below(5))|0")
        guard let helo = t.helo, rng.below(10) != 0 else {
            return b("GREY|") + t.ip + b("|") + t.from + b("|") + t.to + times  // old, helo-less form
        }
        return b("GREY|") + t.ip + b("|") + helo + b("|") + t.from + b("|") + t.to + times
    }

    /// A host, helo, sender and recipient; a probe-shaped recipient mostly comes with its
    /// fingerprint. Kept for repeats.
    private mutating func tuple(seen: Int64) -> (ip: [UInt8], helo: [UInt8]?, from: [UInt8], to: [UInt8]) {
        let (local, kind) = localPart(seen: seen)
        var from = sender()
        var helo: [UInt8]? = helo()
        if rng.below(5) != 0 {
            switch kind {
            case .aftership:
                from = b(pick(["<user@example.org>", "<User@Example.ORG>"]))
                helo = b(pick(["localhost", "LocalHost", "localhost", "mx.example"]))
            case .reacher:
                from = b(pick(["<reacher@gmail.com>", "<REACHER@gmail.com>"]))
                helo = b(pick(["gmail.com", "GMAIL.COM", "gmail.com", "mx.example"]))
            case .snert, .exim:
                from = b(pick(["<>", "<postmaster@mx.example>", "<double-bounce=ab12@mx.example>", "<kd@xmail.ru>"]))
            case .plain:
                break
            }
        }
        let t = (ip: ip(), helo: helo, from: from, to: written(local + b("@") + domain()))
        if tuples.count < 40 { tuples.append(t) } else { tuples[rng.below(40)] = t }
        return t
    }

    // MARK: fields

    enum Shape { case plain, exim, aftership, reacher, snert }

    private mutating func localPart(seen: Int64) -> ([UInt8], Shape) {
        switch rng.below(100) {
        case 0..<25:
            return (
                b(pick(["t\(rng.below(40))", "kovavo\(rng.below(4))", "Mike.Hagen", "!!!!the!rest!is!trash!"])), .plain
            )
        case 25..<35:
            return (
                b(pick(["alice", "Alice", "peter", "PETER", "bob.smith", "jos\u{e9}", "jose\u{301}", "Jos\u{e9}"])),
                .plain
            )
        case 35..<42:
            return (
                b(pick(["alice+news", "peter-x", "+alice", "alice+", "bob.smith+a+b", "alice++", "-peter"])), .plain
            )
        case 42..<50:
            let names = [
                "postmaster", "Abuse", "sales-team", "double-bounce", "abuse+x", "info-2", "MAILER-DAEMON", "ceo",
            ]
            return (b(pick(names)), .plain)
        case 50..<60:
            let offsets: [Int64] = [0, -41, 3600, window, window + 1, -window, -window - 1, 30 * 86400, -400 * 86400]
            let epoch = seen + offsets[rng.below(offsets.count)]
            let host = pick(["mx42.antispamcloud.com", "x", "a-b", "MX1.Example", "mail.matrix.farlep.net"])
            let digits = pick(["\(epoch)", "\(epoch)", "0\(epoch)", "12\(epoch)", "\(epoch % 1_000_000_000)"])
            return (b("\(host)-\(digits)-\(pick(["testing", "testing", "TESTING", "test"]))"), .exim)
        case 60..<65:
            return (
                alnum(32, from: pick(["abcdef0123456789", "abcdefghijklmnopqrstuvwxyz0123456789", "aB0"])), .aftership
            )
        case 65..<70:
            return (
                alnum(15, from: pick(["abc123", "ABCdef0123456789", "abcdefghijklmnopqrstuvwxyz0123456789"])), .reacher
            )
        case 70..<77:
            return (b(pick(["ecila7", "retep1", "htims.bob4", "ecila", "Ecila0", "\u{e9}soj3", "ecila+x5"])), .snert)
        case 77..<90:
            let weird: [[UInt8]] = [
                b("\u{1}x"), b("x\u{7f}"), [0xff], [0x61, 0xc3], [0xe2, 0x80], b("\u{202e}abc"), b("a\u{85}b"),
                b("\u{200b}x"), b("\u{301}x"), [], b("@"), b("x@y"), b("a|b"), b("<b>x</b>"), b("<"), b(">"),
                b("a b"), [0x00, 0x61], b("\u{feff}t1"), b("t1\t"),
            ]
            return (weird[rng.below(weird.count)], .plain)
        default:
            let n = pick([78, 150, 290, 299, 300, 301, 520, 700, 1030, 1100])
            let long = alnum(n, from: pick(["a", "ab", "abcdefghijklmnopqrstuvwxyz0123456789.-+"]))
            // Now and then malformed too: its warning shows only the start.
            return (rng.below(4) == 0 ? long + pick([[0x01], [0xff], [0x7f]]) : long, .plain)
        }
    }

    private mutating func domain() -> [UInt8] {
        switch rng.below(100) {
        case 0..<40: return b("bsdly.com")
        case 40..<52: return b("bsdly.net")
        case 52..<58: return b(pick(["BSDLY.COM", "Bsdly.Net"]))
        case 58..<68: return b("catchall.example")
        default:
            let lookalikes = [
                "notbsdly.com", "mail.bsdly.com", "bsdly.com.", "bsdly.co", "b\u{fc}cher.example",
                "xn--bcher-kva.example", "bsdly.com>", "bsdly.\u{441}om", "example.org", "",
            ]
            return b(pick(lookalikes))
        }
    }

    /// A recipient as the dump writes it: mostly bracketed.
    private mutating func written(_ address: [UInt8]) -> [UInt8] {
        switch rng.below(100) {
        case 0..<80: return b("<") + address + b(">")
        case 80..<88: return address
        case 88..<92: return b("<<") + address + b(">>")
        case 92..<96: return b("<") + address
        default: return address + b(">")
        }
    }

    private mutating func sender() -> [UInt8] {
        switch rng.below(100) {
        case 0..<25: return b("<>")
        case 25..<55:
            let senders = [
                "<postmaster@mx.example>", "<POSTMASTER@mx.example>", "<double-bounce@mx.example>",
                "<double-bounce=abc@mx.example>", "<Double-Bounce12@x>", "<user@example.org>", "<User@Example.ORG>",
                "<reacher@gmail.com>", "<kd@xmail.ru>", "<news-123@example.net>", "<postmaster@\u{301}mx.example>",
                "<double-bounce\u{301}@x>", "", "<@bsdly.com>", "kd@xmail.ru", "<postmaster>",
            ]
            return b(pick(senders))
        case 55..<80:
            return written(localPart(seen: now).0 + b("@") + domain())
        default:
            return b("<") + alnum(5 + rng.below(12), from: "abcdefghijklmnop") + b("@spam.example>")
        }
    }

    private mutating func helo() -> [UInt8] {
        switch rng.below(100) {
        case 0..<40:
            return b(pick(["mx.example", "mx18-12.smtp.antispamcloud.com", "[203.0.113.9]", "mail.example.net"]))
        case 40..<60: return b(pick(["localhost", "LocalHost", "gmail.com", "GMAIL.COM", "localhost."]))
        case 60..<70: return []
        case 70..<80: return [UInt8](repeating: UInt8(ascii: "h"), count: pick([199, 200, 201, 250, 1300]))
        default:
            let odd: [[UInt8]] = [
                [0xff, 0xfe], b("a\u{1}b"), b("a|b"), b("<h>"), b("local host"), b("h\u{301}"), [0x5c],
            ]
            return odd[rng.below(odd.count)]
        }
    }

    private mutating func spamtrapValue() -> [UInt8] {
        switch rng.below(10) {
        case 0..<6: return localPart(seen: now).0 + b("@") + domain()
        case 6: return b(pick(["<b>bold</b>@bsdly.com", "<x@bsdly.com>", "a b@bsdly.com", "a|b@bsdly.com"]))
        case 7: return b(pick(["St\(rng.below(9))@BSDLY.NET", "st\(rng.below(9))@bsdly.net"]))
        case 8: return b(pick(["@bsdly.com", "nodomain", "x@notbsdly.com"]))
        default: return b(pick(["peter@bsdly.net", "postmaster@bsdly.com", "anything@catchall.example"]))
        }
    }

    private mutating func garbage() -> [UInt8] {
        switch rng.below(5) {
        case 0: return (0..<rng.below(80)).map { _ in UInt8(truncatingIfNeeded: 11 + rng.below(245)) }
        case 1: return b("GREY|") + ip() + b("|only|three")
        case 2: return b("FOO|1.2.3.4|x")
        case 3: return b("TRAPPED|999.1.1.1|5")
        default: return b("<!DOCTYPE html>")
        }
    }

    // MARK: hosts and times

    private mutating func ip() -> [UInt8] {
        if rng.below(30) == 0 { ips.append(newIP()) }
        return ips[rng.below(ips.count)]
    }

    private mutating func newIP() -> [UInt8] {
        switch rng.below(10) {
        case 0..<6: return b("45.95.\(rng.below(4)).\(rng.below(256))")
        case 6: return b(pick(["207.244.64.181", "10.0.0.1", "0.0.0.0", "255.255.255.255"]))
        case 7: return b("2001:db8::\(String(rng.below(65536), radix: 16))")
        case 8: return b(pick(["2001:DB8:0:0::1", "::ffff:45.95.1.2", "fe80::1", "::1", "::", "2001:db8::1"]))
        default: return b(pick(["1.2.3.256", "01.2.3.4", "2001:db8:::1", ""]))
        }
    }

    /// A GREY line's first-seen time: mostly the last three days, now and then in the future,
    /// zero, or 18 digits.
    private mutating func time() -> Int64 {
        switch rng.below(50) {
        case 0: return 0
        case 1: return 999_999_999_999_999_999
        case 2: return now + Int64(rng.below(5 * 86400))
        default: return now - Int64(rng.below(3 * 86400))
        }
    }

    /// `Mmm dd hh:mm:ss` in UTC.
    private func stamp(_ t: Int64) -> [UInt8] {
        var tt = time_t(t)
        var tm = tm()
        gmtime_r(&tt, &tm)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = tm.tm_mday < 10 ? " \(tm.tm_mday)" : "\(tm.tm_mday)"
        return b("\(months[Int(tm.tm_mon)]) \(day) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))")
    }

    // MARK: helpers

    private mutating func pick<T>(_ options: [T]) -> T { options[rng.below(options.count)] }

    private mutating func alnum(_ n: Int, from alphabet: String) -> [UInt8] {
        let a = Array(alphabet.utf8)
        return (0..<n).map { _ in a[rng.below(a.count)] }
    }

    private func b(_ s: String) -> [UInt8] { Array(s.utf8) }
}
