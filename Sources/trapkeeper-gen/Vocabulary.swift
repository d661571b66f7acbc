/// Word lists the generator builds names from. Kept as byte arrays so no line ever goes through
/// `String`. Last names are all at least five letters long, which keeps real users (`first.last`)
/// apart from every made-up trap shape (see `TrapPool`).
enum Vocabulary {
    static let firstNames: [[UInt8]] = words(
        "alice bob carol david erik frank gina hanna ivan julia karl laura mike nina olaf peter "
            + "quinn rita sven tina ulrich vera walter xenia yusuf zoe anders brita claes dagny eva "
            + "fredrik gustav helga ingrid jonas kari lars marit nils oddny pia ragnar siri tor "
            + "unni vidar aksel bente cecilie dag elin finn grete harald ida jens kjell liv magnus "
            + "nora ove")
    static let lastNames: [[UInt8]] = words(
        "smith jones brown hansen olsen larsen andersen pedersen nilsen johansen berg haugen "
            + "hagen johnsen karlsen jensen halvorsen solberg strand eriksen moller lunde kristiansen "
            + "jacobsen dahl svendsen bakken martinsen lie sorensen rasmussen tangen moen ellingsen "
            + "amundsen knutsen nguyen garcia miller davis wilson taylor moore white harris martin "
            + "thompson robinson clark lewis walker young allen wright scott green baker adams "
            + "nelson carter mitchell roberts turner phillips campbell parker evans edwards")

    static let consonants: [UInt8] = Array("bcdfghjklmnprstvwz".utf8)
    static let vowels: [UInt8] = Array("aeiou".utf8)
    static let alnumLower: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    static let alnumMixed: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    static let upperAlnum: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    static let base31: [UInt8] = Array("0123456789abcdefghijklmnopqrstu".utf8)

    /// RFC 2142 role mailboxes plus the names every MTA treats as special: never traps.
    static let roles: [[UInt8]] = words(
        "postmaster abuse hostmaster webmaster info sales support noc security marketing news "
            + "usenet www uucp ftp root mailer-daemon double-bounce")

    static let spamTLDs: [[UInt8]] = words("ru cn com net br in vn info top xyz de fr it pl ua tk biz")
    static let spamWords: [[UInt8]] = words(
        "xmail mailbox promo offer deal cheap pharma loans casino crypto bizmail fastmail "
            + "newsflash prime rewards winner dating bestbuy globalnet skynet telecom")
    static let externalDomains: [[UInt8]] = words(
        "gmail.com yahoo.com hotmail.com outlook.com mail.ru yandex.ru qq.com 163.com web.de "
            + "gmx.net aol.com icloud.com wanadoo.fr libero.it")
    static let listSenders: [[UInt8]] = words(
        "news lists bounce newsletter noreply info-list mailer updates")
    static let legitDomains: [[UInt8]] = words(
        "example.org example.com lists.example.net freebsd.org openbsd.org undeadly.org "
            + "github.com bank.example pta.example nuug.no")
    static let botHelos: [[UInt8]] = words("ylmf-pc User localhost PC ADMIN unknown win7 Mail mx")
    static let ispWords: [[UInt8]] = words(
        "bodkin relay smtp out mx mail static dyn pool host client ppp adsl cable")

    static let greyTag: [UInt8] = Array("GREY|".utf8)
    static let whiteTag: [UInt8] = Array("WHITE|".utf8)
    static let trappedTag: [UInt8] = Array("TRAPPED|".utf8)
    static let spamtrapTag: [UInt8] = Array("SPAMTRAP|".utf8)
    static let nullSender: [UInt8] = Array("<>".utf8)
    static let testing: [UInt8] = Array("-testing@".utf8)
    static let afterShipSender: [UInt8] = Array("<user@example.org>".utf8)
    static let afterShipHelo: [UInt8] = Array("localhost".utf8)
    static let reacherSender: [UInt8] = Array("<reacher@gmail.com>".utf8)
    static let reacherHelo: [UInt8] = Array("gmail.com".utf8)
    static let doubleBounce: [UInt8] = Array("double-bounce".utf8)
    static let postmaster: [UInt8] = Array("postmaster".utf8)
    static let win: [UInt8] = Array("WIN-".utf8)

    /// Public IPv4 first octets that hold no special-purpose block (RFC 6890), so generated
    /// hosts look like the Internet and are never hidden by the built-in never-block list.
    static let publicFirstOctets: [UInt32] = [
        2, 5, 23, 31, 37, 45, 46, 62, 77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 93, 94,
        95, 109, 141, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217,
    ]

    static let garbage: [[UInt8]] = [
        Array("<html><head><title>502 Bad Gateway</title></head>".utf8),
        Array("<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>".utf8),
        Array("GRAY|45.95.147.12|ylmf-pc|<kd@xmail.ru>|<jsmith@example.com>|1503145011|1503159411|1503159411|1|0".utf8),
        Array("GREY|45.95.147.12|ylmf-pc|<kd@xmail.ru>".utf8),
        Array("GREY|300.1.2.999|ylmf-pc|<kd@xmail.ru>|<someone@gmail.com>|1503145011|1503159411|1503159411|1|0".utf8),
        Array("GREY|77.247.181.1|evil|helo|<a@b.example>|<c@d.example>|1503145011|1503159411|1503159411|1|0".utf8),
        Array("TRAPPED|not-an-ip|1503231411".utf8),
        Array("WHITE|213.187.179.198|||soon|later|never|2|14".utf8),
        [],
        [0x47, 0x52, 0x45, 0x59, 0x7c, 0xff, 0xfe, 0x00, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x7c, 0x7c],
    ]

    static func words(_ text: String) -> [[UInt8]] {
        text.split(separator: " ").map { Array($0.utf8) }
    }
}
