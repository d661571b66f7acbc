import Foundation

/// Writes the published files from a plan, all replaced together (`AtomicFile.replaceAll`).
public struct Publisher {
    public let publishDir: String
    public let domains: [String]
    public let ttlHours: Int
    public let renderer: PageRenderer
    /// The host lists of the enabled `exports`.
    public let hostLists: HostListExports

    public static let trapsFile = "spamtraps.txt"
    public static let pageFile = "spamtraps.html"
    public static let pfFile = "traplist.pf"
    public static let spamdFile = "traplist.spamd"
    public static let hostsPageFile = "hosts.html"
    public static let callbacksPageFile = "callbacks.html"
    public static let withdrawnFile = "spamtraps-withdrawn.txt"
    /// Every file a publish may write (the host lists only when their export is enabled).
    public static let allFiles =
        [trapsFile, pageFile, withdrawnFile, hostsPageFile, callbacksPageFile] + HostListExports.allFiles

    public init(config: Config) throws {
        publishDir = config.publishDir
        domains = config.domains
        ttlHours = config.hostTTLHours
        renderer = try PageRenderer(templatePath: config.pageTemplate)
        hostLists = HostListExports(config: config)
    }

    /// `spamtraps.txt` (and `spamtraps-withdrawn.txt`): one address per line, nothing else (no
    /// comments, no blank lines).
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
        let hostFiles = hostLists.render(plan)
        // Every file is rendered, then all are written before any replaces its old copy, and the
        // host lists of exports not written go with the same step: the published set is all old
        // or all new.
        var files: [(bytes: [UInt8], path: String)] = [
            (Publisher.trapList(plan.traps), path(Publisher.trapsFile)),
            (
                Array(
                    renderer.render(traps: plan.traps, newest: plan.newest, domains: domains, now: plan.now, site: site)
                        .utf8), path(Publisher.pageFile)
            ),
            (
                HostsPage.render(hosts: site.hosts, domains: domains, ttlHours: ttlHours, now: plan.now),
                path(Publisher.hostsPageFile)
            ),
            (CallbacksPage.render(callbacks: site.callbacks, now: plan.now), path(Publisher.callbacksPageFile)),
            (Publisher.trapList(plan.withdrawn), path(Publisher.withdrawnFile)),
        ]
        files += hostFiles.files.map { ($0.bytes, path($0.name)) }
        try AtomicFile.replaceAll(files, removing: hostFiles.remove.map(path))
    }
}
