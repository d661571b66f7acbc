import Testing

@testable import TrapkeeperCore

/// `PairTable` (the harvest's hits per pair) answers as a dictionary of plain values does: every
/// pair keeps the earliest first hit and the latest last and last non-verifier hits noted for
/// it, through every growth of the table, and pairs are numbered in the order first noted.
@Suite struct PairTableTests {
    @Test(arguments: [1, 15, 16, 17, 1000, 70_000])
    func answersAsADictionaryDoes(count: Int) {
        var rng = SeededRandom(seed: UInt64(count))
        var table = PairTable(capacity: 4)
        var plain: [UInt64: (first: Int64, last: Int64, lastNonVerifier: Int64)] = [:]
        var firstNoted: [UInt64] = []
        for n in 0..<count {
            // Keys as the harvest makes them, clustered and spread; some noted many times.
            let host = rng.below(n % 3 == 0 ? 8 : 1 << 20)
            let address = rng.below(n % 2 == 0 ? 16 : 1 << 24)
            let key = PairTable.key(host: host, address: address)
            let t = Int64(rng.below(1000))
            let nonVerifier: Int64 = rng.below(3) == 0 ? .min : t
            table.note(key, first: t, last: t, lastNonVerifier: nonVerifier)
            if let old = plain[key] {
                plain[key] = (min(old.first, t), max(old.last, t), max(old.lastNonVerifier, nonVerifier))
            } else {
                plain[key] = (t, t, nonVerifier)
                firstNoted.append(key)
            }
        }
        #expect(table.count == plain.count)
        for (i, key) in firstNoted.enumerated() {
            let p = table[i]
            #expect(PairTable.key(host: p.host, address: p.address) == key)
            let want = plain[key]!
            #expect(p.first == want.first && p.last == want.last && p.lastNonVerifier == want.lastNonVerifier)
        }
    }
}
