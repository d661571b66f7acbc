import Foundation
import Testing

@testable import TrapkeeperCore

/// A host's hits as one stored value (`HitList`): every list round-trips, the merge's walk over
/// bytes equals the plain definition (`HitList.merged`), and every damaged value is refused
/// with an offset — never read wrong, never a crash.
@Suite struct HitListTests {
    /// Address bytes that are easy to order wrongly: prefixes of each other, NUL, bytes above
    /// 0x7F, upper case, and the empty address.
    static let alphabet: [UInt8] = [0x00, 0x2E, 0x40, 0x41, 0x61, 0x62, 0x7E, 0x7F, 0x80, 0xC3, 0xFF]
    static let times: [Int64] = [
        .min, .min + 1, -1, 0, 1, 127, 128, 1_700_000_000, 1_700_086_400, .max - 1, .max,
    ]

    static func address(_ rng: inout SeededRandom) -> [UInt8] {
        (0..<rng.below(5)).map { _ in alphabet[rng.below(alphabet.count)] }
    }

    static func time(_ rng: inout SeededRandom) -> Int64 {
        rng.below(3) == 0 ? times[rng.below(times.count)] : 1_700_000_000 + Int64(rng.below(1_000_000))
    }

    /// Up to `n` hits with distinct addresses; times of any order (the format must not assume
    /// first ≤ last).
    static func hits(_ rng: inout SeededRandom, _ n: Int) -> [HitList.Hit] {
        var seen = Set<[UInt8]>()
        var out: [HitList.Hit] = []
        for _ in 0..<n {
            let a = address(&rng)
            guard seen.insert(a).inserted else { continue }
            out.append(
                HitList.Hit(
                    address: a, first: time(&rng), last: time(&rng),
                    lastNonVerifier: rng.below(3) == 0 ? nil : time(&rng)))
        }
        return out
    }

    static func sorted(_ hits: [HitList.Hit]) -> [HitList.Hit] {
        hits.sorted { $0.address.lexicographicallyPrecedes($1.address) }
    }

    @Test func everyListRoundTrips() throws {
        var rng = SeededRandom(seed: 0x4_17_11)
        for _ in 0..<3000 {
            let hits = Self.hits(&rng, rng.below(12))
            let value = HitList.encode(hits)
            #expect(try HitList.decode(value) == Self.sorted(hits))
        }
    }

    /// The walk (`HitList.merge`, bytes in and out, comparing before it encodes) against the
    /// definition, on random stored lists and nights that overlap them.
    @Test func theMergeIsTheDefinition() throws {
        var rng = SeededRandom(seed: 0x4_17_12)
        var unchanged = 0
        for round in 0..<5000 {
            let stored = Self.hits(&rng, rng.below(10))
            var night = Self.hits(&rng, rng.below(8))
            // Often the same addresses again, with times not newer: nothing to write.
            if round % 3 == 0, !stored.isEmpty {
                night = stored.map { h in
                    var n = h
                    if rng.below(2) == 0, n.first < .max { n.first += 1 }
                    if rng.below(2) == 0, n.last > .min { n.last -= 1 }
                    if rng.below(4) == 0 { n.lastNonVerifier = nil }
                    return n
                }
            }
            night = Self.sorted(night)
            let storedValue = round % 7 == 0 ? nil : HitList.encode(stored)
            let expected = Self.sorted(HitList.merged(storedValue == nil ? [] : stored, night))
            var out: [UInt8] = []
            let changed = try night.withAddresses { addresses in
                try storedValue.withOptionalBytes { bytes in
                    try HitList.merge(
                        stored: bytes, count: night.count,
                        night: { (addresses[$0], night[$0].first, night[$0].last, night[$0].lastNonVerifier) },
                        into: &out)
                }
            }
            let before = storedValue.map { try? HitList.decode($0) } ?? nil
            if changed {
                #expect(try HitList.decode(out) == expected, "round \(round)")
                #expect(before != expected || storedValue == nil, "round \(round): written though unchanged")
            } else {
                unchanged += 1
                #expect(before == expected, "round \(round): a change was not written")
            }
        }
        #expect(unchanged > 500)
    }

    /// Every cut of a valid value and every single-byte change either decodes to a valid list
    /// (addresses in order) or is refused — it never crashes or reads past the end.
    @Test func damagedValuesAreRefusedNeverMisread() throws {
        var rng = SeededRandom(seed: 0x4_17_13)
        var refused = 0
        for _ in 0..<300 {
            let value = HitList.encode(Self.hits(&rng, 1 + rng.below(6)))
            var variants: [[UInt8]] = (0..<value.count).map { Array(value[..<$0]) }
            for _ in 0..<20 {
                var v = value
                v[rng.below(v.count)] = UInt8(truncatingIfNeeded: rng.next())
                variants.append(v)
            }
            variants.append(value + [0])
            for v in variants {
                do {
                    let hits = try HitList.decode(v)
                    #expect(hits == Self.sorted(hits))
                    #expect(Set(hits.map(\.address)).count == hits.count)
                } catch let e as HitList.Malformed {
                    refused += 1
                    #expect(e.offset >= 0 && e.offset <= v.count)
                }
            }
        }
        #expect(refused > 1000)
    }

    @Test(
        arguments: [
            ([], "cut short"),
            ([0x02], "unknown version"),
            ([0x01, 0x02, 0x00, 0x00, 0x00], "unknown flags"),
            ([0x01, 0x00, 0x05, 0x61], "address cut short"),
            ([0x01, 0x00, 0x01, 0x62, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00, 0x00], "out of order"),
            ([0x01, 0x00, 0x01, 0x61, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00, 0x00], "repeated"),
            ([0x01, 0x00, 0x00] + [UInt8](repeating: 0xFF, count: 9) + [0x02, 0x00], "number too large"),
            ([0x01, 0x00, 0x00] + [UInt8](repeating: 0x80, count: 11), "number too large"),
            ([0x01, 0x01, 0x01, 0x61, 0x00, 0x00], "cut short"),
        ] as [([UInt8], String)])
    func eachBrokenRuleIsNamed(_ value: [UInt8], _ reason: String) {
        #expect(throws: HitList.Malformed.self) { try HitList.decode(value) }
        do {
            _ = try HitList.decode(value)
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }
}

extension Array where Element == HitList.Hit {
    /// Calls `body` with each hit's address as bytes (valid inside it only).
    fileprivate func withAddresses<R>(_ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        let storage = map { Data($0.address) }
        return try storage.withAddressViews(body)
    }
}

extension Array where Element == Data {
    fileprivate func withAddressViews<R>(
        _ body: ([UnsafeRawBufferPointer]) throws -> R, _ done: [UnsafeRawBufferPointer] = []
    ) rethrows -> R {
        guard done.count < count else { return try body(done) }
        return try self[done.count].withUnsafeBytes { try withAddressViews(body, done + [$0]) }
    }
}

extension Optional where Wrapped == [UInt8] {
    fileprivate func withOptionalBytes<R>(_ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        guard let self else { return try body(nil) }
        return try self.withUnsafeBytes { try body($0) }
    }
}
