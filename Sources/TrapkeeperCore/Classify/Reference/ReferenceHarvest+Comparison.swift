extension ReferenceHarvest {
    /// The first way `engine` differs from this reference harvest of the same records, in words:
    /// the count, address, host or callback incident that differs and, field by field, what
    /// each side holds. nil when every view (`counts`, `malformedExamples`, `addresses`, `hosts`,
    /// `callbackIncidents`) is the same. Order does not count where it carries no meaning
    /// (addresses, hosts, incidents); the malformed examples are the first few in file order.
    func firstDifference(from engine: Harvest) -> String? {
        let e = engine.counts
        let r = counts
        func kinds(_ c: Harvest.Counts) -> String {
            c.records.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue): \($0.value)" }
                .joined(separator: ", ")
        }
        if e == r && engine.malformedExamples == malformedExamples && engine.addresses == addresses
            && engine.hosts == hosts && engine.callbackIncidents == callbackIncidents
            && engine.hits.count == hits.count && Set(engine.hits.map(HitKey.init)) == Set(hits.map(HitKey.init))
        {
            return nil  // the common case, without grouping anything
        }
        if e.records != r.records { return "records by kind: engine [\(kinds(e))], reference [\(kinds(r))]" }
        for (name, a, b) in [
            ("not ours", e.notOurs, r.notOurs), ("malformed", e.malformed, r.malformed), ("probes", e.probes, r.probes),
        ] where a != b {
            return "count of \(name): engine \(a), reference \(b)"
        }
        let (em, rm) = (engine.malformedExamples, malformedExamples)
        if em != rm {
            let i = zip(em, rm).prefix { $0 == $1 }.count
            return "malformed example \(i + 1) of \(em.count) / \(rm.count):\n  engine    "
                + (i < em.count ? String(reflecting: em[i]) : "none") + "\n  reference "
                + (i < rm.count ? String(reflecting: rm[i]) : "none")
        }
        if let d = Self.difference("address", engine: engine.addresses, reference: addresses, key: \.address) {
            return d
        }
        if let d = Self.difference(
            "host", engine: engine.hosts.map(Host.init), reference: hosts.map(Host.init), key: { $0.ip.description })
        {
            return d
        }
        if let d = Self.difference(
            "callback incident", engine: engine.callbackIncidents, reference: callbackIncidents,
            key: { "\($0.ip) \($0.probeAddress)" })
        {
            return d
        }
        return Self.difference(
            "hit of (host, address)", engine: engine.hits, reference: hits, key: { "\($0.ip) \($0.address)" })
    }

    /// A hit pair as a set element (the two sides list pairs in different orders).
    private struct HitKey: Hashable {
        var ip: IPAddress
        var address: String
        var first: Int64
        var last: Int64
        var lastNonVerifier: Int64?
        init(_ h: Harvest.HitInfo) {
            (ip, address, first, last, lastNonVerifier) = (h.ip, h.address, h.first, h.last, h.lastNonVerifier)
        }
    }

    /// The first key (in sorted order) whose values differ between the two lists, compared as
    /// multisets: two addresses can read the same as text (invalid UTF-8 shows as U+FFFD).
    private static func difference<T: Equatable>(
        _ what: String, engine: [T], reference: [T], key: (T) -> String
    ) -> String? {
        func grouped(_ values: [T]) -> [String: [T]] {
            Dictionary(grouping: values, by: key).mapValues { $0.count < 2 ? $0 : $0.sorted { "\($0)" < "\($1)" } }
        }
        let e = grouped(engine)
        let r = grouped(reference)
        for k in Set(e.keys).union(r.keys).sorted() {
            let a = e[k] ?? []
            let b = r[k] ?? []
            if a.isEmpty { return "\(what) \(String(reflecting: k)) only in the reference: \(b[0])" }
            if b.isEmpty { return "\(what) \(String(reflecting: k)) only in the engine: \(a[0])" }
            if a.count != b.count {
                return "\(what) \(String(reflecting: k)): engine has \(a.count), reference \(b.count)"
            }
            for (x, y) in zip(a, b) where x != y {
                let fields = fieldDifferences(x, y, path: "").map { "  \($0)" }.joined(separator: "\n")
                return "\(what) \(String(reflecting: k)) differs:\n\(fields)"
            }
        }
        return nil
    }

    /// `path: engine …, reference …` for every leaf field (through nested structs and optionals)
    /// whose value differs.
    private static func fieldDifferences(_ a: Any, _ b: Any, path: String) -> [String] {
        let ma = Mirror(reflecting: a)
        let mb = Mirror(reflecting: b)
        let la = ma.children.map { $0.label ?? "" }
        if !ma.children.isEmpty, la == mb.children.map({ $0.label ?? "" }), ma.displayStyle != .enum {
            var out: [String] = []
            for (x, y) in zip(ma.children, mb.children) where "\(x.value)" != "\(y.value)" {
                let label = x.label == "some" ? path : (path.isEmpty ? "" : path + ".") + (x.label ?? "?")
                out += fieldDifferences(x.value, y.value, path: label)
            }
            return out
        }
        return ["\(path.isEmpty ? "value" : path): engine \(String(reflecting: a)), reference \(String(reflecting: b))"]
    }

    /// A host and what the run learned about it, as one comparable value.
    private struct Host: Equatable {
        var ip: IPAddress
        var info: Harvest.HostInfo
        init(_ entry: (key: IPAddress, value: Harvest.HostInfo)) {
            ip = entry.key
            info = entry.value
        }
    }
}
