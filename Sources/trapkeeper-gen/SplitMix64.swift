/// Sebastiano Vigna's SplitMix64: a tiny, fast, seedable generator. Every output of the
/// generator is a function of `--seed` only, so two runs with the same options write the same bytes.
struct SplitMix64: RandomNumberGenerator {
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective 64-bit hash, used to derive stable per-index values
    /// (the address of trap #i, the host of botnet member #j) without storing any pool.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (bound > 0); the tiny modulo bias is irrelevant here.
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next() % UInt64(bound))
    }

    /// A uniform value in [0, 1).
    @inline(__always)
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with the given probability.
    @inline(__always)
    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// An index in `0..<count` skewed towards 0 (power law): a few addresses and hosts are hit
    /// very often, most rarely — the shape of a real greylist.
    @inline(__always)
    mutating func skewed(_ count: Int, exponent: Double = 3) -> Int {
        let u = unit()
        var p = u
        for _ in 1..<Int(exponent) { p *= u }
        return min(count - 1, Int(p * Double(count)))
    }
}
