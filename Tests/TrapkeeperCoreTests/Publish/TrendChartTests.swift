import Foundation
import Testing

@testable import TrapkeeperCore

/// The chart's arithmetic and drawing, without a browser (the browser test counts its dots).
@Suite struct TrendChartTests {
    static let today = TimeText.day(1_700_000_000)  // 2023-11-14

    @Test(arguments: [
        (0, 1, 1), (1, 1, 1), (4, 4, 1), (7, 8, 2), (65, 80, 20), (300_000, 300_000, 100_000),
        (300_001, 400_000, 100_000), (999, 1000, 500),
    ])
    func scaleHasAtMostFourSteps(_ maximum: Int, _ top: Int, _ step: Int) {
        let s = TrendChart.scale(maximum)
        #expect(s.top == top && s.step == step)
        #expect(s.top >= maximum && s.top / s.step <= 4)
    }

    @Test func countsAreGroupedInThrees() {
        #expect(TrendChart.count(0) == "0")
        #expect(TrendChart.count(999) == "999")
        #expect(TrendChart.count(300_000) == "300\u{202F}000")
        #expect(TrendChart.count(1_234_567) == "1\u{202F}234\u{202F}567")
    }

    /// One dot per day in the window (the last value given for a day), a line only between
    /// consecutive days, nothing for days outside the 365.
    @Test func oneDotPerDayAndNoLineAcrossGaps() {
        let points = [
            TrendChart.Day(day: Self.today - 400, traps: 1, hosts: 1),  // outside
            TrendChart.Day(day: Self.today - 365, traps: 1, hosts: 1),  // outside: the window is 365 days
            TrendChart.Day(day: Self.today - 364, traps: 5, hosts: 1),
            TrendChart.Day(day: Self.today - 10, traps: 10, hosts: 2),
            TrendChart.Day(day: Self.today - 9, traps: 11, hosts: 3),
            TrendChart.Day(day: Self.today - 9, traps: 12, hosts: 3),  // later that day: wins
            TrendChart.Day(day: Self.today, traps: 20, hosts: 4),
            TrendChart.Day(day: Self.today + 1, traps: 99, hosts: 9),  // the future
        ]
        let html = TrendChart.html(points, today: Self.today)
        #expect(html.components(separatedBy: "class=\"tk-pt\"").count - 1 == 2 * 4)
        // traps: 5 (day 0 of the window), 10 and 12 joined, 20 alone; top 20 → per mille 750, 500, 400, 0
        #expect(html.contains("<path class=\"tk-line\" d=\"M0.5,750M354.5,500L355.5,400M364.5,0\"/>"))
        #expect(
            html.contains(
                "aria-label=\"Spamtrap addresses per day, 4 days with a publish from 2022-11-15 to 2023-11-14"))
        #expect(!html.contains("99"))
    }

    /// Month names sit in their month's stretch; the partial months at the ends get none.
    @Test func monthNamesAndYears() {
        let html = TrendChart.html([], today: Self.today)  // window 2022-11-15 … 2023-11-14
        let axis = TrendChart.months(start: Self.today - 364, today: Self.today)
        let names = axis.components(separatedBy: "text-anchor=\"middle\">").dropFirst().map {
            String($0.prefix { $0 != "<" })
        }
        #expect(names == ["Dec", "Jan", "2023", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct"])
        #expect(html.contains("no publish recorded in the last 365 days"))
    }
}
