import Foundation

/// Domain names in the one form trapkeeper compares them in: ASCII, each international label as
/// its IDNA A-label (`xn--` + Punycode, RFC 5890 §2.3.2.1, RFC 3492). `bücher.example` and
/// `xn--bcher-kva.example` are one domain, and both are held as `xn--bcher-kva.example`.
///
/// This is IDNA's ToASCII per label and nothing more: no UTS #46 mapping of what people type
/// (full-width letters, `。` as a dot, deleted zero-width characters), no IDNA2008 code point
/// tables, no bidi or CONTEXTJ rules. Mail is compared as it came: a U-label on the wire is
/// already NFC and lower case (RFC 5891 §5.3, RFC 6531), so a domain that differs from ours in
/// anything else — `BÜCHER`, a decomposed `ü`, an invisible character — is not ours, which is
/// the safe side (never a trap). What an operator configures is mapped first (`configured`):
/// lower-cased and NFC-normalised, and refused unless it is plainly a domain name.
public enum DomainName {
    /// The A-label prefix.
    public static let acePrefix = "xn--"
    /// RFC 1035 §2.3.4: 63 bytes a label, 253 a name (without the root dot).
    static let maxLabelBytes = 63
    static let maxNameBytes = 253

    /// The ASCII form of a domain taken from mail (spamd has lower-cased its ASCII letters):
    /// each label with a non-ASCII character becomes `xn--` + its Punycode, every other label
    /// stays as it is (a name that is all ASCII comes back unchanged, `xn--` labels included).
    /// Nil when a label cannot become an A-label: Punycode overflow, more than 63 bytes, or a
    /// name of more than 253 bytes — it cannot be one of our domains.
    public static func toASCII(_ domain: Substring) -> String? {
        if domain.utf8.allSatisfy({ $0 < 0x80 }) { return String(domain) }
        var labels: [String] = []
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            if label.utf8.allSatisfy({ $0 < 0x80 }) {
                labels.append(String(label))
                continue
            }
            guard let encoded = Punycode.encode(Array(label.unicodeScalars)),
                encoded.utf8.count + acePrefix.utf8.count <= maxLabelBytes
            else { return nil }
            labels.append(acePrefix + encoded)
        }
        let name = labels.joined(separator: ".")
        return name.utf8.count <= maxNameBytes ? name : nil
    }

    /// The Unicode form of a domain: each valid A-label decoded (for people to read); labels
    /// that are not valid A-labels stay as they are.
    public static func toUnicode(_ domain: String) -> String {
        domain.split(separator: ".", omittingEmptySubsequences: false).map { label -> String in
            guard let decoded = uLabel(label) else { return String(label) }
            return String(String.UnicodeScalarView(decoded))
        }.joined(separator: ".")
    }

    /// The characters of an A-label (`xn--` + Punycode, any case); nil when `label` is not one:
    /// no prefix, Punycode that does not decode, or decodes to something that does not encode
    /// back to the same label (all ASCII, or not the one encoding of it).
    static func uLabel(_ label: Substring) -> [Unicode.Scalar]? {
        let lower = label.lowercased()
        guard lower.hasPrefix(acePrefix) else { return nil }
        let code = lower.dropFirst(acePrefix.count)
        guard let decoded = Punycode.decode(code), decoded.contains(where: { $0.value >= 0x80 }),
            Punycode.encode(decoded) == String(code)
        else { return nil }
        return decoded
    }

    /// A domain as an operator configures it (the `domains` key, the domain of a valid-list or
    /// protected-list entry), in its ASCII form, lower case. Either form is accepted: a U-label
    /// is lower-cased and NFC-normalised, then encoded; an A-label must decode. Nil when it is
    /// not plainly a domain name: at least two labels; each 1…63 bytes once encoded; an ASCII
    /// label of letters, digits and `-`; a non-ASCII label of letters, marks, digits and `-`
    /// only (no spaces, controls, bidi or invisible characters); an `xn--` label a valid
    /// A-label.
    public static func configured(_ name: String) -> String? {
        let mapped = name.lowercased().precomposedStringWithCanonicalMapping
        let labels = mapped.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for label in labels {
            guard !label.isEmpty else { return nil }
            if label.utf8.allSatisfy({ $0 < 0x80 }) {
                guard label.utf8.allSatisfy(isLetterDigitHyphen), label.utf8.count <= maxLabelBytes else { return nil }
                if label.hasPrefix(acePrefix) && uLabel(label) == nil { return nil }
            } else {
                guard label.unicodeScalars.allSatisfy(isLabelCharacter) else { return nil }
            }
        }
        return toASCII(Substring(mapped))
    }

    private static func isLetterDigitHyphen(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 45
    }

    /// Letters, marks and decimal digits (a rough IDNA2008 PVALID), and `-`.
    private static func isLabelCharacter(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return isLetterDigitHyphen(UInt8(c.value)) }
        switch c.properties.generalCategory {
        case .lowercaseLetter, .otherLetter, .modifierLetter, .titlecaseLetter, .uppercaseLetter, .nonspacingMark,
            .spacingMark, .enclosingMark, .decimalNumber:
            return !c.properties.isDefaultIgnorableCodePoint
        default:
            return false
        }
    }
}
