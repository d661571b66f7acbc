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
