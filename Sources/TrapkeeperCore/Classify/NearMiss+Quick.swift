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

    /// The check for the index `NearMissRule` makes of `valid` (address keys): the hash of
    /// every `variant@domain` key that index would have, without making the index.
    init(valid: [String], delimiters: Set<UInt8>, minLength: Int) {
        var table = [Bool](repeating: false, count: 256)
        for d in delimiters { table[Int(d)] = true }
        isDelimiter = table
        self.minLength = minLength
        let characterDelimiters = Set(delimiters.map { Character(Unicode.Scalar($0)) })
        var hashes = Set<UInt64>()
        for address in valid {
            var address = address
            let plain = address.withUTF8 { u in
                // Printable ASCII (nearly every address): the variants' hashes from the bytes.
                Self.variantHashes(u, isDelimiter: table, minLength: minLength) { hashes.insert($0) } != nil
            }
            if plain { continue }
            // Anything else as the rule makes its keys: by characters.
            NearMissRule.forEachIndexKey(of: address, delimiters: characterDelimiters, minLength: minLength) { key, _ in
                if key.utf8.allSatisfy({ $0 < 0x80 }) {
                    hashes.insert(Self.hash(key.utf8))
                } else {
                    let nfd = key.decomposedStringWithCanonicalMapping
                    if nfd.utf8.allSatisfy({ $0 < 0x80 }) { hashes.insert(Self.hash(nfd.utf8)) }
                }
            }
        }
        self.hashes = hashes
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
            var maybe = false
            let decided = Self.variantHashes(u, isDelimiter: isDelimiter, minLength: minLength) { h in
                if !maybe && hashes.contains(h) { maybe = true }
            }
            return decided != nil && !maybe
        }
    }

    /// Calls `found` with the hash of every `variant@domain` of the printable-ASCII address `u`:
    /// its local part (cut at the first delimiter that is not its first byte) as it is and with
    /// each character left out, each followed by `@domain` — the keys `NearMissRule` makes —
    /// none when the local part is shorter than `minLength` or there is no '@'. Returns nil
    /// (calling nothing) when `u` is not printable ASCII: then characters are not bytes.
    static func variantHashes(
        _ u: UnsafeBufferPointer<UInt8>, isDelimiter: [Bool], minLength: Int, _ found: (UInt64) -> Void
    ) -> Void? {
        for b in u where b < 0x21 || b > 0x7E { return nil }
        guard let at = u.lastIndex(of: UInt8(ascii: "@")) else { return () }
        var n = at
        if let d = u[..<at].firstIndex(where: { isDelimiter[Int($0)] }), d != 0 { n = d }
        guard n >= minLength else { return () }
        // "@domain" after every variant.
        var tail: UInt64 = 0
        var tailPower: UInt64 = 1
        for b in u[at...] {
            tail = tail &* base &+ UInt64(b) &+ 1
            tailPower = tailPower &* base
        }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * (n + 1)) { buffer in
            // suffix[i]: hash of local[i..<n]; power[k]: base^k.
            let suffix = UnsafeMutableBufferPointer(rebasing: buffer[0...n])
            let power = UnsafeMutableBufferPointer(rebasing: buffer[(n + 1)...])
            suffix[n] = 0
            power[0] = 1
            for i in stride(from: n - 1, through: 0, by: -1) {
                power[n - i] = power[n - i - 1] &* base
                suffix[i] = (UInt64(u[i]) &+ 1) &* power[n - i - 1] &+ suffix[i + 1]
            }
            // The local part itself, then with each character left out.
            found(suffix[0] &* tailPower &+ tail)
            var prefix: UInt64 = 0  // hash of local[0..<i]
            for i in 0..<n {
                found((prefix &* power[n - 1 - i] &+ suffix[i + 1]) &* tailPower &+ tail)
                prefix = prefix &* base &+ UInt64(u[i]) &+ 1
            }
        }
        return ()
    }
}
