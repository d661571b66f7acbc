import Foundation
import Testing

@testable import TrapkeeperCore

@Suite struct PublishOutputTests {
    let t0: Int64 = 1_700_000_000

    @Test func listsFollowTheSpec() throws {
        let s = try Scene()
        var dump = ""
        for i in 0..<256 { dump += grey("45.95.147.\(i)", from: "kd@xmail.ru", to: "Trap.One@BSDLY.com", at: t0) }
        dump += grey("2001:67c:2e8::25", from: "a@b.ru", to: "v6trap@bsdly.net", at: t0)
        dump += grey("10.1.2.3", from: "a@b.ru", to: "private@bsdly.net", at: t0)
        dump += grey("45.95.148.9", from: "a@b.ru", to: "alice+news@bsdly.com", at: t0)
        dump += "SPAMTRAP|!!!!!!!!the!rest!is!trash!@bsdly.net\n"
        dump += "SPAMTRAP|#hash@bsdly.com\n"
        try s.classify(dump, now: t0 + 60)
        try s.publish(now: t0 + 60)
        #expect(
            s.traps == [
                "!!!!!!!!the!rest!is!trash!@bsdly.net", "#hash@bsdly.com", "private@bsdly.net", "trap.one@bsdly.com",
                "v6trap@bsdly.net",
            ])
        #expect(s.pfEntries == ["45.95.147.0/24", "2001:67c:2e8::25"])
        let spamd = s.dir.read("publish/traplist.spamd")!
        let spamdEntries = spamd.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(spamdEntries == ["45.95.147.0/24"])
        // every non-entry line of the host lists is a '#' comment
        for file in ["traplist.pf", "traplist.spamd"] {
            for line in s.dir.read("publish/\(file)")!.split(separator: "\n", omittingEmptySubsequences: false)
                .dropLast()
            {
                #expect(line.hasPrefix("#") || CIDR(String(line)) != nil, "bad line in \(file): \(line)")
            }
        }
        let pfHeader = s.dir.read("publish/traplist.pf")!
        #expect(pfHeader.contains("2 entries covering 257 trapped hosts"))
        // no blank line, no comment in spamtraps.txt
        let txt = s.dir.read("publish/spamtraps.txt")!
        #expect(!txt.contains("\n\n") && txt.hasSuffix("\n"))
    }

    @Test func pageEscapesEveryAddress() throws {
        let s = try Scene()
        let evil = [
            "<script>alert(1)</script>@bsdly.com", "<b>x</b>@bsdly.com", "{{x}}@bsdly.com", "o'brien@bsdly.com",
            "\"q\"&amp;@bsdly.com", "bjørn@bsdly.com",
        ]
        try s.classify(evil.map { "SPAMTRAP|\($0)\n" }.joined(), now: t0)
        try s.publish(now: t0)
        let page = s.dir.read("publish/spamtraps.html")!
        #expect(!page.contains("<script>"))
        #expect(!page.contains("<b>x</b>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;@bsdly.com"))
        #expect(page.contains("{{x}}@bsdly.com"))
        #expect(page.contains("o&#39;brien@bsdly.com"))
        #expect(page.contains("&quot;q&quot;&amp;amp;@bsdly.com"))
        #expect(page.contains("bjørn@bsdly.com"))
    }

    @Test func atomicWriteLeavesNoTempFiles() throws {
        let dir = TempDir()
        try AtomicFile.write("one\n", to: dir.file("f"))
        try AtomicFile.write("two\n", to: dir.file("f"))
        #expect(dir.read("f") == "two\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["f"])
    }

    @Test func delistedEntriesStayOffAndAreAudited() throws {
        let s = try Scene()
        try s.classify(
            grey("45.95.147.7", from: "kd@xmail.ru", to: "gone@bsdly.com", at: t0)
                + grey("45.95.147.8", from: "kd@xmail.ru", to: "stays@bsdly.com", at: t0), now: t0)
        try s.publish(now: t0)
        #expect(s.traps == ["gone@bsdly.com", "stays@bsdly.com"])
        try s.ws.store.delist(entry: "gone@bsdly.com", kind: "address", reason: "a customer's new alias", at: t0 + 10)
        try s.ws.store.delist(entry: "45.95.147.7", kind: "ip", reason: "ISP fixed the box", at: t0 + 10)
        try s.publish(now: t0 + 20, force: true)
        #expect(s.traps == ["stays@bsdly.com"])
        #expect(s.pfEntries == ["45.95.147.8"])
        // seen again: still delisted
        try s.classify(
            grey("45.95.147.7", from: "kd@xmail.ru", to: "gone@bsdly.com", at: t0 + 30), now: t0 + 40, name: "d2")
        try s.publish(now: t0 + 40)
        #expect(s.traps == ["stays@bsdly.com"])
        let why = try Explainer.explain("gone@bsdly.com", workspace: s.ws, now: t0 + 40)
        #expect(why.contains("delisted by operator"))
        #expect(why.contains("history:"))
        #expect(why.contains("added"))
        #expect(why.contains("removed"))
        #expect(try s.ws.store.relist(entry: "gone@bsdly.com", at: t0 + 50))
        try s.publish(now: t0 + 60)
        #expect(s.traps == ["gone@bsdly.com", "stays@bsdly.com"])
    }

    @Test func addressThatBecomesValidLeavesWithAuditedCause() throws {
        let s = try Scene()
        try s.classify(grey("45.95.147.7", from: "kd@xmail.ru", to: "newhire@bsdly.com", at: t0), now: t0)
        try s.publish(now: t0)
        #expect(s.traps == ["newhire@bsdly.com"])
        s.dir.write("valid.txt", "peter@bsdly.net\nalice@bsdly.com\nNewHire@bsdly.com\n")
        try s.reopen()
        try s.publish(now: t0 + 10, force: true)
        #expect(s.traps.isEmpty)
        let audit = try s.ws.store.audit(entry: "newhire@bsdly.com")
        #expect(audit.last?.action == "removed")
        #expect(audit.last?.cause.contains("valid") == true)
    }

    @Test func validListShrinkIsAConfigError() throws {
        let s = try Scene(valid: (0..<100).map { "user\($0)@bsdly.com" })
        let r1 = try s.ws.store.beginRun(command: "t", now: t0)
        try s.ws.checkValidListSize(runID: r1)
        s.dir.write("valid.txt", "user1@bsdly.com\n")
        try s.reopen()
        let r2 = try s.ws.store.beginRun(command: "t", now: t0)
        #expect(throws: JobFailure.self) { try s.ws.checkValidListSize(runID: r2) }
        s.dir.write("valid.txt", "# nothing\n")
        #expect(throws: JobFailure.self) { try s.reopen() }
    }
}

/// A page template slip is a config error naming the line, not a page without traps or with a
/// stranger's markup in it.
@Suite struct PageTemplateTests {
    @Test(
        arguments: [
            ("<pre>{{{trapLines}}}</pre>{{#newest}}{{{address}}}{{/newest}}", "'address' unescaped", 1),
            ("<pre>{{{trapLines}}}</pre>\n{{& domains}}", "'domains' unescaped", 2),
            ("<p>{{count}} traps</p>", "shows no traps", nil),
            ("<pre>{{trapLines}}</pre>", "shows no traps", nil),
        ] as [(String, String, Int?)])
    func slipsAreRefused(_ template: String, _ why: String, _ line: Int?) throws {
        let dir = TempDir()
        let path = dir.write("page.mustache", template)
        do {
            _ = try PageRenderer(templatePath: path)
            Issue.record("accepted \(template)")
        } catch let e as ConfigError {
            #expect(e.message.contains(why), "\(e)")
            #expect(e.line == line)
        }
    }

    @Test func theShippedTemplatesAreAccepted() throws {
        _ = try PageRenderer(templatePath: nil)
        _ = try PageRenderer(templatePath: PackageRoot.data("spamtraps.html.mustache"))
        let dir = TempDir()
        _ = try PageRenderer(
            templatePath: dir.write("p", "<pre>{{{trapLines}}}</pre>{{{chart}}}{{#newest}}{{{addressHTML}}}{{/newest}}")
        )
    }
}
