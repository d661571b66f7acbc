import Foundation

/// A quick "no" for `NearMissRule.resembles`, which a publish asks of every trap (half a million
/// on a busy site), nearly always to hear nil. The plain rule makes a `String` for each of the
/// local part's variants and looks it up; this hashes the variants of a printable-ASCII address
/// from its bytes, without making any string, and answers "surely none" when no hash is one of
/// the index's. Any other answer, and any address that is not printable ASCII, goes to the
/// plain rule, which stays the definition: the quick path can only skip work, never decide.
///
/// Sound because equal strings have equal hashes: for printable ASCII, characters are bytes,
/// and an ASCII string equals (by Swift's canonical equivalence, as the index's dictionary
/// compares) exactly the keys whose canonical decomposition is that ASCII string, so those
/// decompositions are what the set holds.
struct NearMissQuickCheck: Sendable {
    /// Hashes (`hash`) of every key of the rule's index, as its canonical decomposition when
    /// that is ASCII.
    private let hashes: Set<UInt64>
    /// The recipient delimiters, as bytes.
    private let isDelimiter: [Bool]
    private let minLength: Int

    init(keys: some Sequence<String>, delimiters: Set<UInt8>, minLength: Int) {
        var hashes = Set<UInt64>()
        for key in keys {
            if key.utf8.allSatisfy({ $0 < 0x80 }) {
                hashes.insert(NearMissQuickCheck.hash(key.utf8))
            } else {
                let nfd = key.decomposedStringWithCanonicalMapping
                if nfd.utf8.allSatisfy({ $0 < 0x80 }) { hashes.insert(NearMissQuickCheck.hash(nfd.utf8)) }
            }
        }
        self.hashes = hashes
        var table = [Bool](repeating: false, count: 256)
        for d in delimiters { table[Int(d)] = true }
        isDelimiter = table
        self.minLength = minLength
    }

    private static let base: UInt64 = 0x100_0000_01B3  // odd: the powers never vanish mod 2⁶⁴

    /// A polynomial hash of `bytes` (each byte + 1 times a power of `base`, mod 2⁶⁴): the hash
    /// of a concatenation follows from the hashes of its parts, so every variant's hash comes
    /// from prefix and suffix hashes.
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0
        for b in bytes { h = h &* base &+ UInt64(b) &+ 1 }
        return h
    }

    /// True when `address` surely has no near-miss (`resembles` would say nil); false when it
    /// may have one, or when the address is not printable ASCII.
    func surelyNone(_ address: String) -> Bool {
        var address = address
        return address.withUTF8 { u in
            for b in u where b < 0x21 || b > 0x7E { return false }
            guard let at = u.lastIndex(of: UInt8(ascii: "@")) else { return true }
            // The local part cut at its first delimiter (not at its first byte).
            var n = at
            if let d = u[..<at].firstIndex(where: { isDelimiter[Int($0)] }), d != 0 { n = d }
            guard n >= minLength else { return true }
            // "@domain" after every variant.
            var tail: UInt64 = 0
            var tailPower: UInt64 = 1
            for b in u[at...] {
                tail = tail &* NearMissQuickCheck.base &+ UInt64(b) &+ 1
                tailPower = tailPower &* NearMissQuickCheck.base
            }
            return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * (n + 1)) { buffer in
                // suffix[i]: hash of local[i..<n]; power[k]: base^k.
                let suffix = UnsafeMutableBufferPointer(rebasing: buffer[0...n])
                let power = UnsafeMutableBufferPointer(rebasing: buffer[(n + 1)...])
                suffix[n] = 0
                power[0] = 1
                for i in stride(from: n - 1, through: 0, by: -1) {
                    power[n - i] = power[n - i - 1] &* NearMissQuickCheck.base
                    suffix[i] = (UInt64(u[i]) &+ 1) &* power[n - i - 1] &+ suffix[i + 1]
                }
                func found(_ local: UInt64) -> Bool { hashes.contains(local &* tailPower &+ tail) }
                // The local part itself, then with each character left out.
                if found(suffix[0]) { return false }
                var prefix: UInt64 = 0  // hash of local[0..<i]
                for i in 0..<n {
                    if found(prefix &* power[n - 1 - i] &+ suffix[i + 1]) { return false }
                    prefix = prefix &* NearMissQuickCheck.base &+ UInt64(u[i]) &+ 1
                }
                return true
            }
        }
    }
}
