import Foundation
import Testing

@testable import TrapkeeperCore

/// A file parsed in chunks on several threads gives exactly what one pass gives: the same
/// addresses, hosts, probes, counts, evidence and reject line numbers.
@Suite struct ParallelParseTests {
    @Test(arguments: [2, 3, 7])
    func chunkedEqualsSequential(parts: Int) throws {
        let s = try Scene()
        var text = ""
        let t: Int64 = 1_700_000_000
        for i in 0..<3000 {
            switch i % 10 {
            case 0: text += "garbage line \(i)\n"
            case 1: text += "TRAPPED|45.95.\(i % 7).\(i % 200)|\(t + Int64(i))\n"
            case 2:
                text +=
                    "GREY|207.244.64.\(i % 5)|mx\(i % 3).probe.example|<>|<mx\(i % 4).probe.example-\(t - 30)-testing@bsdly.com>|\(t)|\(t)|\(t)|1|0\n"
            case 3: text += "SPAMTRAP|st\(i % 50)@bsdly.net\n"
            default:
                text += grey(
                    "45.95.\(i % 11).\(i % 97)", from: i % 4 == 0 ? "" : "kd\(i % 9)@xmail.ru",
                    to: "t\(i % 400)@bsdly.com", at: t - Int64(i % 1000))
            }
        }
        let path = s.dir.write("d", text)
        let one = Harvest(classifier: s.ws.classifier, now: t)
        let r1 = try ClassifyJob.parseInput(
            ClassifyInput(source: "x", path: path, format: .auto), into: one, workspace: s.ws, now: t,
            parallelThreshold: .max)
        let many = Harvest(classifier: s.ws.classifier, now: t)
        let r2 = try ClassifyJob.parseInput(
            ClassifyInput(source: "x", path: path, format: .auto), into: many, workspace: s.ws, now: t,
            parallelThreshold: 0, parts: parts)
        #expect(r1.lines == r2.lines && r1.records == r2.records && r1.rejected == r2.rejected && r1.bytes == r2.bytes)
        #expect(r1.firstRejects == r2.firstRejects)
        func key(_ a: Harvest.AddressInfo) -> String {
            "\(a.address) \(a.addressClass) \(a.roles.rawValue) \(a.firstSeen) \(a.lastSeen) \(a.evidence?.encoded ?? "-")"
        }
        #expect(one.addresses.map(key).sorted() == many.addresses.map(key).sorted())
        func hkey(_ e: (key: IPAddress, value: Harvest.HostInfo)) -> String {
            "\(e.key) \(e.value.hits) \(e.value.verifierHits) \(String(describing: e.value.firstHit)) \(String(describing: e.value.lastHit)) \(String(describing: e.value.lastNonVerifierHit)) \(String(describing: e.value.trappedExpire)) \(e.value.hitEvidence?.encoded ?? "-") \(e.value.hitTrap ?? "-") \(e.value.trappedEvidence?.encoded ?? "-")"
        }
        #expect(one.hosts.map(hkey).sorted() == many.hosts.map(hkey).sorted())
        #expect(
            one.callbackIncidents.map { "\($0)" }.sorted() == many.callbackIncidents.map { "\($0)" }.sorted())
        #expect(one.counts.records == many.counts.records)
        func pkey(_ h: Harvest.HitInfo) -> String {
            "\(h.ip) \(h.address) \(h.first) \(h.last) \(String(describing: h.lastNonVerifier))"
        }
        #expect(!one.hits.isEmpty)
        #expect(one.hits.map(pkey).sorted() == many.hits.map(pkey).sorted())

        // A dry run's harvest keeps no pairs and holds everything else alike.
        let dry = Harvest(classifier: s.ws.classifier, now: t, keepsPairs: false)
        let r3 = try ClassifyJob.parseInput(
            ClassifyInput(source: "x", path: path, format: .auto), into: dry, workspace: s.ws, now: t,
            parallelThreshold: 0, parts: parts)
        #expect(r3.lines == r1.lines && r3.records == r1.records && r3.firstRejects == r1.firstRejects)
        #expect(dry.hits.isEmpty)
        #expect(one.addresses.map(key).sorted() == dry.addresses.map(key).sorted())
        #expect(one.hosts.map(hkey).sorted() == dry.hosts.map(hkey).sorted())
        #expect(one.callbackIncidents.map { "\($0)" }.sorted() == dry.callbackIncidents.map { "\($0)" }.sorted())
        #expect(one.counts.records == dry.counts.records && one.hostCount == dry.hostCount)
    }

    /// A few hosts hitting a few traps all through the file: every chunk has records of the
    /// same pairs. The stored hit lists are those of one pass (the merge folds each pair's
    /// records), and so are they after a second file parsed into the same harvest.
    @Test(arguments: [2, 3, 7])
    func chunkedPairsMergeAsOnePass(parts: Int) throws {
        let t: Int64 = 1_700_000_000
        var text = ""
        for i in 0..<4000 {
            text += grey(
                "45.95.1.\(i % 13)", from: "kd\(i % 5)@xmail.ru", to: "t\(i % 7)@bsdly.com",
                at: t - Int64((i * 7919) % 5000))
            if i % 9 == 0 {
                text +=
                    "GREY|45.95.1.\(i % 13)|x|<>|<mx9.probe.example-\(t - 30)-testing@bsdly.com>|\(t)|\(t)|\(t)|1|0\n"
            }
        }
        var more = ""
        for i in 0..<50 { more += grey("45.95.1.\(i % 17)", from: "x@y.example", to: "t\(i % 9)@bsdly.com", at: t - 7) }
        var stored: [HitMergeTests.Hits] = []
        for chunks in [1, parts] {
            let s = try Scene()
            let harvest = Harvest(classifier: s.ws.classifier, now: t)
            for (name, body) in [("d", text), ("e", more)] {
                _ = try ClassifyJob.parseInput(
                    ClassifyInput(source: "x", path: s.dir.write(name, body), format: .auto), into: harvest,
                    workspace: s.ws, now: t, parallelThreshold: chunks == 1 ? .max : 0, parts: chunks)
            }
            try s.ws.store.merge(harvest)
            stored.append(try HitMergeTests.stored(s).hits)
        }
        var keys = Set((0..<4000).map { "45.95.1.\($0 % 13) t\($0 % 7)@bsdly.com" })
        for i in 0..<50 { keys.insert("45.95.1.\(i % 17) t\(i % 9)@bsdly.com") }
        // A probe's hits are kept too (as verifier hits: whether they count is decided later).
        for i in stride(from: 0, to: 4000, by: 9) {
            keys.insert("45.95.1.\(i % 13) mx9.probe.example-\(t - 30)-testing@bsdly.com")
        }
        #expect(Set(stored[0].keys) == keys)
        #expect(stored[0] == stored[1])
    }

    /// A run that only absorbs (each source parsed apart, in chunks, as `trapkeeper run` does):
    /// its pair records stay near its distinct pairs, whatever the number of sources (six
    /// near-identical dumps of peers that sync kept 24 records a pair before each absorb
    /// indexed the one before it).
    @Test func absorbedSourcesKeepFewRecordsPerPair() throws {
        let s = try Scene()
        let t: Int64 = 1_700_000_000
        var text = ""
        for i in 0..<2000 {
            text += grey("45.95.1.\(i % 50)", from: "kd\(i % 3)@xmail.ru", to: "t\(i % 40)@bsdly.com", at: t - Int64(i))
        }
        let run = Harvest(classifier: s.ws.classifier, now: t)
        for k in 0..<6 {
            let apart = Harvest(classifier: s.ws.classifier, now: t)
            _ = try ClassifyJob.parseInput(
                ClassifyInput(source: "s\(k)", path: s.dir.write("d\(k)", text), format: .auto), into: apart,
                workspace: s.ws, now: t, parallelThreshold: 0, parts: 4)
            run.absorb(apart, lineOffset: 0)  // as ClassifyJob.run does with a preparsed source
        }
        let (records, distinct) = run.reading { st in
            var n = 0
            st.forEachPair { _, _, _, _, _ in n += 1 }
            return (st.pairRecordCount, n)
        }
        #expect(distinct == 200)
        // The pairs once, plus the last source's records (its own last chunk's not folded).
        #expect(records <= 3 * distinct)
    }

    /// The same shape stores exactly what one pass over the same inputs stores, with verifier
    /// and non-verifier hits of one pair split across chunks and sources.
    @Test func absorbedSourcesStoreWhatOnePassStores() throws {
        let t: Int64 = 1_700_000_000
        func dump(_ k: Int) -> String {
            var text = ""
            for i in 0..<1500 {
                let from = (i + k) % 5 == 0 ? "postmaster@x.example" : "kd\(i % 3)@xmail.ru"
                text += grey(
                    "45.95.1.\(i % 50)", from: from, to: "t\(i % 40)@bsdly.com",
                    at: t - Int64((i * 7919 + k * 31) % 4000))
            }
            return text
        }
        var stored: [HitMergeTests.Hits] = []
        for sourcesApart in [false, true] {
            let s = try Scene()
            let run = Harvest(classifier: s.ws.classifier, now: t)
            for k in 0..<4 {
                let input = ClassifyInput(source: "s\(k)", path: s.dir.write("d\(k)", dump(k)), format: .auto)
                if sourcesApart {
                    let apart = Harvest(classifier: s.ws.classifier, now: t)
                    _ = try ClassifyJob.parseInput(
                        input, into: apart, workspace: s.ws, now: t, parallelThreshold: 0, parts: 3)
                    run.absorb(apart, lineOffset: 0)
                } else {
                    _ = try ClassifyJob.parseInput(input, into: run, workspace: s.ws, now: t, parallelThreshold: .max)
                }
            }
            try s.ws.store.merge(run)
            stored.append(try HitMergeTests.stored(s).hits)
        }
        #expect(stored[0].count == 200)
        #expect(stored[0] == stored[1])
    }
}
