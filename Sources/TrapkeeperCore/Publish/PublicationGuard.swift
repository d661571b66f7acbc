/// Checks a plan before anything is written. A refusal keeps the previous lists in place
/// (exit 4) until the operator looks and re-runs with `--force`.
public struct PublicationGuard: Sendable {
    public var config: GuardConfig

    public struct Verdict: Sendable {
        public var refusals: [String] = []
        public var warnings: [String] = []
    }

    public init(config: GuardConfig) {
        self.config = config
    }

    /// Checks `plan` against the lists the world has now: the larger of what the state recorded
    /// as published and what the files in `publish_dir` hold (`published`), so that a lost or
    /// replaced state cannot shrink the lists unnoticed.
    ///
    /// `stateIsNew`: the state has no record of any publish. When the files in `publish_dir`
    /// still list entries, the state was lost, emptied or replaced (a wrong `state` path): that
    /// is refused on its own, whatever the sizes.
    public func check(_ plan: PublishPlan, published: PublishedLists = PublishedLists(), stateIsNew: Bool = false)
        -> Verdict
    {
        var v = Verdict()
        if stateIsNew && published.holdsEntries {
            v.refusals.append(
                "the state holds no record of a publish, but the lists in the publish folder hold \(published.traps ?? 0) traps and \(published.hosts ?? 0) hosts: the state file is new, empty or not the one that published them (check 'state' in the config, restore the state from a backup, or re-run with --force to start again from this state)"
            )
        }
        func sizeChange(_ what: String, old: Int, new: Int) {
            guard old > 0 else { return }
            let shrink = Double(old - new) / Double(old) * 100
            if new < old && shrink > config.maxShrinkPercent {
                v.refusals.append(
                    "the \(what) would shrink from \(old) to \(new) entries (−\(Int(shrink.rounded())) %, limit \(config.maxShrinkPercent) %, [guards] max_shrink_percent)"
                )
            }
            if old >= config.growthFloor && Double(new) > Double(old) * config.maxGrowthFactor {
                v.refusals.append(
                    "the \(what) would grow from \(old) to \(new) entries (more than ×\(config.maxGrowthFactor), [guards] max_growth_factor)"
                )
            }
        }
        sizeChange("trap list", old: max(plan.previousTraps.count, published.traps ?? 0), new: plan.traps.count)
        sizeChange("host list", old: max(plan.previousHosts.count, published.hosts ?? 0), new: plan.hosts.count)

        var covered: UInt64 = 0
        for b in plan.blocks { covered = covered.addingReportingOverflow(HostListWriter.addressCount(b)).partialValue }
        if covered > UInt64(config.maxHostAddresses) {
            v.refusals.append(
                "the host list would cover \(covered) addresses (limit \(config.maxHostAddresses), [guards] max_host_addresses)"
            )
        }
        // Every block wider than the limit must consist of exported hosts only.
        let hosts = plan.hosts  // sorted
        for b in plan.blocks {
            let limit = b.address.isIPv4 ? config.maxUnearnedPrefixV4 : config.maxUnearnedPrefixV6
            guard b.prefix < limit else { continue }
            let earned = PublicationGuard.countInside(b, sorted: hosts)
            if UInt64(earned) != HostListWriter.addressCount(b) {
                v.refusals.append(
                    "block \(b) is wider than /\(limit) and only \(earned) of its addresses earned a listing")
            }
        }
        if plan.blocks.count > config.pfTableEntriesLimit {
            v.warnings.append(
                "traplist.pf has \(plan.blocks.count) entries, more than pf's default table-entries limit (\(config.pfTableEntriesLimit)): raise 'set limit table-entries' on the firewalls"
            )
        }
        return v
    }

    static func countInside(_ b: CIDR, sorted hosts: [IPAddress]) -> Int {
        // first index >= b.address
        var lo = 0
        var hi = hosts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if hosts[mid] < b.address { lo = mid + 1 } else { hi = mid }
        }
        var n = 0
        var i = lo
        while i < hosts.count && b.contains(hosts[i]) {
            n += 1
            i += 1
        }
        return n
    }
}
