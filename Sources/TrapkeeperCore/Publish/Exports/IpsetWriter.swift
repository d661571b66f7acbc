/// `traplist.ipset`, loaded with `ipset restore -f traplist.ipset`.
///
/// Each family is replaced whole without a moment with an empty set: a scratch set
/// `<name>4-new` is created (or emptied), filled, swapped with `<name>4` and destroyed; the same
/// for `<name>6`. `hashsize` and `maxelem` never change between runs, because `create … -exist`
/// fails on a set that exists with other parameters.
public enum IpsetWriter {
    public static let file = "traplist.ipset"
    /// The initial hash size (ipset grows it as needed; fixed so `create -exist` always matches).
    public static let hashsize = 1024

    /// Why the file cannot be written, or nil: a family with more entries than `maxelem` would
    /// stop `ipset restore` halfway ("Hash is full"), the swap never done.
    public static func overflow(blocks: [CIDR], config: IpsetConfig) -> String? {
        let v4 = entries(blocks.filter { $0.address.isIPv4 }).count
        let v6 = entries(blocks.filter { !$0.address.isIPv4 }).count
        guard v4 > config.maxelem || v6 > config.maxelem else { return nil }
        let what = v4 > config.maxelem ? "\(v4) IPv4 entries" : "\(v6) IPv6 entries"
        return
            "\(file) not written: \(what) exceed [ipset] maxelem (\(config.maxelem)); the old file is removed so that no firewall loads a stale list as current. Raise [ipset] maxelem (then destroy the sets \(config.name)4 and \(config.name)6 on each firewall once, so they are created again with the new limit)"
    }

    /// The file. The caller checks `overflow` first.
    public static func render(
        blocks: [CIDR], hosts: Int, domains: [String], now: Int64, ttlHours: Int, config: IpsetConfig
    ) -> [UInt8] {
        var out = Array(
            HostListWriter.header(
                title:
                    "\(file) — load with: ipset restore -f \(file) (sets \(config.name)4 and \(config.name)6, hash:net)",
                blocks: blocks, hosts: hosts, domains: domains, now: now, ttlHours: ttlHours
            ).utf8)
        out.reserveCapacity(out.count + blocks.count * 36)
        for (suffix, family, blocksOfFamily) in [
            ("4", "inet", blocks.filter { $0.address.isIPv4 }), ("6", "inet6", blocks.filter { !$0.address.isIPv4 }),
        ] {
            let set = config.name + suffix
            let scratch = set + "-new"
            let create = "hash:net family \(family) hashsize \(hashsize) maxelem \(config.maxelem) -exist\n"
            out += "create \(set) \(create)create \(scratch) \(create)flush \(scratch)\n".utf8
            let add = Array("add \(scratch) ".utf8)
            for b in entries(blocksOfFamily) {
                out += add
                out += b.description.utf8
                out.append(10)
            }
            out += "swap \(scratch) \(set)\ndestroy \(scratch)\n".utf8
        }
        return out
    }

    /// hash:net takes prefixes /1 and longer: a /0 goes in as its two halves.
    static func entries(_ blocks: [CIDR]) -> [CIDR] {
        guard blocks.contains(where: { $0.prefix == 0 }) else { return blocks }
        return blocks.flatMap { b -> [CIDR] in
            guard b.prefix == 0 else { return [b] }
            let upper = b.address.isIPv4 ? IPAddress(v4: 1 << 31) : IPAddress(v6High: 1 << 63, v6Low: 0)
            return [CIDR(address: b.address, prefix: 1), CIDR(address: upper, prefix: 1)]
        }
    }
}
