import Foundation

/// Turns year-less, zone-less syslog stamps (`Aug 19 14:35:38`) into epoch seconds.
///
/// The zone is the one configured for logs (default: this host's). The year is the one that puts
/// the stamp at or before `now`, allowing `futureSlack` for clocks and zones that differ
/// between the firewall and this host: a stamp a few hours "ahead" is this year, not last year.
public struct SyslogClock {
    public let now: Int64
    public let zone: TimeZone
    /// Stamps up to this far after `now` still count as the current year.
    public static let futureSlack: Int64 = 26 * 3600

    private var calendar: Calendar
    private var cache: [Int: Int64] = [:]  // month*10000 + day*100 + hour → epoch of that hour
    private let currentYear: Int

    public init(now: Int64, zone: TimeZone) {
        self.now = now
        self.zone = zone
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        calendar = c
        currentYear = c.component(.year, from: Date(timeIntervalSince1970: TimeInterval(now)))
    }

    /// Epoch seconds for month 1…12, day 1…31, hour, minute, second; nil for impossible dates.
    public mutating func epoch(month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        let key = month * 10000 + day * 100 + hour
        if let base = cache[key] { return base + Int64(minute * 60 + second) }
        func make(_ year: Int) -> Int64? {
            var dc = DateComponents()
            dc.year = year
            dc.month = month
            dc.day = day
            dc.hour = hour
            guard dc.isValidDate(in: calendar), let d = calendar.date(from: dc) else { return nil }
            return Int64(d.timeIntervalSince1970)
        }
        var base = make(currentYear)
        if base == nil || base! > now + SyslogClock.futureSlack {
            base = make(currentYear - 1)  // Feb 29 of a leap year can fail either way: then nil
        }
        guard let b = base else { return nil }
        cache[key] = b
        return b + Int64(minute * 60 + second)
    }
}
