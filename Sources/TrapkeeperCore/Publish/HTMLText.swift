/// Text that strangers chose (addresses, helos, senders), made safe and honest for the pages.
///
/// Every page writes such text through `append(_:to:)`, byte by byte:
/// * `<`, `>`, `&`, `"`, `'` become entities, so markup and attribute syntax show as written;
///   template syntax (`{{x}}`) needs nothing, as the text is never parsed as a template;
/// * characters a reader cannot see, or that reorder what they see, are shown as a visible
///   `<U+XXXX>`: C0 and C1 controls, DEL, and the invisible formatting characters of Unicode
///   (`invisibles`: bidi overrides and isolates, zero-width characters, line and paragraph
///   separators, the byte-order mark). An address written right to left by a U+202E cannot
///   pose as another one;
/// * bytes that were not UTF-8 arrive here already replaced by U+FFFD (`�`, visible): a Swift
///   `String` holds valid UTF-8 only, and the state's text is decoded with replacement.
public enum HTMLText {
    /// The invisible formatting characters shown as `<U+XXXX>` (besides the controls).
    public static let invisibles: [ClosedRange<UInt32>] = [
        0x061C...0x061C,  // ARABIC LETTER MARK
        0x200B...0x200F,  // zero-width space/joiners, LRM, RLM
        0x2028...0x202E,  // line/paragraph separators, bidi embeddings and overrides
        0x2060...0x2064,  // word joiner, invisible operators
        0x2066...0x2069,  // bidi isolates
        0xFEFF...0xFEFF,  // byte-order mark / zero-width no-break space
    ]

    /// Whether a scalar is shown as `<U+XXXX>` (the definition `append` follows).
    public static func isHidden(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
        return invisibles.contains { $0.contains(v) }
    }

    /// `text`, escaped for HTML element content and attribute values, appended to `out`.
    public static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { append(utf8: $0, to: &out) }
    }

    /// `text` escaped, as a String.
    public static func escaped(_ text: String) -> String {
        var out: [UInt8] = []
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The byte loop behind `append`: ASCII is handled byte by byte; only the lead bytes of the
    /// hidden multi-byte scalars (0xC2, 0xD8, 0xE2, 0xEF) look at the whole scalar.
    /// `HTMLTextTests` checks it against `isHidden` on every scalar of the planes it can meet.
    static func append(utf8 u: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var i = 0
        let n = u.count
        while i < n {
            let b = u[i]
            switch b {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            case 0..<0x20, 0x7F: marker(UInt32(b), &out)
            case 0xC2, 0xD8, 0xE2, 0xEF:
                // A valid String: the continuation bytes are there.
                let length = b < 0xE0 ? 2 : 3
                var v = UInt32(b) & (length == 2 ? 0x1F : 0x0F)
                for k in 1..<length { v = v << 6 | UInt32(u[i + k] & 0x3F) }
                if isHidden(Unicode.Scalar(v)!) {
                    marker(v, &out)
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: u[i..<(i + length)]))
                }
                i += length
                continue
            default: out.append(b)
            }
            i += 1
        }
    }

    /// `&lt;U+202E&gt;`: shows as `<U+202E>`.
    private static func marker(_ v: UInt32, _ out: inout [UInt8]) {
        out.append(contentsOf: "&lt;U+".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        let digits = v > 0xFFFF ? 6 : 4
        for k in stride(from: digits - 1, through: 0, by: -1) { out.append(hex[Int((v >> (4 * UInt32(k))) & 15)]) }
        out.append(contentsOf: "&gt;".utf8)
    }
}
