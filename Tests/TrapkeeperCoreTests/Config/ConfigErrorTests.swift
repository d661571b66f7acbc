import Foundation
import Testing

@testable import TrapkeeperCore

/// Config problems are reported with the file and, where it can be found, the line.
@Suite struct ConfigErrorTests {
    func load(_ toml: String, files: [String: String] = ["valid.txt": "peter@bsdly.com\n"]) -> (ConfigError?, String) {
        let dir = TempDir()
        for (name, text) in files { dir.write(name, text) }
        let path = dir.write("t.toml", toml)
        do {
            _ = try Config.load(path: path)
            return (nil, path)
        } catch let e as ConfigError {
            return (e, path)
        } catch {
            Issue.record("unexpected error \(error)")
            return (nil, path)
        }
    }

    let base = "domains = [\"bsdly.com\"]\nvalid_addresses = \"valid.txt\"\n"

    @Test func unknownTopLevelKey() {
        let (e, path) = load(base + "harvest_sender = true\n")
        #expect(e?.line == 3)
        #expect(e?.description.contains(path) == true)
        #expect(e?.message.contains("harvest_sender") == true)
    }

    /// Delimiters are matched as bytes: a non-ASCII character (its UTF-8 bytes would each cut
    /// local parts), a blank, a control character or '@' is refused at its line; printable
    /// ASCII is taken.
    @Test(arguments: ["\u{FF0B}", "+\u{E9}", " ", "+\\t", "@", "+@"])
    func recipientDelimiterMustBePrintableASCII(_ value: String) {
        let (e, _) = load(base + "recipient_delimiter = \"\(value)\"\n")
        #expect(e?.line == 3, "\(value.debugDescription): \(String(describing: e))")
        #expect(e?.message.contains("printable ASCII") == true)
    }

    @Test func recipientDelimitersOfPrintableASCIIAreTaken() {
        let (e, _) = load(base + "recipient_delimiter = \"+-_=#\"\n")
        #expect(e == nil)
    }

    @Test func unknownSourceKey() {
        let (e, _) = load(base + "\n[[sources]]\nname = \"a\"\nurl = \"x.dump\"\ntimeout = 5\n")
        #expect(e?.line == 7)
        #expect(e?.message.contains("timeout") == true)
    }

    @Test func badCIDR() {
        let (e, _) = load(base + "never_block = [\"10.0.0.0/33\"]\n")
        #expect(e?.line == 3)
        #expect(e?.message.contains("10.0.0.0/33") == true)
    }

    @Test func duplicateSourceNames() {
        let (e, _) = load(base + "[[sources]]\nname = \"fw\"\nurl = \"a\"\n[[sources]]\nname = \"fw\"\nurl = \"b\"\n")
        #expect(e?.line == 7)
        #expect(e?.message.contains("duplicate source name 'fw'") == true)
    }

    @Test func invalidSourceName() {
        let (e, _) = load(base + "[[sources]]\nname = \"fw 1\"\nurl = \"a\"\n")
        #expect(e?.line == 4)
    }

    @Test func missingDomains() {
        let (e, _) = load("valid_addresses = \"valid.txt\"\n")
        #expect(e?.message.contains("'domains' is required") == true)
    }

    @Test func syntaxErrorHasALine() {
        let (e, _) = load(base + "state = \n")
        #expect(e?.line == 3)
        #expect(e?.message.contains("TOML") == true)
    }

    @Test func unreadableCredentialFiles() {
        let (e, _) = load(base + "[[sources]]\nname = \"fw\"\nurl = \"https://x/\"\nnetrc = \"missing.netrc\"\n")
        #expect(e?.line == 6)
        #expect(e?.message.contains("missing.netrc") == true)
        let (e2, _) = load(base + "[[sources]]\nname = \"fw\"\nurl = \"https://x/\"\nca_file = \"nope.pem\"\n")
        #expect(e2?.line == 6)
    }

    @Test func aFolderIsNotACredentialFile() {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        try? FileManager.default.createDirectory(atPath: dir.file("certs"), withIntermediateDirectories: true)
        let path = dir.write("t.toml", base + "[[sources]]\nname = \"fw\"\nurl = \"https://x/\"\nca_file = \"certs\"\n")
        #expect(throws: ConfigError.self) { try Config.load(path: path) }
    }

    @Test func aNamelessSourceIsReportedAtItsOwnHeader() {
        let (e, _) = load(base + "[[sources]]\nurl = \"a\"\n[[sources]]\nname = \"fw\"\nurl = \"b\"\n")
        #expect(e?.line == 3)
        #expect(e?.message.contains("source #1") == true)
    }

    @Test func quotedAndDottedUnknownKeysHaveLines() {
        let (e, _) = load(base + "\"publsh_dir\" = \"x\"\n")
        #expect(e?.line == 3)
        let (e2, _) = load(base + "guards.max_shrunk = 3\n")
        #expect(e2?.line == 3)
        #expect(e2?.message.contains("max_shrunk") == true)
    }

    @Test func refusesOtherSchemes() {
        let (e, _) = load(base + "[[sources]]\nname = \"fw\"\nurl = \"ftp://x/dump\"\n")
        #expect(e?.line == 5)
    }

    /// A config saved on Windows (CRLF) or with a BOM reports the same lines as one saved with LF.
    @Test(arguments: [
        ("harvest_sender = true\n", 3),
        ("\n[[sources]]\nname = \"a\"\nurl = \"x.dump\"\ntimeout = 5\n", 7),
        ("never_block = [\"10.0.0.0/33\"]\n", 3),
        ("[[sources]]\nname = \"fw\"\nurl = \"a\"\n[[sources]]\nname = \"fw\"\nurl = \"b\"\n", 7),
        ("[[sources]]\nurl = \"a\"\n[[sources]]\nname = \"fw\"\nurl = \"b\"\n", 3),
        ("guards.max_shrunk = 3\n", 3),
    ])
    func linesAreTheSameWhateverTheLineEnds(tail: String, line: Int) {
        for (style, text) in [
            ("LF", base + tail), ("CRLF", (base + tail).replacingOccurrences(of: "\n", with: "\r\n")),
            ("BOM + CRLF", "\u{FEFF}" + (base + tail).replacingOccurrences(of: "\n", with: "\r\n")),
        ] {
            let (e, _) = load(text)
            #expect(e?.line == line, "\(style): \(e.map { "\($0)" } ?? "no error")")
        }
    }

    @Test(
        "a password in a source url is refused at its line, pointing to the netrc key, and never echoed",
        arguments: [
            "https://gw1:hunter2@gw1.example.org/greylist.dump",
            "http://:hunter2@gw1.example.org/greylist.dump",
            "https://gw1:hunter2/x@gw1.example.org/greylist.dump",
        ])
    func refusesAPasswordInTheURL(url: String) {
        let (e, path) = load(base + "\n[[sources]]\nname = \"gw1\"\nformat = \"spamdb\"\nurl = \"\(url)\"\n")
        #expect(e?.line == 7)
        #expect(e?.description.hasPrefix("\(path):7: ") == true, "\(e?.description ?? "no error")")
        #expect(e?.message.contains("source 'gw1'") == true)
        #expect(e?.message.contains("password") == true)
        #expect(e?.message.contains("netrc = ") == true)
        #expect(e?.description.contains("hunter2") == false)
    }

    @Test func aUserNameWithoutPasswordIsAccepted() {
        let (e, _) = load(base + "[[sources]]\nname = \"gw1\"\nurl = \"https://trapkeeper@gw1.example.org/d\"\n")
        #expect(e == nil, "\(e?.description ?? "")")
    }

    @Test func aRefusedSchemeDoesNotEchoThePassword() {
        let (e, _) = load(base + "[[sources]]\nname = \"fw\"\nurl = \"ftp://bob:hunter2@x/dump\"\n")
        #expect(e?.line == 5)
        #expect(e?.description.contains("hunter2") == false, "\(e?.description ?? "no error")")
    }

    @Test func validListProblems() throws {
        let dir = TempDir()
        #expect(throws: ConfigError.self) {
            try AddressBook.load(
                validFile: dir.file("none.txt"), protectedFile: nil, domains: ["bsdly.com"], delimiters: "")
        }
        dir.write("empty.txt", "# only comments\n\n")
        do {
            _ = try AddressBook.load(
                validFile: dir.file("empty.txt"), protectedFile: nil, domains: ["bsdly.com"], delimiters: "")
            Issue.record("an empty valid list must be an error")
        } catch let e as ConfigError {
            #expect(e.message.contains("holds no address"))
        }
        dir.write("bad.txt", "peter@bsdly.com\n# fine\nnot an address\n")
        do {
            _ = try AddressBook.load(
                validFile: dir.file("bad.txt"), protectedFile: nil, domains: ["bsdly.com"], delimiters: "")
            Issue.record("a bad line must be an error")
        } catch let e as ConfigError {
            #expect(e.line == 3)
            #expect(e.description.contains("bad.txt:3"))
        }
    }

    /// A domain may be configured as a U-label or an A-label; it is kept in its ASCII form.
    @Test func internationalDomainsAreKeptInTheirASCIIForm() throws {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        let path = dir.write(
            "t.toml",
            "domains = [\"B\u{FC}cher.Example\", \"XN--MNCHEN-3YA.example\", \"bsdly.com\"]\nvalid_addresses = \"valid.txt\"\n"
        )
        let config = try Config.load(path: path)
        #expect(config.domains == ["xn--bcher-kva.example", "xn--mnchen-3ya.example", "bsdly.com"])
    }

    @Test(arguments: [
        "xn--abc-.example", "xn--.example", "xn--9999999999a.example", "bad\u{202E}name.example", "a\u{200B}b.example",
        "sp ace.example",
    ])
    func domainsThatAreNoDomainNamesAreRejected(_ domain: String) {
        let (e, _) = load("domains = [\"\(domain)\"]\nvalid_addresses = \"valid.txt\"\n")
        #expect(e?.line == 1)
        #expect(e?.message.contains("not a domain name") == true, "\(String(describing: e))")
    }
}
