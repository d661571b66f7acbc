import Foundation
import Testing

@testable import TrapkeeperCore

/// `exports`, `[nft]`, `[ipset]`, `[rbldnsd]`, `withdrawn_keep_days`: defaults, and every bad value
/// a config error naming the file and the line of the key.
@Suite struct ExportConfigTests {
    let base = "domains = [\"bsdly.com\"]\nvalid_addresses = \"valid.txt\"\n"

    func load(_ toml: String) -> Result<Config, ConfigError> {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        let path = dir.write("t.toml", toml)
        do {
            return .success(try Config.load(path: path))
        } catch let e as ConfigError {
            #expect(e.file == path)
            return .failure(e)
        } catch {
            Issue.record("unexpected error \(error)")
            return .failure(ConfigError(file: path, "unexpected"))
        }
    }

    @Test func defaults() throws {
        let c = try load(base).get()
        #expect(c.exports == [.pf, .spamd])
        #expect(c.nft == NftConfig(table: "trapkeeper", set: "traps"))
        #expect(c.ipset == IpsetConfig(name: "trapkeeper", maxelem: 1_048_576))
        #expect(c.rbldnsd == nil)
        #expect(c.withdrawnKeepDays == 90)
    }

    @Test func everyKeyIsRead() throws {
        let c = try load(
            base + """
                exports = ["nft", "ipset", "rbldnsd", "pf"]
                withdrawn_keep_days = 30

                [nft]
                table = "tk-filter"
                set = "bad_hosts"

                [ipset]
                name = "trapkeeper-is-26-character"
                maxelem = 65536

                [rbldnsd]
                zone = "Traps.Example.ORG"
                a = "127.0.0.3"
                txt = "$ hit a trap; see https://traps.example.org/?ip=$"
                soa = "ns1.example.org hostmaster.example.org."
                ns = ["ns1.example.org", "ns2.example.org"]
                valid_hours = 72

                """
        ).get()
        #expect(c.exports == [.nft, .ipset, .rbldnsd, .pf])
        #expect(c.withdrawnKeepDays == 30)
        #expect(c.nft == NftConfig(table: "tk-filter", set: "bad_hosts"))
        #expect(c.ipset == IpsetConfig(name: "trapkeeper-is-26-character", maxelem: 65536))
        #expect(
            c.rbldnsd
                == RbldnsdConfig(
                    zone: "traps.example.org", a: "127.0.0.3", txt: "$ hit a trap; see https://traps.example.org/?ip=$",
                    soa: ("ns1.example.org", "hostmaster.example.org."), ns: ["ns1.example.org", "ns2.example.org"],
                    validHours: 72))
    }

    /// (config text after `base`, the line of the error, a word the message holds)
    static let bad: [(text: String, line: Int, says: String)] = [
        ("exports = [\"pf\", \"iptables\"]\n", 3, "iptables"),
        ("exports = \"pf\"\n", 3, "array"),
        ("exports = [\"pf\", \"pf\"]\n", 3, "twice"),
        ("exports = [\"rbldnsd\"]\n", 3, "[rbldnsd]"),
        ("[nft]\ntable = \"trapkeeper\"\nsets = \"x\"\n", 5, "unknown key 'sets' in [nft]"),
        ("[nft]\ntable = \"trap keeper\"\n", 4, "table"),
        ("[nft]\ntable = \"tk;flush ruleset\"\n", 4, "table"),
        ("[nft]\nset = \"-traps\"\n", 4, "set"),
        ("[nft]\nset = \"4traps\"\n", 4, "set"),
        ("[nft]\ntable = \"\"\n", 4, "table"),
        ("[nft]\ntable = 5\n", 4, "string"),
        ("nft = 5\n", 3, "table"),
        // A source's 'name' comes first: the error still points into [ipset].
        ("[[sources]]\nname = \"fw\"\nurl = \"fw.dump\"\n[ipset]\nname = \"x y\"\n", 7, "name"),
        ("[ipset]\nname = \"trapkeeper-27-characters!\"\n", 4, "name"),
        ("[ipset]\nname = \"trapkeeper-is-27-characters\"\n", 4, "at most 26"),
        ("[ipset]\nhashsize = 1024\n", 4, "unknown key 'hashsize' in [ipset]"),
        ("[ipset]\nmaxelem = 0\n", 4, "maxelem"),
        ("[rbldnsd]\na = \"127.0.0.2\"\n", 3, "zone"),
        ("[rbldnsd]\nzone = \"traps\"\n", 4, "zone"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\na = \"10.0.0.2\"\n", 5, "127.0.0.0/8"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\na = \"::1\"\n", 5, "127.0.0.0/8"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\na = \"127.0.0.2 \"\n", 5, "127.0.0.0/8"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\ntxt = \"listed\\n192.0.2.1\"\n", 5, "control"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\ntxt = \"tab\\there\"\n", 5, "control"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\ntxt = \"#not a txt\"\n", 5, "'#'"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\ntxt = \"\(String(repeating: "x", count: 201))\"\n", 5, "200"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\nsoa = \"ns1.example.org\"\n", 5, "soa"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\nsoa = \"ns1.example.org host\\nmaster\"\n", 5, "soa"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\nns = \"ns1.example.org\"\n", 5, "ns"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\nns = [\"ns1.example.org\", 5]\n", 5, "ns"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\nns = [\"ns1 example\"]\n", 5, "ns"),
        ("[rbldnsd]\nzone = \"traps.example.org\"\nttl = 5\n", 5, "unknown key 'ttl' in [rbldnsd]"),
    ]

    @Test(arguments: bad.indices)
    func badValueNamesFileAndLine(_ i: Int) {
        let b = Self.bad[i]
        switch load(base + b.text) {
        case .success:
            Issue.record("accepted: \(b.text)")
        case .failure(let e):
            #expect(e.line == b.line, "\(b.text): \(e)")
            #expect(e.message.contains(b.says), "\(b.text): \(e)")
        }
    }
}
