import Foundation

/// Times as people read them in messages and on the page.
public enum TimeText {
    nonisolated(unsafe) private static let formatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return f
    }()
    private static let lock = NSLock()

    /// `2017-08-19 12:34:57Z`
    public static func utc(_ epoch: Int64) -> String {
        lock.lock()
        defer { lock.unlock() }
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    /// `3 h 5 min`, `41 s`, `2 d 4 h`.
    public static func duration(_ seconds: Int64) -> String {
        let s = abs(seconds)
        let sign = seconds < 0 ? "-" : ""
        if s < 120 { return "\(sign)\(s) s" }
        if s < 7200 { return "\(sign)\(s / 60) min" }
        if s < 172800 { return "\(sign)\(s / 3600) h \((s % 3600) / 60) min" }
        return "\(sign)\(s / 86400) d \((s % 86400) / 3600) h"
    }
}

extension TimeText {
    /// The calendar date of a day number (days since 1970-01-01, proleptic Gregorian, UTC).
    /// Howard Hinnant's `civil_from_days`: exact for every `Int64` day a timestamp can name.
    public static func civil(day: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The day number of a calendar date (the inverse of `civil(day:)`; Hinnant's
    /// `days_from_civil`). `month` 1...12; a `day` past the month's end runs into the next.
    public static func dayNumber(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The UTC day number of an epoch time (floor division: times before 1970 count too).
    public static func day(_ epoch: Int64) -> Int64 {
        epoch >= 0 ? epoch / 86400 : -((-epoch + 86399) / 86400)
    }

    /// `utc(epoch)` appended as bytes, without a formatter or a lock: the pages format a date
    /// per listed host. `TimeTextTests` checks it against `utc` (the definition).
    public static func appendUTC(_ epoch: Int64, to out: inout [UInt8]) {
        let day = day(epoch)
        let seconds = Int(epoch - day * 86400)
        let c = civil(day: day)
        func two(_ v: Int) {
            out.append(UInt8(48 + v / 10))
            out.append(UInt8(48 + v % 10))
        }
        if (0...9999).contains(c.year) {
            two(Int(c.year / 100))
            two(Int(c.year % 100))
        } else {
            out.append(contentsOf: String(c.year).utf8)
        }
        out.append(UInt8(ascii: "-"))
        two(c.month)
        out.append(UInt8(ascii: "-"))
        two(c.day)
        out.append(UInt8(ascii: " "))
        two(seconds / 3600)
        out.append(UInt8(ascii: ":"))
        two(seconds / 60 % 60)
        out.append(UInt8(ascii: ":"))
        two(seconds % 60)
        out.append(UInt8(ascii: "Z"))
    }

    /// `2017-08-19`: the UTC date of a day number.
    public static func date(day: Int64) -> String {
        var out: [UInt8] = []
        appendUTC(day * 86400, to: &out)
        return String(decoding: out.prefix(out.count - 10), as: UTF8.self)
    }
}
