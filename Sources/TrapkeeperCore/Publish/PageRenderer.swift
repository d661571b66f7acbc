import Foundation
import Mustache

/// Renders `spamtraps.html` from a Mustache template (the operator may restyle it).
///
/// Every address is HTML-escaped (`<`, `>`, `&`, `"`, `'`) byte by byte, so addresses shaped
/// like tags or template syntax show as literal text; values are data, never parsed as
/// template. Template variables: `count`, `domains`, `updated`, `updatedISO`, `hasNewest`,
/// `newest` (`address`, `since`), and `trapLines`: every trap, escaped, one per line — insert it
/// with triple braces `{{{trapLines}}}` (it is already HTML; Mustache would escape it twice).
/// Building that block directly is what keeps a 500 000-trap page fast.
public struct PageRenderer {
    let template: MustacheTemplate
    public static let newestShown = 20

    /// A plain page used when no template file is configured or found.
    public static let fallbackTemplate = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Spamtrap addresses ({{count}})</title></head>
        <body><h1>Spamtrap addresses ({{count}})</h1><p>Last update: {{updated}}</p>
        <pre>
        {{{trapLines}}}</pre></body></html>

        """

    public init(templatePath: String?) throws {
        var text = PageRenderer.fallbackTemplate
        if let templatePath {
            guard let data = FileManager.default.contents(atPath: templatePath),
                let s = String(data: data, encoding: .utf8)
            else { throw ConfigError(file: templatePath, "the page template cannot be read (or is not UTF-8)") }
            text = s
        }
        do {
            template = try MustacheTemplate(string: text)
        } catch {
            throw ConfigError(file: templatePath ?? "<built-in template>", "the page template does not parse: \(error)")
        }
    }

    public func render(traps: [String], newest: [(address: String, since: Int64)], domains: [String], now: Int64)
        -> String
    {
        let iso = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(now)))
        let context: [String: Any] = [
            "count": traps.count,
            "domains": domains.joined(separator: ", "),
            "updated": TimeText.utc(now),
            "updatedISO": iso,
            "hasNewest": !newest.isEmpty,
            "newest": newest.map { ["address": $0.address, "since": TimeText.utc($0.since)] },
            "trapLines": PageRenderer.escapedLines(traps),
        ]
        return template.render(context)
    }

    /// The addresses HTML-escaped, one per line.
    public static func escapedLines(_ traps: [String]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(traps.count * 26)
        for t in traps {
            for b in t.utf8 {
                switch b {
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
                default: out.append(b)
                }
            }
            out.append(10)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
