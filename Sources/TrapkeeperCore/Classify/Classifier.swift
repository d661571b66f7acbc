import CScan

/// What the address alone says, before the tuple it came in is looked at.
public enum AddressClass: Sendable, Equatable {
    /// Not in one of our exact domains: never a trap.
    case notOurs
    /// In our domain but not publishable (control, bidi or invisible characters, spaces, invalid
    /// UTF-8, empty local part: `Classifier.unpublishableCharacters`).
    case malformed(String)
    /// Rule 1: a real user, alias or catch-all.
    case valid(String)
    /// Rule 2: a role mailbox or configured protected name.
    case protected(String)
    /// Unknown: a trap, unless the tuple turns out to be a callback probe of this shape.
    case unknown(probeShape: ProbeShape?)
}

/// The classification rules of cli.md, first match wins: not ours → valid → protected →
/// callback probe → trap.
public struct Classifier: Sendable {
    public let domains: [String]
    public let book: AddressBook
    public let detector: ProbeDetector
    public let harvestSenders: Bool
    /// Rules 1 and 2's names as exact byte sets, for `quickClass`.
    let names: ListedNames
    let domainBytes: [[UInt8]]
    /// Recipient delimiter bytes as a 256-entry table.
    let delimiterTable: [Bool]
    /// True when one of our domains has an A-label (`xn--…`): only then can an address whose
    /// domain is not ASCII be ours (a non-ASCII label always encodes to an A-label).
    public let internationalDomains: Bool

    /// `domains` may be given in either IDNA form; they are held in their ASCII form
    /// (`DomainName.configured`), and every address is compared in it.
    public init(domains: [String], book: AddressBook, probeWindowDays: Int, harvestSenders: Bool) {
        self.domains = domains.map { DomainName.configured($0) ?? AddressBook.lower($0) }
        internationalDomains = self.domains.contains { d in
            d.split(separator: ".").contains { $0.hasPrefix(DomainName.acePrefix) }
        }
        self.book = book
        self.detector = ProbeDetector(windowDays: probeWindowDays)
        self.harvestSenders = harvestSenders
        names = ListedNames(book)
        domainBytes = self.domains.map { Array($0.utf8) }
        var table = [Bool](repeating: false, count: 256)
        for d in book.delimiters { table[Int(d)] = true }
        delimiterTable = table
    }

    public init(config: Config, book: AddressBook) {
        self.init(
            domains: config.domains, book: book, probeWindowDays: config.probeWindowDays,
            harvestSenders: config.harvestSenders)
    }

    /// spamd's `dequotetolower`: strip one leading `<` and one trailing `>`, lower-case ASCII.
    public static func normalize(_ raw: String) -> String {
        var u = Substring(raw)
        if u.hasPrefix("<") { u = u.dropFirst() }
        if u.hasSuffix(">") { u = u.dropLast() }
        return AddressBook.lower(String(u))
    }

    /// Byte version of `normalize` into `out` (capacity ≥ raw.count); returns the length.
    @inline(__always)
    static func normalize(_ raw: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        var s = 0
        var e = raw.count
        if e > 0 && raw[0] == 60 { s = 1 }
        if e > s && raw[e - 1] == 62 { e -= 1 }
        let n = e - s
        if n > 0 {
            tk_lower(
                raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + s, n,
                out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return n
    }

    /// A normalised address with its domain in the ASCII form (`DomainName.toASCII`):
    /// `x@bücher.example` → `x@xn--bcher-kva.example`. An address whose domain is ASCII, or
    /// has no ASCII form, comes back as it is. The form an address of ours is kept, classified
    /// and published in: one mailbox, one entry, whichever form the mail used.
    public static func canonicalAddress(_ address: String) -> String {
        domainIsASCII(address) ? address : (asciiForm(address) ?? address)
    }

    /// True when every byte after the last `@` (or of the whole address, without one) is ASCII:
    /// the address is in its canonical form already. One pass over the domain's bytes.
    static func domainIsASCII(_ address: String) -> Bool {
        var text = address
        return text.withUTF8 { p in
            var i = p.count
            while i > 0 {
                let b = p[i - 1]
                if b == 64 { return true }
                if b >= 0x80 { return false }
                i -= 1
            }
            return true
        }
    }

    /// `local@ascii-domain` for an address whose domain is not ASCII; nil when it has no `@` or
    /// its domain has no ASCII form.
    static func asciiForm(_ address: String) -> String? {
        let u = address.utf8
        guard let at = u.lastIndex(of: 64), let ascii = DomainName.toASCII(address[u.index(after: at)...]) else {
            return nil
        }
        return "\(address[..<at])@\(ascii)"
    }

    /// Classifies a normalised address by itself (rules: our domain, 1 valid, 2 protected, shape).
    /// `probeShapes: false` skips the probe-shape check (publishing needs only rules 1 and 2).
    /// The domain is compared in its ASCII form, and the rules look the address up in it
    /// (`canonicalAddress`).
    public func classify(address given: String, probeShapes: Bool = true) -> AddressClass {
        let address: String
        if Classifier.domainIsASCII(given) {
            address = given
        } else {
            guard let ascii = Classifier.asciiForm(given) else { return .notOurs }
            address = ascii
        }
        let u = address.utf8
        guard let at = u.lastIndex(of: 64) else { return .notOurs }
        let domain = String(address[u.index(after: at)...])
        // ASCII here (see above): String equality is byte equality.
        guard domains.contains(domain) else { return .notOurs }
        let local = address[..<at]
        if local.isEmpty { return .malformed("empty local part") }
        if let why = Classifier.unpublishableCharacters(in: address) { return .malformed(why) }
        if let v = book.validity(of: address) { return .valid(v) }
        if let p = book.protection(of: address) { return .protected(p) }
        // Checked after rule 1 and 2: a real user's address is valid whatever its bytes.
        if !Classifier.isValidUTF8(address) {
            return .malformed("not valid UTF-8")
        }
        guard probeShapes else { return .unknown(probeShape: nil) }
        let shape = ProbeDetector.shape(localPart: local) { real in
            book.validity(of: "\(real)@\(domain)") != nil
        }
        return .unknown(probeShape: shape)
    }

    /// Why an address cannot be published as it is, from its characters alone; nil when it can.
    ///
    /// Refused, before rule 1 is looked at (whatever the valid list says):
    /// - control characters: C0, DEL and the C1 controls U+0080…U+009F;
    /// - spaces: the ASCII space (spamd cuts every address at the first one, so an address
    ///   holding one is never what spamd matches) and the Unicode space separators (Zs: no-break
    ///   space, U+2000…U+200A, U+3000 …), which look like one;
    /// - bidirectional-text controls U+061C, U+200E, U+200F, U+202A…U+202E, U+2066…U+2069: they
    ///   make the list show another address than the one it holds (`invoice\u{202E}fdp.exe`);
    /// - the line and paragraph separators U+2028, U+2029: line breaks to Unicode-aware readers
    ///   of a one-address-a-line list;
    /// - invisible characters: the other format characters (Cf: zero-width space, joiners,
    ///   U+2060, U+FEFF, soft hyphen, tag characters …) and the default-ignorable code points
    ///   (Hangul fillers, variation selectors …): two addresses that print alike would be two
    ///   traps, and a reader copies one that spamd never sees.
    /// One pass over the bytes; the characters are looked at only when a byte is not ASCII.
    static func unpublishableCharacters(in address: String) -> String? {
        var text = address
        let bytes: (control: Bool, space: Bool, nonASCII: Bool) = text.withUTF8 { p in
            var nonASCII = false
            for b in p {
                if b < 0x20 || b == 0x7F { return (true, false, false) }
                if b == 0x20 { return (false, true, false) }
                if b >= 0x80 { nonASCII = true }
            }
            return (false, false, nonASCII)
        }
        if bytes.control { return "control characters in the address" }
        if bytes.space { return "space in the address (spamd cuts addresses at the first space)" }
        guard bytes.nonASCII else { return nil }
        for c in address.unicodeScalars where c.value >= 0x80 {
            switch c.value {
            case 0x80...0x9F: return "control characters in the address"
            case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                return "bidirectional-text control U+\(hex(c)) in the address"
            case 0x2028, 0x2029: return "line or paragraph separator U+\(hex(c)) in the address"
            default: break
            }
            let p = c.properties
            switch p.generalCategory {
            case .spaceSeparator: return "space character U+\(hex(c)) in the address"
            case .format, .control, .lineSeparator, .paragraphSeparator:
                return "invisible formatting character U+\(hex(c)) in the address"
            default:
                if p.isDefaultIgnorableCodePoint {
                    return "invisible formatting character U+\(hex(c)) in the address"
                }
            }
        }
        return nil
    }

    private static func hex(_ c: Unicode.Scalar) -> String {
        let digits = String(c.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func isValidUTF8(_ s: String) -> Bool {
        // String(decoding:) repairs invalid input with U+FFFD; a repaired string differs.
        !s.unicodeScalars.contains("\u{FFFD}")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
