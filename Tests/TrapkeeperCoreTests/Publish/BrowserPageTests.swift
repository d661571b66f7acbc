import Foundation
import Testing

@testable import TrapkeeperCore

/// The published page in a real browser (Debian's headless Chromium): every trap of
/// spamtraps.txt is visible as text, and nothing an address carries runs as script or markup.
@Suite(.serialized) struct BrowserPageTests {
    static var chromium: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let p = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
        }
        return nil
    }

    static var skip: Bool { ProcessInfo.processInfo.environment["TRAPKEEPER_SKIP_BROWSER"] == "1" }

    /// Runs `chromium --dump-dom` on a file; returns the DOM after scripts (had any been allowed) ran.
    static func dumpDOM(_ path: String, timeout: TimeInterval = 90) throws -> (dom: String, seconds: Double) {
        guard let chromium else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "chromium not found: run scripts/setup --test (or set TRAPKEEPER_SKIP_BROWSER=1)"
                ])
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        let profile = TempDir("chromium-profile")
        p.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=2000", "--dump-dom",
            URL(fileURLWithPath: path).absoluteString,
        ]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        let start = Date()
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        killer.cancel()
        return (String(decoding: data, as: UTF8.self), Date().timeIntervalSince(start))
    }

    /// Where test screenshots are kept (not committed): `.build/test-artifacts/pages/`.
    static var artifacts: String {
        let dir = (PackageRoot.path as NSString).appendingPathComponent(".build/test-artifacts/pages")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Takes a screenshot of a page `width` CSS pixels wide (and 2400 tall) into
    /// `artifacts/NAME.png`; returns its path.
    static func screenshot(_ path: String, width: Int, name: String, timeout: TimeInterval = 90) throws -> String {
        guard let chromium else { throw CocoaError(.fileNoSuchFile) }
        let png = (artifacts as NSString).appendingPathComponent("\(name).png")
        try? FileManager.default.removeItem(atPath: png)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        let profile = TempDir("chromium-profile")
        p.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--hide-scrollbars", "--window-size=\(width),2400",
            "--screenshot=\(png)", URL(fileURLWithPath: path).absoluteString,
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        p.waitUntilExit()
        killer.cancel()
        return png
    }

    static func decodeEntities(_ s: Substring) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The lines of text inside the `<pre class="traps">` blocks of a dumped DOM, in order.
    static func trapLines(_ dom: String) -> [String] {
        var lines: [String] = []
        var rest = dom.startIndex..<dom.endIndex
        while let open = dom.range(of: "<pre class=\"traps\">", range: rest),
            let close = dom.range(of: "</pre>", range: open.upperBound..<dom.endIndex)
        {
            lines += dom[open.upperBound..<close.lowerBound].split(separator: "\n").map(decodeEntities)
            rest = close.upperBound..<dom.endIndex
        }
        return lines
    }

    static let hostile = [
        "<script>alert(1)</script>@bsdly.com", "<script>document.title='PWNED'</script>@bsdly.com",
        "<img/src=x/onerror=document.title='PWNED'>@bsdly.com", "<b>x</b>@bsdly.com", "{{x}}@bsdly.com",
        "{{{x}}}@bsdly.com", "o'brien@bsdly.com", "\"quoted\"@bsdly.com", "a&amp;b@bsdly.com", "bjørn@bsdly.com",
        "用户@bsdly.com", "!!!!!!!!the!rest!is!trash!@bsdly.net", "</pre><h1>x</h1>@bsdly.com", "<!--@bsdly.com",
    ]

    /// Both the shipped template and the default page (no `page_template`).
    @Test(arguments: [true, false])
    func everyTrapIsVisibleAsTextAndNoScriptRuns(shippedTemplate: Bool) throws {
        if Self.skip { return }
        let s = try Scene()
        if !shippedTemplate {
            s.config.pageTemplate = nil
            try s.reopen()
        }
        try s.classify(Self.hostile.map { "SPAMTRAP|\($0)\n" }.joined(), now: 1_700_000_000)
        try s.publish(now: 1_700_000_000)
        let txt = s.traps
        #expect(txt.count == Self.hostile.count)
        let (dom, _) = try Self.dumpDOM(s.dir.file("publish/spamtraps.html"))
        #expect(!dom.isEmpty, "chromium printed no DOM")
        let shown = Self.trapLines(dom)
        #expect(shown == txt, "visible traps differ from spamtraps.txt")
        #expect(!dom.contains("<script"), "a <script> element reached the DOM")
        #expect(!dom.contains("<img"), "an <img> element reached the DOM")
        #expect(!dom.contains("<h1>x</h1>"))
        #expect(!dom.contains("<title>PWNED"), "a script ran and changed the title")
        #expect(dom.contains("<title>Spamtrap addresses (\(txt.count))</title>"))
        #expect(dom.contains("Content-Security-Policy\" content=\"default-src 'none'"), "the page has no CSP")
    }

    /// The built-in page is the shipped template, byte for byte: one design, one CSP.
    @Test func defaultPageIsTheShippedTemplate() throws {
        let shipped = try String(contentsOfFile: PackageRoot.data("spamtraps.html.mustache"), encoding: .utf8)
        #expect(PageRenderer.defaultTemplate == shipped)
        let page = try PageRenderer(templatePath: nil).render(
            traps: ["<script>x</script>@bsdly.com"], newest: [], domains: ["bsdly.com"], now: 0)
        #expect(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"))
        #expect(page.contains("&lt;script&gt;x&lt;/script&gt;@bsdly.com"))
    }

    @Test func aPageOf300000TrapsLoads() throws {
        if Self.skip { return }
        let dir = TempDir()
        let traps = (0..<300_000).map { String(format: "trap%06d@bsdly.com", $0) }
        let renderer = try PageRenderer(templatePath: PackageRoot.data("spamtraps.html.mustache"))
        let start = Date()
        let page = renderer.render(traps: traps, newest: [], domains: ["bsdly.com"], now: 1_700_000_000)
        let renderSeconds = Date().timeIntervalSince(start)
        let path = dir.write("spamtraps.html", page)
        let (dom, seconds) = try Self.dumpDOM(path)
        let shown = Self.trapLines(dom)
        print(
            "300000-trap page: \(page.utf8.count) bytes, rendered in \(String(format: "%.2f", renderSeconds)) s (debug build), loaded by headless Chromium in \(String(format: "%.1f", seconds)) s"
        )
        #expect(shown.count == traps.count)
        #expect(shown.first == traps.first)
        #expect(shown.last == traps.last)
    }
}
