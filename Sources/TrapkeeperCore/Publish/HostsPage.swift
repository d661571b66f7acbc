/// Renders `hosts.html`: the hosts on the traplist now, newest hit first, and why each is there,
/// for the admin of a listed server who searches the page for its address.
///
/// Every host, trap and date is written byte by byte through `HTMLText`; the frame is
/// `SitePage`'s (same style, same Content-Security-Policy as spamtraps.html).
public enum HostsPage {
    public static func render(hosts: [SiteFacts.ListedHost], domains: [String], ttlHours: Int, now: Int64) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(hosts.count * 200 + 4096)
        func text(_ s: String) { HTMLText.append(s, to: &b) }
        func raw(_ s: String) { b.append(contentsOf: s.utf8) }
        func date(_ t: Int64?) {
            if let t { TimeText.appendUTC(t, to: &b) }
        }
        raw("<h1>Hosts on the traplist</h1>\n<p>")
        if hosts.isEmpty {
            raw("No host is on the traplist now.")
        } else {
            raw(hosts.count == 1 ? "This host" : "These \(hosts.count) hosts")
            raw(" sent mail to <a href=\"spamtraps.html\">spamtrap addresses</a> in ")
            text(domains.joined(separator: ", "))
            raw(
                """
                , addresses that belong to nobody, or were TRAPPED by spamd on one of our firewalls for \
                doing so.
                """)
        }
        raw(" Last update: <time datetime=\"")
        date(now)
        raw("\">")
        date(now)
        raw("</time>.</p>\n")
        raw(
            """
            <p>Is your server here? Search this page for its address. Each row says why it is listed: \
            when it last mailed a trap, and which trap. Servers send to these addresses when they relay \
            spam, run a compromised account or script, or mail a bought or harvested list. Once that \
            stops, a host leaves the list by itself \(ttlHours) hours after its last trap hit.</p>
            <p>The same hosts for firewalls: <a href="traplist.pf">traplist.pf</a> (a pf table, \
            aggregated into CIDR blocks) and <a href="traplist.spamd">traplist.spamd</a> (spamd-setup, \
            IPv4).</p>

            """)
        guard !hosts.isEmpty else { return SitePage.document(title: "Hosts on the traplist (0)", body: b) }
        raw(
            """
            <table class="list hosts">
            <thead><tr><th>Host</th><th>Listed because</th><th>Last trap hit</th><th>First trap hit</th>\
            <th>Trap it mailed</th></tr></thead>
            <tbody>

            """)
        var ip: [UInt8] = []
        for h in hosts {
            raw("<tr><td><code>")
            ip.removeAll(keepingCapacity: true)
            if h.ip.isIPv4 { h.ip.appendV4Text(to: &ip) } else { ip.append(contentsOf: h.ip.description.utf8) }
            b.append(contentsOf: ip)
            raw("</code></td><td>")
            if h.kept {
                raw("kept while a source is down")
            } else {
                if h.recentHit { raw("mailed a trap") }
                if let t = h.trappedUntil {
                    raw(h.recentHit ? "; TRAPPED by spamd until <time>" : "TRAPPED by spamd until <time>")
                    date(t)
                    raw("</time>")
                }
            }
            raw("</td><td>")
            date(h.lastHit)
            raw("</td><td>")
            date(h.firstHit)
            raw("</td><td>")
            if let t = h.trap {
                raw("<code>")
                text(t)
                raw("</code>")
            }
            raw("</td></tr>\n")
        }
        raw("</tbody>\n</table>\n")
        return SitePage.document(title: "Hosts on the traplist (\(hosts.count))", body: b)
    }
}
