import Testing

@testable import TrapkeeperCore

/// `PairIndex` (the harvest's pair table) answers as a dictionary does: every key inserted is
/// found with its value, through every growth; a key never inserted is not found.
@Suite struct PairIndexTests {
    @Test(arguments: [1, 15, 16, 17, 1000, 70_000])
    func answersAsADictionaryDoes(count: Int) {
        var rng = SeededRandom(seed: UInt64(count))
        var index = PairIndex(capacity: 4)
        var plain: [UInt64: Int32] = [:]
        for n in 0..<count {
            // Keys as the harvest makes them (host << 32 | address), clustered and spread.
            let host = UInt64(rng.below(n % 3 == 0 ? 8 : 1 << 20))
            let address = UInt64(rng.below(n % 2 == 0 ? 16 : 1 << 24))
            let key = host << 32 | address
            if plain[key] == nil {
                #expect(index.find(key) == nil)
                plain[key] = Int32(n)
                index.insert(key, Int32(n))
            }
            #expect(index.find(key) == plain[key])
        }
        #expect(index.count == plain.count)
        for (key, value) in plain { #expect(index.find(key) == value) }
        for _ in 0..<1000 {
            let key = UInt64(rng.below(1 << 30)) << 32 | UInt64(1 << 30 + rng.below(1 << 20))
            #expect(index.find(key) == plain[key])
        }
    }
}
