/// The chart of spamtraps.html: the trap count and the exported host count per day over the last
/// 365 days, drawn as inline SVG by trapkeeper (no script, nothing fetched: the page's CSP
/// `default-src 'none'; style-src 'unsafe-inline'` covers it).
///
/// One panel per series, each with its own count axis (300 000 traps and 40 hosts share no
/// useful scale). A panel is 100 % of the page's width and a fixed height in CSS pixels: the
/// lines and dots live in a nested `<svg>` that stretches horizontally
/// (`preserveAspectRatio="none"`, strokes `non-scaling-stroke`), while the labels sit outside it
/// at fixed pixel sizes, placed by percentages. So text stays 12 px at 360 px and at 1400 px
/// wide, and nothing is squeezed or blown up.
///
/// One dot per day that had a publish; a line joins consecutive days only, so nothing is drawn
/// for days without a run.
public enum TrendChart {
    /// The counts a day ended with (the day's last publish).
    public struct Day: Sendable, Equatable {
        /// UTC day number (`TimeText.day`).
        public var day: Int64
        public var traps: Int
        public var hosts: Int

        public init(day: Int64, traps: Int, hosts: Int) {
            self.day = day
            self.traps = traps
            self.hosts = hosts
        }
    }

    /// Days shown, today included.
    public static let days: Int64 = 365
    /// Panel geometry, in CSS pixels: the plot area's top and height, the whole panel's height.
    static let plotTop = 14
    static let plotHeight = 110
    static let panelHeight = 162
    /// The plot spans this share of the width, centred, so the dots at either end stay whole.
    static let plotLeft = 1.0
    static let plotWidth = 98.0

    /// Both panels as HTML (`<figure>`s), for the page's `{{{chart}}}`. `points` may come in any
    /// order; only days in the window `today - 364 ... today` are drawn, one per day (the last
    /// given for a day wins).
    public static func html(_ points: [Day], today: Int64) -> String {
        var byDay: [Int64: Day] = [:]
        for p in points where p.day <= today && p.day > today - days { byDay[p.day] = p }
        let shown = byDay.values.sorted { $0.day < $1.day }
        return panel(
            caption: "Spamtrap addresses", what: "traps", values: shown.map { ($0.day, $0.traps) }, today: today)
            + panel(
                caption: "Hosts on the traplist", what: "hosts", values: shown.map { ($0.day, $0.hosts) },
                today: today)
    }

    /// One panel: a `<figure>` holding its caption and SVG.
    static func panel(caption: String, what: String, values: [(day: Int64, value: Int)], today: Int64) -> String {
        let start = today - days + 1
        let maximum = values.map(\.value).max() ?? 0
        let (top, step) = scale(maximum)
        let first = values.first.map { TimeText.date(day: $0.day) } ?? "-"
        let last = values.last.map { TimeText.date(day: $0.day) } ?? "-"
        let summary =
            values.isEmpty
            ? "\(caption): no publish recorded in the last \(days) days"
            : "\(caption) per day, \(values.count) days with a publish from \(first) to \(last): "
                + "lowest \(count(values.map(\.value).min() ?? 0)), highest \(count(maximum)), "
                + "last \(count(values.last!.value))"
        var s = "<figure class=\"tk-trend\"><figcaption>\(caption)</figcaption>\n"
        s +=
            "<svg class=\"tk-chart tk-\(what)\" width=\"100%\" height=\"\(panelHeight)\" role=\"img\" aria-label=\"\(HTMLText.escaped(summary))\">"
        s += "<title>\(HTMLText.escaped(summary))</title>\n"
        s += style
        // Count axis: a grid line per step, its label just above it at the left.
        s += "<g class=\"tk-grid\">"
        for v in stride(from: 0, through: top, by: step) {
            let y = Double(plotTop) + Double(plotHeight) * (1 - Double(v) / Double(top))
            s += "<line x1=\"0\" x2=\"100%\" y1=\"\(fixed(y))\" y2=\"\(fixed(y))\"/>"
        }
        s += "</g><g class=\"tk-axis\">"
        for v in stride(from: 0, through: top, by: step) {
            let y = Double(plotTop) + Double(plotHeight) * (1 - Double(v) / Double(top))
            s += "<text x=\"2\" y=\"\(fixed(y - 3))\">\(count(v))</text>"
        }
        s += "</g>\n"
        s += months(start: start, today: today)
        // The data, in day units across and per mille of `top` down.
        s +=
            "<svg x=\"\(plotLeft)%\" y=\"\(plotTop)\" width=\"\(plotWidth)%\" height=\"\(plotHeight)\" viewBox=\"0 0 \(days) 1000\" preserveAspectRatio=\"none\" overflow=\"visible\">"
        var line = ""
        var dots = ""
        var previous: Int64?
        for (day, value) in values {
            let x = fixed(Double(day - start) + 0.5)
            let y = fixed(1000 - 1000 * Double(value) / Double(top))
            line += (previous == day - 1 ? "L" : "M") + "\(x),\(y)"
            previous = day
            dots += "<path class=\"tk-pt\" d=\"M\(x),\(y)h0\"/>"
        }
        if !line.isEmpty { s += "<path class=\"tk-line\" d=\"\(line)\"/>" }
        s += dots + "</svg></svg></figure>\n"
        return s
    }

    /// The SVG's own style (presentation needs no page CSS, so a custom `page_template` keeps it).
    static let style =
        "<style>.tk-chart{display:block;overflow:visible}.tk-chart text{font:12px sans-serif;fill:#444;"
        + "paint-order:stroke;stroke:#fff;stroke-width:3px}.tk-grid line{stroke:#ddd;stroke-width:1px}"
        + ".tk-month{stroke:#eee;stroke-width:1px}.tk-line{fill:none;stroke:#1f5fa8;stroke-width:1.5px;"
        + "vector-effect:non-scaling-stroke}.tk-pt{fill:none;stroke:#1f5fa8;stroke-width:5px;"
        + "stroke-linecap:round;vector-effect:non-scaling-stroke}.tk-hosts .tk-line,.tk-hosts .tk-pt{stroke:#b2401f}"
        + "</style>\n"

    /// A month with fewer days than this in the window (the partial months at either end) gets no
    /// name: centred in its short stretch, it would run into its neighbour's at 360 px.
    static let minLabelledDays: Int64 = 20

    /// Month ticks at each month's first day, the month's name in the middle of its stretch
    /// (see `minLabelledDays`), and the year under every January and under the first named month
    /// when it is January to October.
    static func months(start: Int64, today: Int64) -> String {
        var ticks = ""
        var names = ""
        let c = TimeText.civil(day: start)
        var month = (year: c.year, month: c.month)
        var yearShown = false
        let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        while true {
            let firstDay = TimeText.dayNumber(year: month.year, month: month.month, day: 1)
            guard firstDay <= today else { break }
            let next = month.month == 12 ? (month.year + 1, 1) : (month.year, month.month + 1)
            let nextFirst = TimeText.dayNumber(year: next.0, month: next.1, day: 1)
            let from = max(firstDay, start)
            let to = min(nextFirst, today + 1)
            if firstDay > start {
                let x = percent(Double(firstDay - start))
                ticks +=
                    "<line class=\"tk-month\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(plotTop)\" y2=\"\(plotTop + plotHeight + 4)\"/>"
            }
            if to - from >= minLabelledDays {
                let x = percent(Double(from + to - 2 * start) / 2)
                let y = plotTop + plotHeight + 16
                names += "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"middle\">\(monthNames[month.month - 1])</text>"
                // The first named month says its year, unless a January follows within two
                // months (the two years would run into each other at 360 px).
                if (!yearShown && month.month <= 10) || month.month == 1 {
                    names += "<text x=\"\(x)\" y=\"\(y + 16)\" text-anchor=\"middle\">\(month.year)</text>"
                    yearShown = true
                }
            }
            month = next
        }
        return "<g>\(ticks)</g><g class=\"tk-axis\">\(names)</g>\n"
    }

    /// The axis scale: a step of 1, 2 or 5 × 10ⁿ and the smallest multiple of it at or above
    /// `maximum`, with at most 4 steps (at least one).
    static func scale(_ maximum: Int) -> (top: Int, step: Int) {
        var magnitude = 1
        while true {
            for m in [1, 2, 5] {
                let step = m * magnitude
                let steps = max(1, (maximum + step - 1) / step)
                if steps <= 4 { return (steps * step, step) }
            }
            magnitude *= 10
        }
    }

    /// `300 000`: groups of three digits split by a narrow no-break space.
    static func count(_ v: Int) -> String {
        let digits = String(v.magnitude)
        var out = v < 0 ? "-" : ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "\u{202F}" }
            out.append(ch)
        }
        return out
    }

    /// An x position in the panel, in percent of its width, for a (fractional) day offset.
    static func percent(_ dayOffset: Double) -> String {
        fixed(plotLeft + plotWidth * dayOffset / Double(days)) + "%"
    }

    /// Up to two decimals, no trailing zeros: short attribute values.
    static func fixed(_ v: Double) -> String {
        let hundredths = Int((v * 100).rounded())
        let whole = hundredths / 100
        let frac = abs(hundredths % 100)
        let sign = hundredths < 0 && whole == 0 ? "-" : ""
        if frac == 0 { return "\(sign)\(whole)" }
        return frac % 10 == 0 ? "\(sign)\(whole).\(frac / 10)" : "\(sign)\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }
}
