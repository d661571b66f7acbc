import Foundation
import Testing

@testable import TrapkeeperCore

/// The byte formatter of the pages (`TimeText.appendUTC`) against the definition (`utc`, a
/// `DateFormatter`), and the calendar arithmetic under it.
@Suite struct TimeTextTests {
    static let edges: [Int64] = [
        0, 1, -1, 59, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_799, 4_107_542_400, 1_503_146_097,
        1_700_000_000, 253_402_300_799,
    ]

    @Test(arguments: edges) func appendUTCMatchesTheFormatter(_ t: Int64) {
        var out: [UInt8] = []
        TimeText.appendUTC(t, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == TimeText.utc(t))
    }

    @Test func appendUTCMatchesTheFormatterOnRandomTimes() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<20_000 {
            let t = Int64.random(in: -2_000_000_000...8_000_000_000, using: &rng)
            var out: [UInt8] = []
            TimeText.appendUTC(t, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == TimeText.utc(t), "\(t)")
        }
    }

    @Test func dayNumbersRoundTrip() {
        for day in Int64(-800_000)...Int64(800_000) where day % 7 == 0 || abs(day) < 1000 {
            let c = TimeText.civil(day: day)
            #expect(TimeText.dayNumber(year: c.year, month: c.month, day: c.day) == day)
        }
        let epoch = TimeText.civil(day: 0)
        #expect(epoch.year == 1970 && epoch.month == 1 && epoch.day == 1)
        #expect(TimeText.date(day: TimeText.day(1_503_146_097)) == "2017-08-19")
        #expect(TimeText.day(-1) == -1)
    }
}
