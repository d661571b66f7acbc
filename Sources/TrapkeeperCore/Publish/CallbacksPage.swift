/// Renders `callbacks.html`: the SMTP callback probes seen, per verifying host, with the decoded
/// probe time of Exim random callouts and the delay until spamd saw it — the figures a notice
/// letter to the verifier's admin quotes — and why such hosts are never listed.
///
/// Every address, helo and sender is written byte by byte through `HTMLText`; the frame is
/// `SitePage`'s. A SnertSoft probe spells a real user's local part backwards, so its local part
/// is withheld here (`trapkeeper callbacks` shows it to the operator).
public enum CallbacksPage {
    /// The two sentences a verifier's admin reads first.
    public static let whyNeverListed =
        "These mail servers checked whether an address in our domains exists by starting a delivery to it and "
        + "hanging up before sending anything (a callback, or sender verification): they were verifying mail "
        + "they had received, not sending spam. So we never put them on our traplist, and never publish the "
        + "addresses they made up as spamtraps."

    /// People's names for the stored probe shapes.
    static func shapeName(_ kind: String) -> String {
        switch kind {
        case "exim-callout-random": return "Exim random callout"
        case "aftership-email-verifier": return "AfterShip email-verifier"
        case "reacher": return "Reacher"
        case "snertsoft-milter-ahead": return "SnertSoft milter-ahead"
        default: return kind
        }
    }

    public static func render(callbacks: [CallbackRow], now: Int64) -> [UInt8] {
        // Per verifying host, the host whose latest probe is newest first; its probes by time.
        var byHost: [String: [CallbackRow]] = [:]
        for c in callbacks { byHost[c.ip, default: []].append(c) }
        let hosts = byHost.map { ip, rows in
            (ip: ip, rows: rows.sorted { ($0.seen, $0.probeAddress) < ($1.seen, $1.probeAddress) })
        }.sorted { a, b in
            let x = a.rows.last!.seen
            let y = b.rows.last!.seen
            return x != y ? x > y : a.ip < b.ip
        }

        var b: [UInt8] = []
        b.reserveCapacity(callbacks.count * 300 + 4096)
        func text(_ s: String) { HTMLText.append(s, to: &b) }
        func raw(_ s: String) { b.append(contentsOf: s.utf8) }
        func date(_ t: Int64) { TimeText.appendUTC(t, to: &b) }
        raw("<h1>Callback probes</h1>\n<p>")
        text(whyNeverListed)
        raw("</p>\n<p>")
        raw(
            callbacks.isEmpty
                ? "No probe has been seen."
                : "\(callbacks.count) \(callbacks.count == 1 ? "probe" : "probes") from \(hosts.count) \(hosts.count == 1 ? "server" : "servers"), the latest first."
        )
        raw(
            """
             An Exim random callout writes into the address it makes up the time it made it; \
            <em>probe made</em> is that time, decoded, and <em>delay</em> how long after it our spamd saw \
            the probe. Last update: <time datetime="
            """)
        date(now)
        raw("\">")
        date(now)
        raw("</time>.</p>\n")
        guard !callbacks.isEmpty else { return SitePage.document(title: "Callback probes (0)", body: b) }
        raw(
            """
            <table class="list probes">
            <thead><tr><th>Probe address</th><th>Helo</th><th>Sender</th><th>Seen by spamd</th>\
            <th>Probe made</th><th>Delay</th></tr></thead>

            """)
        for (ip, rows) in hosts {
            let shapes = rows.reduce(into: [String]()) { names, r in
                let n = shapeName(r.kind)
                if !names.contains(n) { names.append(n) }
            }
            raw("<tbody>\n<tr><th colspan=\"6\"><code>")
            text(ip)
            raw("</code>: \(rows.count) \(rows.count == 1 ? "probe" : "probes") (")
            text(shapes.joined(separator: ", "))
            raw("), first seen ")
            date(rows.map(\.seen).min()!)
            raw(", last seen ")
            date(rows.map(\.seen).max()!)
            raw("</th></tr>\n")
            for r in rows {
                raw("<tr><td>")
                if r.kind == "snertsoft-milter-ahead", let at = r.probeAddress.lastIndex(of: "@") {
                    raw("<em>(a user’s name, reversed: withheld)</em><code>")
                    text(String(r.probeAddress[at...]))
                } else {
                    raw("<code>")
                    text(r.probeAddress)
                }
                raw("</code></td><td>")
                if let h = r.helo {
                    raw("<code>")
                    text(h)
                    raw("</code>")
                }
                raw("</td><td><code>")
                text(r.sender)
                raw("</code></td><td>")
                date(r.seen)
                raw("</td><td>")
                if let t = r.probeTime { date(t) }
                raw("</td><td>")
                if let t = r.probeTime { text(TimeText.duration(r.seen - t)) }
                raw("</td></tr>\n")
            }
            raw("</tbody>\n")
        }
        raw("</table>\n")
        return SitePage.document(title: "Callback probes (\(callbacks.count))", body: b)
    }
}
