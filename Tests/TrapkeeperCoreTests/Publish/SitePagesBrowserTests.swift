import Foundation
import Testing

@testable import TrapkeeperCore

/// The three pages after a year of publishes, in a real browser (headless Chromium): every
/// exported host is in hosts.html's text, every probe in callbacks.html's, the chart has one dot
/// per day that had a publish, and hostile addresses and helos show literally while nothing they
/// carry runs. Screenshots at 360 and 1400 px land in `.build/test-artifacts/pages/`.
@Suite(.serialized) struct SitePagesBrowserTests {
    static let now: Int64 = 1_700_000_000  // 2023-11-14 22:13:20Z
    static let day: Int64 = 86400
    /// Days ago with a publish; 400 lies outside the chart's 365 days. Day 30 publishes twice.
    static let publishDays: [Int64] =
        [400, 364, 300, 250, 200, 199, 198, 120, 60, 30, 29, 28] + Array((0...10).reversed())
    /// A day with only a dry run: no dot.
    static let dryRunDay: Int64 = 100
    static var chartDays: Int { Set(publishDays.filter { $0 < 365 }).count }

    static let probeEpoch = now - 41
    static let hostileTraps = [
        "<script>document.title='PWNED'</script>@bsdly.com", "{{x}}\"quoted\"@bsdly.com",
        "\u{202E}moc.elgoog@bsdly.com",
    ]
    static let probes: [(ip: String, helo: String, from: String, to: String)] = [
        (
            "207.244.64.181", "mx18-12.smtp.antispamcloud.com", "",
            "mx42.antispamcloud.com-\(probeEpoch)-testing@bsdly.com"
        ),
        (
            "198.51.100.77", "x<script>document.title='PWNED'</script>{{x}}\"q\"", "",
            "<img/src=x/onerror=document.title='PWNED'>-\(probeEpoch)-testing@bsdly.com"
        ),
        // A bidi override in an address makes it unusable (never a trap, never a probe); in a helo
        // it is shown as <U+202E>.
        ("198.51.100.78", "evil\u{202E}.example", "", "lmth.example-\(probeEpoch)-testing@bsdly.com"),
        ("203.0.113.9", "localhost", "user@example.org", "0123456789abcdefghijklmnopqrstuv@bsdly.com"),
        ("203.0.113.10", "mx.snert.example", "", "retep7@bsdly.net"),
    ]

    /// Builds the state and publishes day by day, as the nightly job would.
    static func yearOfPublishes() throws -> Scene {
        let s = try Scene()
        let hostileDay = publishDays.last!
        for d in publishDays {
            let t = now - d * day
            var dump = ""
            for k in 0..<Int(d % 5 + 1) {
                dump += grey(
                    "45.95.\(d % 200).\(k + 1)", from: "kd@xmail.ru", to: "trap\(d)-\(k)@bsdly.com", at: t - 600)
            }
            if d == hostileDay {
                for (k, trap) in hostileTraps.enumerated() {
                    dump += grey("45.95.201.\(k + 1)", from: "kd@xmail.ru", to: trap, at: t - 300)
                }
                dump += grey("2001:67c:2e8::25", from: "a@b.ru", to: "v6trap@bsdly.net", at: t - 300)
                dump += "TRAPPED|45.95.202.1|\(t + 3 * day)\n"
                dump += grey("45.95.203.1", from: "x@y.ru", to: "newhire@bsdly.com", at: t - 300)
                for p in probes { dump += grey(p.ip, from: p.from, to: p.to, at: t, helo: p.helo) }
            }
            try s.classify(dump, now: t, name: "dump\(d)")
            if d == 30 { try republish(s, at: t - 3600) }
            if d == hostileDay {
                // newhire@ became a real user since its hit: its host leaves the lists at once
                // (its only hit no longer counts), the address is never shown on a page again.
                s.dir.write("valid.txt", "peter@bsdly.net\nalice@bsdly.com\nnewhire@bsdly.com\n")
                try s.reopen()
            }
            try republish(s, at: t)
        }
        try s.classify(grey("45.95.250.1", from: "a@b.ru", to: "dry@bsdly.com", at: now - dryRunDay * day), now: now)
        _ = try PublishJob.republish(
            workspace: s.ws, command: "publish --dry-run", now: now - dryRunDay * day, force: true, dryRun: true,
            reporter: .silent)
        return s
    }

    static func republish(_ s: Scene, at t: Int64) throws {
        _ = try PublishJob.republish(
            workspace: s.ws, command: "publish", now: t, force: true, dryRun: false, reporter: .silent)
    }

    /// The text a reader sees: the body without tags, entities decoded.
    static func visibleText(_ dom: String) -> String {
        var s = dom
        if let b = s.range(of: "<body>") { s = String(s[b.upperBound...]) }
        s = s.replacingOccurrences(of: "<style>[^<]*</style>", with: "", options: .regularExpression)
        s = s.replacingOccurrences(of: "<title>[^<]*</title>", with: "", options: .regularExpression)
        s = s.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        return BrowserPageTests.decodeEntities(Substring(s))
    }

    /// The common checks of a page with hostile text: CSP, nothing ran, no element injected.
    static func expectNothingRan(_ dom: String, title: String) {
        #expect(dom.contains("Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""))
        #expect(dom.contains("<title>\(title)"), "the title changed: a script ran")
        #expect(!dom.contains("PWNED</title>"))
        #expect(!dom.contains("<script"), "a <script> element reached the DOM")
        #expect(!dom.contains("<img"), "an <img> element reached the DOM")
    }

    /// Screenshots of the three pages at 360 and 1400 px, and a copy of each page beside them.
    static func screenshots(_ s: Scene) throws {
        for page in ["spamtraps", "hosts", "callbacks"] {
            let copy = (BrowserPageTests.artifacts as NSString).appendingPathComponent("\(page).html")
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: s.dir.file("publish/\(page).html"), toPath: copy)
            for width in [360, 1400] {
                let png = try BrowserPageTests.screenshot(
                    s.dir.file("publish/\(page).html"), width: width, name: "\(page)-\(width)")
                #expect(
                    ((try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0) > 1000,
                    "no screenshot of \(page) at \(width) px")
            }
        }
    }

    @Test func theThreePagesInABrowser() throws {
        if BrowserPageTests.skip { return }
        let s = try Self.yearOfPublishes()

        // hosts.html: every exported host, the hostile traps literally, never a now-valid address.
        let hosts = try s.ws.store.published(kind: "host")
        #expect(hosts.count >= 5)
        #expect(!hosts.contains("45.95.203.1"), "the host that only mailed newhire@ (now a user) is listed")
        let (hostsDOM, _) = try BrowserPageTests.dumpDOM(s.dir.file("publish/hosts.html"))
        Self.expectNothingRan(hostsDOM, title: "Hosts on the traplist (\(hosts.count))")
        let hostsText = Self.visibleText(hostsDOM)
        for h in hosts { #expect(hostsText.contains(h), "\(h) is not on hosts.html") }
        // Addresses are stored lower-cased.
        #expect(hostsText.contains("<script>document.title='pwned'</script>@bsdly.com"))
        #expect(hostsText.contains("{{x}}\"quoted\"@bsdly.com"))
        #expect(!s.traps.contains { $0.contains("\u{202E}") }, "an address with a bidi override is published")
        #expect(hostsText.contains("TRAPPED by spamd until"))
        #expect(!(s.dir.read("publish/hosts.html") ?? "").contains("newhire"), "a real user's address is shown")
        #expect(!hostsText.contains("207.244.64.181"), "a verifier is on the hosts page")

        // callbacks.html: every probe, decoded time and delay, the hostile helos literally.
        let callbacks = try s.ws.store.callbacks()
        #expect(callbacks.count == Self.probes.count)
        let (cbDOM, _) = try BrowserPageTests.dumpDOM(s.dir.file("publish/callbacks.html"))
        Self.expectNothingRan(cbDOM, title: "Callback probes (\(callbacks.count))")
        let cbText = Self.visibleText(cbDOM)
        for p in Self.probes {
            #expect(cbText.contains(p.ip), "\(p.ip) is not on callbacks.html")
            let shown = p.to.lowercased().replacingOccurrences(of: "\u{202E}", with: "<U+202E>")
            if p.to.hasPrefix("retep") {
                #expect(!cbText.contains(p.to), "a SnertSoft probe spells a real user's name")
                #expect(cbText.contains("withheld"))
            } else {
                #expect(cbText.contains(shown), "probe \(shown) is not on callbacks.html")
            }
        }
        #expect(cbText.contains("x<script>document.title='PWNED'</script>{{x}}\"q\""))
        // Helos are kept printable (8-bit bytes as \xNN): a bidi override shows as its bytes.
        #expect(cbText.contains("evil\\xe2\\x80\\xae.example"), "a bidi override in a helo is not shown visibly")
        #expect(cbText.contains(TimeText.utc(Self.probeEpoch)), "the decoded probe time is missing")
        #expect(cbText.contains("41 s"), "the delay is missing")
        #expect(cbText.contains(CallbacksPage.whyNeverListed))

        // spamtraps.html: one dot per day with a publish, per series; the additions line.
        let (trapsDOM, _) = try BrowserPageTests.dumpDOM(s.dir.file("publish/spamtraps.html"))
        Self.expectNothingRan(trapsDOM, title: "Spamtrap addresses (\(s.traps.count))")
        for series in ["tk-traps", "tk-hosts"] {
            guard let start = trapsDOM.range(of: "<svg class=\"tk-chart \(series)\""),
                let end = trapsDOM.range(of: "</figure>", range: start.upperBound..<trapsDOM.endIndex)
            else {
                Issue.record("no \(series) chart in the DOM")
                continue
            }
            let svg = trapsDOM[start.lowerBound..<end.lowerBound]
            let dots = svg.components(separatedBy: "class=\"tk-pt\"").count - 1
            #expect(dots == Self.chartDays, "\(series): \(dots) dots for \(Self.chartDays) days with a publish")
        }
        let trapsText = Self.visibleText(trapsDOM)
        #expect(trapsText.contains("Traps added in the last 24 hours: "))
        #expect(trapsText.contains("Hosts on the traplist now: \(hosts.count)"))
        #expect(BrowserPageTests.trapLines(trapsDOM).count == s.traps.count)

        // No page carries a raw bidi control, also not in the newest additions.
        for page in ["spamtraps", "hosts", "callbacks"] {
            #expect(!(s.dir.read("publish/\(page).html") ?? "").contains("\u{202E}"), "\(page).html")
        }
        #expect(!trapsText.contains("moc.elgoog"), "a malformed address is on the page")

        try Self.screenshots(s)
    }
}
