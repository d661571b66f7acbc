import TOMLKit

/// The export keys of a config file (`exports`, `[nft]`, `[ipset]`, `[rbldnsd]`), read and checked.
struct ExportSettings {
    var formats = ExportFormat.defaults
    var nft = NftConfig()
    var ipset = IpsetConfig()
    var rbldnsd: RbldnsdConfig?

    /// Reads the export keys of `table`. Every problem is a `ConfigError` naming the file and the
    /// line of the key (searched within the key's own table first, so `name` in `[ipset]` is not
    /// confused with a source's `name`).
    ///
    /// - lineOf: the line that sets a key, searching lines `start..<end` (0-based).
    /// - int: the config's whole-number reader (key, table, range, line).
    static func parse(
        _ table: TOMLTable, lines: [String], file: String,
        lineOf: (String, Int, Int?) -> Int?,
        int: (String, TOMLTable, ClosedRange<Int>, Int?) throws -> Int?
    ) throws -> ExportSettings {
        var settings = ExportSettings()

        /// Lines `start..<end` (0-based) of the `[name]` table: its header up to the next header.
        func span(_ name: String) -> (start: Int, end: Int)? {
            func isHeader(_ line: String) -> Bool { line.trimmingCharacters(in: .whitespaces).hasPrefix("[") }
            guard
                let header = lines.firstIndex(where: {
                    $0.trimmingCharacters(in: .whitespaces).hasPrefix("[\(name)]")
                })
            else { return nil }
            let next = lines[(header + 1)...].firstIndex(where: isHeader) ?? lines.count
            return (header, next)
        }
        func line(_ tableName: String?, _ key: String) -> Int? {
            guard let tableName else { return lineOf(key, 0, nil) }
            guard let s = span(tableName) else { return lineOf(tableName, 0, nil) }
            return lineOf(key, s.start, s.end) ?? s.start + 1
        }
        func fail(_ tableName: String?, _ key: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: line(tableName, key), message)
        }

        if let v = table["exports"] {
            let known = ExportFormat.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            guard let array = v.array else {
                throw fail(nil, "exports", "'exports' must be an array of strings from \(known)")
            }
            settings.formats = []
            for item in array {
                guard let s = item.string, let format = ExportFormat(rawValue: s) else {
                    throw fail(
                        nil, "exports",
                        "'exports' holds \(item.debugDescription), which is not an export (known: \(known))")
                }
                guard !settings.formats.contains(format) else {
                    throw fail(nil, "exports", "'exports' names \"\(s)\" twice")
                }
                settings.formats.append(format)
            }
        }

        /// The `[name]` table, its keys checked against `keys`.
        func subtable(_ name: String, keys: Set<String>) throws -> TOMLTable? {
            guard let v = table[name] else { return nil }
            guard let t = v.table else { throw fail(nil, name, "'\(name)' must be a table ([\(name)])") }
            for key in t.keys where !keys.contains(key) {
                throw fail(
                    name, key, "unknown key '\(key)' in [\(name)] (known: \(keys.sorted().joined(separator: ", ")))")
            }
            return t
        }
        func string(_ t: TOMLTable, _ tableName: String, _ key: String) throws -> String? {
            guard let v = t[key] else { return nil }
            guard let s = v.string else { throw fail(tableName, key, "'\(key)' in [\(tableName)] must be a string") }
            return s
        }
        func name(_ t: TOMLTable, _ tableName: String, _ key: String, max: Int) throws -> String? {
            guard let s = try string(t, tableName, key) else { return nil }
            guard ExportFormat.isSafeName(s, max: max) else {
                throw fail(
                    tableName, key,
                    "'\(key)' in [\(tableName)] must start with a letter and hold only letters, digits, '_' and '-' (at most \(max) characters), not \"\(s)\""
                )
            }
            return s
        }

        if let t = try subtable("nft", keys: Config.nftKeys) {
            if let s = try name(t, "nft", "table", max: NftConfig.maxNameLength) { settings.nft.table = s }
            if let s = try name(t, "nft", "set", max: NftConfig.maxNameLength - 1) { settings.nft.set = s }
        }
        if let t = try subtable("ipset", keys: Config.ipsetKeys) {
            if let s = try name(t, "ipset", "name", max: IpsetConfig.maxNameLength) { settings.ipset.name = s }
            if let n = try int("maxelem", t, IpsetConfig.maxelemRange, line("ipset", "maxelem")) {
                settings.ipset.maxelem = n
            }
        }
        if let t = try subtable("rbldnsd", keys: Config.rbldnsdKeys) {
            guard let zone = try string(t, "rbldnsd", "zone") else {
                throw fail(
                    "rbldnsd", "zone", "[rbldnsd] needs 'zone', the DNSBL's domain (e.g. zone = \"traps.example.org\")")
            }
            guard DomainName.configured(zone) == zone.lowercased() else {
                throw fail("rbldnsd", "zone", "'zone' in [rbldnsd] is not a domain name: \"\(zone)\"")
            }
            var r = RbldnsdConfig(zone: zone.lowercased())
            if let a = try string(t, "rbldnsd", "a") {
                guard RbldnsdConfig.isLoopbackAnswer(a) else {
                    throw fail(
                        "rbldnsd", "a",
                        "'a' in [rbldnsd] must be an IPv4 address in 127.0.0.0/8 (what DNSBL clients read as listed), not \"\(a)\""
                    )
                }
                r.a = a
            }
            if let txt = try string(t, "rbldnsd", "txt") {
                guard RbldnsdConfig.isSafeTxt(txt) else {
                    throw fail(
                        "rbldnsd", "txt",
                        "'txt' in [rbldnsd] must be one line without control characters, not starting with '#' or a space, at most \(RbldnsdConfig.maxTxtBytes) bytes"
                    )
                }
                r.txt = txt
            }
            if let soa = try string(t, "rbldnsd", "soa") {
                let names = soa.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard names.count == 2, names.allSatisfy(RbldnsdConfig.isHostName) else {
                    throw fail(
                        "rbldnsd", "soa",
                        "'soa' in [rbldnsd] must be two host names, the name server and the hostmaster's mailbox (e.g. \"ns1.example.org hostmaster.example.org\")"
                    )
                }
                r.soa = (names[0], names[1])
            }
            if let v = t["ns"] {
                let names = v.array.map { $0.compactMap(\.string) } ?? []
                guard let array = v.array, names.count == array.count, !names.isEmpty, names.count <= 32,
                    names.allSatisfy(RbldnsdConfig.isHostName)
                else {
                    throw fail("rbldnsd", "ns", "'ns' in [rbldnsd] must be an array of 1 to 32 host names")
                }
                r.ns = names
            }
            if let h = try int("valid_hours", t, RbldnsdConfig.validHoursRange, line("rbldnsd", "valid_hours")) {
                r.validHours = h
            }
            settings.rbldnsd = r
        }
        if settings.formats.contains(.rbldnsd) && settings.rbldnsd == nil {
            throw fail(
                nil, "exports",
                "'exports' holds \"rbldnsd\" but there is no [rbldnsd] table: add one with zone = \"your.dnsbl.zone\"")
        }
        return settings
    }
}
