import Foundation

/// Writes the published files from a plan, all replaced together (`AtomicFile.replaceAll`).
public struct Publisher {
    public let publishDir: String
    public let domains: [String]
    public let ttlHours: Int
    public let renderer: PageRenderer

    public static let trapsFile = "spamtraps.txt"
    public static let pageFile = "spamtraps.html"
    public static let pfFile = "traplist.pf"
    public static let spamdFile = "traplist.spamd"
    public static let hostsPageFile = "hosts.html"
    public static let callbacksPageFile = "callbacks.html"
    /// Every file a publish writes.
    public static let allFiles = [trapsFile, pageFile, pfFile, spamdFile, hostsPageFile, callbacksPageFile]

    public init(config: Config) throws {
        publishDir = config.publishDir
        domains = config.domains
        ttlHours = config.hostTTLHours
        renderer = try PageRenderer(templatePath: config.pageTemplate)
    }

    /// `spamtraps.txt`: one trap per line, nothing else (no comments, no blank lines).
    public static func trapList(_ traps: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(traps.count * 24)
        for t in traps {
            out.append(contentsOf: t.utf8)
            out.append(10)
        }
        return out
    }

    /// Writes every file of `plan`; `site` brings what the pages show beyond the lists.
    public func write(_ plan: PublishPlan, site: SiteFacts) throws {
        do {
            // Made readable by the web server and writable by us alone, whatever the umask.
            if !FileManager.default.fileExists(atPath: publishDir) {
                try FileManager.default.createDirectory(
                    atPath: publishDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            }
        } catch {
            throw PublishError(path: publishDir, "cannot create the publish folder: \(error.localizedDescription)")
        }
        func path(_ name: String) -> String { (publishDir as NSString).appendingPathComponent(name) }
        AtomicFile.removeLeftovers(in: publishDir, published: Publisher.allFiles)
        let v4Hosts = plan.hosts.filter(\.isIPv4).count
        // Every file is rendered, then all are written before any replaces its old copy: the
        // published set is all old or all new.
        try AtomicFile.replaceAll([
            (Publisher.trapList(plan.traps), path(Publisher.trapsFile)),
            (
                Array(
                    renderer.render(traps: plan.traps, newest: plan.newest, domains: domains, now: plan.now, site: site)
                        .utf8), path(Publisher.pageFile)
            ),
            (
                Array(
                    HostListWriter.pf(
                        blocks: plan.blocks, hosts: plan.hosts.count, domains: domains, now: plan.now,
                        ttlHours: ttlHours
                    ).utf8), path(Publisher.pfFile)
            ),
            (
                Array(
                    HostListWriter.spamd(
                        blocks: plan.blocks, hosts: v4Hosts, domains: domains, now: plan.now, ttlHours: ttlHours
                    ).utf8), path(Publisher.spamdFile)
            ),
            (
                HostsPage.render(hosts: site.hosts, domains: domains, ttlHours: ttlHours, now: plan.now),
                path(Publisher.hostsPageFile)
            ),
            (CallbacksPage.render(callbacks: site.callbacks, now: plan.now), path(Publisher.callbacksPageFile)),
        ])
    }
}
