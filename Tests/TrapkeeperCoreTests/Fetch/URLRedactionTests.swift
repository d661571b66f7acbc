import Testing

@testable import TrapkeeperCore

/// No password written in a URL reaches a message or the state.
@Suite struct URLRedactionTests {
    @Test(
        "a URL's password is masked; everything else is kept",
        arguments: [
            ("https://bob:hunter2@fw.example/x", "https://bob:***@fw.example/x"),
            ("https://bob:hunter2@fw.example", "https://bob:***@fw.example"),
            ("https://bob:hunter2@fw.example:8443/g?a=b#c", "https://bob:***@fw.example:8443/g?a=***#c"),
            // A token in a query string is a password too: every value masked, keys kept.
            ("https://fw.example/d?access_token=SECRET123&x=", "https://fw.example/d?access_token=***&x="),
            ("http://127.0.0.1:8080/dump.txt?sig=abc&e=1#frag", "http://127.0.0.1:8080/dump.txt?sig=***&e=***#frag"),
            ("http://:hunter2@fw.example/x", "http://:***@fw.example/x"),
            ("https://bob:@fw.example/x", "https://bob:***@fw.example/x"),
            ("https://bob:hun@ter2@fw.example/x", "https://bob:***@fw.example/x"),  // '@' in the password
            ("https://bob:hunter2@[2001:db8::1]:8443/x", "https://bob:***@[2001:db8::1]:8443/x"),
            ("HTTPS://Bob:hunter2@FW.example/", "HTTPS://Bob:***@FW.example/"),
            // An unencoded '/', '?' or '#' in the password ends the authority early: the part that
            // looks like a port is no number, so everything up to the last '@' is masked.
            ("https://bob:hun/ter2@fw.example/x", "https://***@fw.example/x"),
            ("https://bob:hun?ter2@fw.example/x", "https://***@fw.example/x"),
            ("https://bob:hun#ter2@fw.example/x", "https://***@fw.example/x"),
            // No password: nothing to hide.
            ("https://bob@fw.example/x", "https://bob@fw.example/x"),
            ("https://fw.example/a@b", "https://fw.example/a@b"),
            ("https://fw.example:8443/a@b:c", "https://fw.example:8443/a@b:c"),
            ("https://[2001:db8::1]:8443/a@b", "https://[2001:db8::1]:8443/a@b"),
            ("http://fw.example:/x", "http://fw.example:/x"),
            ("file:///var/db/a:b@c.dump", "file:///var/db/a:b@c.dump"),
            ("greylist.dump", "greylist.dump"),
            ("", ""),
        ])
    func redacted(url: String, expected: String) {
        #expect(URLRedaction.redacted(url) == expected)
        #expect(URLRedaction.redacted(expected) == expected, "redacting twice changes nothing")
        #expect(!URLRedaction.redacted(url).contains("hunter2"))
        #expect(!URLRedaction.redacted(url).contains("ter2"))
    }

    @Test(
        "every URL inside a text is redacted, wherever it stands",
        arguments: [
            (
                "source 'fw': HTTP 401 from https://bob:hunter2@fw.example/x; check the credentials",
                "source 'fw': HTTP 401 from https://bob:***@fw.example/x; check the credentials"
            ),
            (
                "redirected to 'http://eve:hunter2@evil.example/' (from https://bob:hunter2@fw.example/)",
                "redirected to 'http://eve:***@evil.example/' (from https://bob:***@fw.example/)"
            ),
            (
                "Issue another request to this URL: \"http://a:hunter2@b/c\"",
                "Issue another request to this URL: \"http://a:***@b/c\""
            ),
            ("(https://bob:hun/ter2@fw.example/x)", "(https://***@fw.example/x)"),
            ("no URL here: bob@fw.example, 10:30", "no URL here: bob@fw.example, 10:30"),
            ("", ""),
        ])
    func scrubbed(text: String, expected: String) {
        #expect(URLRedaction.scrubbed(text) == expected)
        #expect(URLRedaction.scrubbed(expected) == expected)
    }

    @Test("holdsPassword is exactly 'redaction would change it'")
    func holdsPassword() {
        #expect(URLRedaction.holdsPassword("https://bob:hunter2@fw.example/x"))
        #expect(URLRedaction.holdsPassword("https://bob:hun/ter2@fw.example/x"))
        #expect(!URLRedaction.holdsPassword("https://bob@fw.example/x"))
        #expect(!URLRedaction.holdsPassword("https://fw.example:8443/a@b"))
        #expect(!URLRedaction.holdsPassword("spamd/greylist.dump"))
    }
}
