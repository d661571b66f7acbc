import Foundation
import Testing

@testable import TrapkeeperCore

/// The fast `Harvest` gives exactly what `ReferenceHarvest` — the rules, applied record by
/// record — gives: every count, malformed example, address (class, roles, first/last seen,
/// evidence), host (hits, verifier hits, hit evidence and trap, TRAPPED expiry and evidence) and
/// callback incident, on thousands of seeded random dumps and logs (`RandomDump`).
///
/// The engine runs the way production runs it: through the real parser in one pass, in
/// line-aligned chunks parsed on several threads and merged with `absorb` (as a large file is),
/// and each input parsed apart and absorbed (as the nightly run does with fetched bodies). The
/// reference gets the records of the same parser. A failure names the seed, the way the engine
/// ran and the first differing count, address, host or incident field by field; rerun one seed
/// with `REFERENCE_SEED=… swift test --filter ReferenceHarvestTests`.
@Suite(.serialized) struct ReferenceHarvestTests {
    /// A configuration: domains, valid and protected lists, delimiters, probe window.
    final class World {
        let dir = TempDir("reference-harvest")
        let ws: Workspace
        let windowDays: Int

        init(delimiters: String, windowDays: Int, extraDomains: [String] = []) throws {
            self.windowDays = windowDays
            dir.write(
                "valid.txt",
                "alice@bsdly.com\npeter@bsdly.net\nbob.smith@bsdly.net\njos\u{e9}@bsdly.com\n*@catchall.example\n")
            dir.write("protected.txt", "sales-team\nceo@bsdly.com\n")
            let config = Config(
                baseDirectory: dir.path, domains: ["bsdly.com", "bsdly.net", "catchall.example"] + extraDomains,
                validAddressesFile: dir.file("valid.txt"), recipientDelimiters: delimiters,
                protectedFile: dir.file("protected.txt"), probeWindowDays: windowDays,
                logTimeZone: TimeZone(identifier: "UTC")!, statePath: dir.file("state.sqlite"),
                publishDir: dir.file("publish"))
            ws = try Workspace.open(config: config)
        }
    }

    struct Input {
        var source: String
        var name: String
        var format: SourceFormat
        var bytes: [UInt8]
    }

    /// Runs the reference and the engine (one pass; in `parts` chunks; each input apart, then
    /// absorbed) on the same inputs; the first difference, naming how the engine ran, or nil.
    static func firstDifference(
        _ inputs: [Input], world: World, now: Int64, parts: Int, coverage: Coverage? = nil
    ) throws -> String? {
        let ws = world.ws
        let jobs = inputs.enumerated().map { i, input in
            ClassifyInput(
                source: input.source, path: world.dir.write("\(i)-\(input.name)", bytes: input.bytes),
                format: input.format, name: input.name)
        }
        var reference = ReferenceHarvest(classifier: ws.classifier, now: now)
        for job in jobs {
            reference.beginInput(source: job.source, file: job.name)
            var parser = DumpParser(
                source: job.source, format: job.format, now: now, logTimeZone: ws.config.logTimeZone)
            _ = try parser.parse(path: job.path) { reference.add(ParsedRecord($0)) }
        }

        let onePass = Harvest(classifier: ws.classifier, now: now)
        for job in jobs {
            _ = try ClassifyJob.parseInput(job, into: onePass, workspace: ws, now: now, parallelThreshold: .max)
        }
        if let d = reference.firstDifference(from: onePass) { return "engine in one pass: \(d)" }
        coverage?.note(reference)

        let chunked = Harvest(classifier: ws.classifier, now: now)
        for job in jobs {
            _ = try ClassifyJob.parseInput(
                job, into: chunked, workspace: ws, now: now, parallelThreshold: 0, parts: parts)
        }
        if let d = reference.firstDifference(from: chunked) { return "engine in \(parts) chunks per file: \(d)" }

        if jobs.count > 1 {
            let merged = Harvest(classifier: ws.classifier, now: now)
            for job in jobs {
                let apart = Harvest(classifier: ws.classifier, now: now)
                _ = try ClassifyJob.parseInput(job, into: apart, workspace: ws, now: now, parallelThreshold: .max)
                merged.absorb(apart, lineOffset: 0)
            }
            if let d = reference.firstDifference(from: merged) {
                return "engine with each input parsed apart and absorbed: \(d)"
            }
        }
        return nil
    }

    /// What the random dumps reached, so the generator cannot quietly stop reaching a rule.
    final class Coverage {
        private(set) var seen: Set<String> = []
        static let wanted: Set<String> = [
            "probe exim-callout-random", "probe aftership-email-verifier", "probe reacher",
            "probe snertsoft-milter-ahead", "probe shape sighted (no live probe)", "malformed: control",
            "malformed: empty local part", "malformed: not valid UTF-8", "host: verifier hits only",
            "host: verifier and other hits", "host: TRAPPED", "host: TRAPPED and hits", "host: IPv6",
            "roles: sender only", "roles: recipient and sender", "roles: SPAMTRAP and recipient",
            "roles: none (read, never sighted)", "valid", "protected", "evidence: helo cut",
            "evidence: address cut", "address: longer than 1024 bytes", "address: invalid UTF-8 shown as U+FFFD",
            "not ours", "malformed example cut",
        ]
        var missing: Set<String> { Self.wanted.subtracting(seen) }

        func note(_ r: ReferenceHarvest) {
            if r.counts.notOurs > 0 { seen.insert("not ours") }
            if r.malformedExamples.contains(where: { $0.hasSuffix("…") }) { seen.insert("malformed example cut") }
            for c in r.callbackIncidents { seen.insert("probe \(c.shape.name)") }
            for a in r.addresses {
                switch a.addressClass {
                case .malformed(let why): seen.insert("malformed: \(why.hasPrefix("control") ? "control" : why)")
                case .valid: seen.insert("valid")
                case .protected: seen.insert("protected")
                case .unknown(.some) where a.roles.contains(.recipient):
                    seen.insert("probe shape sighted (no live probe)")
                default: break
                }
                switch a.roles {
                case []: seen.insert("roles: none (read, never sighted)")
                case .sender: seen.insert("roles: sender only")
                case [.recipient, .sender]: seen.insert("roles: recipient and sender")
                case [.spamtrap, .recipient]: seen.insert("roles: SPAMTRAP and recipient")
                default: break
                }
                if a.evidence?.helo?.hasSuffix("…") == true { seen.insert("evidence: helo cut") }
                if a.evidence?.recipient?.hasSuffix("…") == true { seen.insert("evidence: address cut") }
                if a.address.utf8.count > 1024 { seen.insert("address: longer than 1024 bytes") }
                if a.address.contains("\u{FFFD}") { seen.insert("address: invalid UTF-8 shown as U+FFFD") }
            }
            for (ip, h) in r.hosts {
                if h.hits > 0 && h.verifierHits == h.hits { seen.insert("host: verifier hits only") }
                if h.verifierHits > 0 && h.hits > h.verifierHits { seen.insert("host: verifier and other hits") }
                if h.trappedExpire != nil { seen.insert(h.hits > 0 ? "host: TRAPPED and hits" : "host: TRAPPED") }
                if !ip.isIPv4 { seen.insert("host: IPv6") }
            }
        }
    }

    /// Seeds to run: `REFERENCE_SEED` alone when set, else `count` seeds from `base`.
    static func seeds(base: UInt64, count: Int) -> [UInt64] {
        if let s = ProcessInfo.processInfo.environment["REFERENCE_SEED"], let seed = UInt64(s) { return [seed] }
        return (0..<UInt64(count)).map { base + $0 }
    }

    static func report(_ seed: UInt64, _ difference: String) -> Comment {
        "seed \(seed): \(difference)\n(rerun: REFERENCE_SEED=\(seed) swift test --filter ReferenceHarvestTests)"
    }

    /// Small dumps and logs, one or two inputs, in the two worlds: most of the rules' corners.
    @Test func engineEqualsReferenceOnRandomDumps() throws {
        let worlds = [
            try World(delimiters: "+", windowDays: 7),
            try World(delimiters: "+-", windowDays: 1, extraDomains: ["xn--bcher-kva.example"]),
        ]
        var lines = 0
        let coverage = Coverage()
        let seeds = Self.seeds(base: 20_170_819_000, count: 2_000)
        for seed in seeds {
            var pick = SeededRandom(seed: ~seed)
            let world = worlds[pick.below(worlds.count)]
            let now: Int64 = 1_700_000_000 + Int64(pick.below(20_000_000))
            var gen = RandomDump(seed: seed, now: now, windowDays: world.windowDays)
            func size() -> Int {
                switch pick.below(10) {
                case 0..<5: return 1 + pick.below(20)
                case 5..<9: return 20 + pick.below(130)
                default: return 300 + pick.below(900)
                }
            }
            var inputs: [Input] = []
            switch pick.below(10) {
            case 0..<7:
                inputs.append(Input(source: "fw1", name: "fw1.dump", format: .auto, bytes: gen.dump(lines: size())))
            case 7:
                inputs.append(Input(source: "log1", name: "spamd.log", format: .auto, bytes: gen.log(lines: size())))
            case 8:
                // Two firewalls' dumps of the same name: evidence and incidents keep them apart.
                inputs.append(
                    Input(source: "fw1", name: "greylist.dump", format: .auto, bytes: gen.dump(lines: size())))
                inputs.append(
                    Input(source: "fw2", name: "greylist.dump", format: .auto, bytes: gen.dump(lines: size())))
            default:
                inputs.append(Input(source: "fw1", name: "fw1.dump", format: .spamdb, bytes: gen.dump(lines: size())))
                inputs.append(
                    Input(source: "log1", name: "spamd.log", format: .spamdLog, bytes: gen.log(lines: size())))
            }
            lines += inputs.reduce(0) { $0 + $1.bytes.count { $0 == 10 } }
            let parts = 2 + pick.below(6)
            if let d = try Self.firstDifference(inputs, world: world, now: now, parts: parts, coverage: coverage) {
                Issue.record(Self.report(seed, d))
                return
            }
        }
        if seeds.count > 1 {
            #expect(lines > 100_000)
            #expect(coverage.missing.isEmpty, "never reached: \(coverage.missing.sorted())")
        }
    }

    /// Dumps of a few MiB: records on both sides of every 1 MiB mark, where the line reader
    /// refills its buffer while records still wait in the engine's pipeline.
    @Test func engineEqualsReferenceAcrossReadBufferRefills() throws {
        let world = try World(delimiters: "+", windowDays: 7)
        for seed in Self.seeds(base: 20_071_127_000, count: 4) {
            let now: Int64 = 1_700_000_000
            var gen = RandomDump(seed: seed, now: now, windowDays: world.windowDays)
            let bytes = gen.bigDump(megabytes: 2 + Int(seed % 2))
            let input = Input(source: "fw1", name: "big.dump", format: .auto, bytes: bytes)
            if let d = try Self.firstDifference([input], world: world, now: now, parts: 2 + Int(seed % 3)) {
                Issue.record(Self.report(seed, d))
                return
            }
        }
    }
}
