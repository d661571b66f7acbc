/// The made-up and harvested addresses spammers send to: the addresses that become traps.
///
/// Address `i` (0 ≤ i < size) is a pure function of `i`, so nothing is stored and
/// `--distinct-recipients` can promise that the first `size` picks are all different.
/// Distinctness comes from the core: `i` goes through an affine permutation of
/// 0..<90^digits and is spelled as `digits` consonant-vowel syllables (injective). The shapes
/// then decorate the core in ways that keep them apart from each other and from real users:
///
/// | share | shape | example |
/// |---|---|---|
/// | 55 % | syllables | `kawuzomi` |
/// | 20 % | syllables + two digits | `kawuzomi84` |
/// | 10 % | syllables with a dot after the second | `kawu.zomi` |
/// |  5 % | syllables, `_`, a first name | `kawuzomi_nora` |
/// |  5 % | 32 × [a-z0-9] (looks like an AfterShip probe) | `3f9k…` |
/// |  5 % | 15 × [A-Za-z0-9] (looks like a Reacher probe) | `Xk3pQ…` |
struct TrapPool {
    static let syllables = Vocabulary.consonants.count * Vocabulary.vowels.count  // 90
    static let multiplier = 104_729  // prime, coprime with 90^k

    let size: Int
    let digits: Int
    let modulus: Int
    let salt: UInt64

    init(size: Int, seed: UInt64) {
        self.size = max(1, size)
        var digits = 3
        var modulus = TrapPool.syllables * TrapPool.syllables * TrapPool.syllables
        while modulus < self.size {
            digits += 1
            modulus *= TrapPool.syllables
        }
        self.digits = digits
        self.modulus = modulus
        salt = SplitMix64.mix(seed ^ 0x7472_6170)
    }

    /// Writes the local part of address `i` into `out` (cleared first).
    func localPart(_ i: Int, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let h = SplitMix64.mix(UInt64(i) ^ salt)
        let shape = h % 100
        if shape >= 90 {
            var r = SplitMix64(seed: h)
            let (length, alphabet) = shape >= 95 ? (15, Vocabulary.alnumMixed) : (32, Vocabulary.alnumLower)
            for _ in 0..<length { out.append(alphabet[r.below(alphabet.count)]) }
            return
        }
        var v = (i &* TrapPool.multiplier &+ Int(salt % UInt64(modulus))) % modulus
        for d in 0..<digits {
            let s = v % TrapPool.syllables
            v /= TrapPool.syllables
            if d == 2 && shape >= 75 && shape < 85 { out.append(46) }
            out.append(Vocabulary.consonants[s / Vocabulary.vowels.count])
            out.append(Vocabulary.vowels[s % Vocabulary.vowels.count])
        }
        if shape >= 55 && shape < 75 {
            out.append(48 + UInt8((h >> 8) % 10))
            out.append(48 + UInt8((h >> 16) % 10))
        } else if shape >= 85 {
            out.append(95)
            out.append(contentsOf: Vocabulary.firstNames[Int((h >> 8) % UInt64(Vocabulary.firstNames.count))])
        }
    }

    /// Which of our domains address `i` belongs to.
    func domainIndex(_ i: Int, of count: Int) -> Int {
        Int(SplitMix64.mix(UInt64(i) &+ salt) % UInt64(count))
    }
}
