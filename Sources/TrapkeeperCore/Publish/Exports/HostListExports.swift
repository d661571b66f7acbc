/// The host-list files of a publish, one or two per enabled export (`exports`), all written from
/// the plan's exported blocks.
///
/// The files of an export that is not enabled, and of an enabled export that cannot be written
/// (more ipset entries than `maxelem`), are listed for removal in the same publish: a list left
/// behind would look current to every firewall that keeps loading it, while no run refreshes it
/// any more. A missing file makes the loader fail loudly instead (`ftp`/`curl` get a 404; the
/// sets in the kernel keep what they last loaded).
public struct HostListExports: Sendable {
    public var formats: [ExportFormat]
    public var nft: NftConfig
    public var ipset: IpsetConfig
    public var rbldnsd: RbldnsdConfig?
    public var domains: [String]
    public var ttlHours: Int

    public init(config: Config) {
        formats = config.exports
        nft = config.nft
        ipset = config.ipset
        rbldnsd = config.rbldnsd
        domains = config.domains
        ttlHours = config.hostTTLHours
    }

    /// Every file an export may write.
    public static let allFiles = ExportFormat.allCases.flatMap(\.files)

    /// Why an enabled export will not be written for `plan` (each names the config key to change).
    public func warnings(_ plan: PublishPlan) -> [String] {
        var out: [String] = []
        if formats.contains(.ipset), let why = IpsetWriter.overflow(blocks: plan.blocks, config: ipset) {
            out.append(why)
        }
        if formats.contains(.rbldnsd) && rbldnsd == nil {
            out.append(
                "\(RbldnsdWriter.file4) not written: 'exports' holds \"rbldnsd\" but the config has no [rbldnsd] zone")
        }
        return out
    }

    /// The files to write (name in `publish_dir`, bytes) and the names to remove.
    public func render(_ plan: PublishPlan) -> (files: [(name: String, bytes: [UInt8])], remove: [String]) {
        let hosts4 = plan.hosts.filter(\.isIPv4).count
        return render(blocks: plan.blocks, hosts4: hosts4, hosts6: plan.hosts.count - hosts4, now: plan.now)
    }

    /// The same for `blocks` (the exported cover, sorted, IPv4 first) of `hosts4` + `hosts6`
    /// exported hosts (for the headers), published at `now`.
    public func render(blocks: [CIDR], hosts4: Int, hosts6: Int, now: Int64) -> (
        files: [(name: String, bytes: [UInt8])], remove: [String]
    ) {
        var files: [(name: String, bytes: [UInt8])] = []
        let hosts = hosts4 + hosts6
        for format in formats {
            switch format {
            case .pf:
                let text = HostListWriter.pf(
                    blocks: blocks, hosts: hosts, domains: domains, now: now, ttlHours: ttlHours)
                files.append((Publisher.pfFile, Array(text.utf8)))
            case .spamd:
                let text = HostListWriter.spamd(
                    blocks: blocks, hosts: hosts4, domains: domains, now: now, ttlHours: ttlHours)
                files.append((Publisher.spamdFile, Array(text.utf8)))
            case .nft:
                files.append(
                    (
                        NftWriter.file,
                        NftWriter.render(
                            blocks: blocks, hosts: hosts, domains: domains, now: now,
                            ttlHours: ttlHours, config: nft)
                    ))
            case .ipset:
                guard IpsetWriter.overflow(blocks: blocks, config: ipset) == nil else { continue }
                files.append(
                    (
                        IpsetWriter.file,
                        IpsetWriter.render(
                            blocks: blocks, hosts: hosts, domains: domains, now: now,
                            ttlHours: ttlHours, config: ipset)
                    ))
            case .rbldnsd:
                guard let rbldnsd else { continue }
                let (v4, v6) = RbldnsdWriter.render(
                    blocks: blocks, hosts4: hosts4, hosts6: hosts6, domains: domains, now: now,
                    ttlHours: ttlHours, config: rbldnsd)
                files.append((RbldnsdWriter.file4, v4))
                files.append((RbldnsdWriter.file6, v6))
            }
        }
        let written = Set(files.map(\.name))
        return (files, HostListExports.allFiles.filter { !written.contains($0) })
    }
}
