/// Minimal exact CIDR cover of a set of addresses or blocks.
///
/// The output covers exactly the union of the input — never an address that was not in it — with
/// the fewest possible blocks, IPv4 first then IPv6, each family sorted ascending. This is what
/// `iprange` prints in its default (merge) mode.
///
/// Method: sort, merge into maximal contiguous ranges, split each range greedily into the largest
/// aligned blocks. A maximal range split greedily is a minimal cover of that range, and blocks of
/// different maximal ranges can never merge (they are not adjacent), so the whole cover is minimal.
///
/// IPv4 runs on `UInt32`/`UInt64` arrays sorted by an LSD radix sort: no per-element allocation,
/// no strings. IPv6 runs on (high, low) 128-bit pairs.
public enum CIDRAggregator {
    /// Aggregates single host addresses (duplicates allowed, any order, mixed families).
    public static func aggregate(_ hosts: [IPAddress]) -> [CIDR] {
        var v4: [UInt32] = []
        var v6: [Range128] = []
        v4.reserveCapacity(hosts.count)
        for ip in hosts {
            if ip.isIPv4 {
                v4.append(ip.v4)
            } else {
                let value = U128(high: ip.high, low: ip.low)
                v6.append(Range128(start: value, end: value))
            }
        }
        sortV4(&v4)
        var out = coverV4(runs: runsOfSortedHosts(v4))
        aggregateV6(&v6, into: &out)
        return out
    }

    /// Aggregates blocks (duplicates, overlaps, nesting allowed, any order, mixed families).
    public static func aggregate(blocks: [CIDR]) -> [CIDR] {
        var v4Hosts: [UInt32] = []
        var v4Ranges: [UInt64] = []  // start << 32 | end
        var v6: [Range128] = []
        for block in blocks {
            let a = block.address
            if a.isIPv4 {
                if block.prefix == 32 {
                    v4Hosts.append(a.v4)
                } else {
                    let start = a.v4
                    let end = start | hostMask32(block.prefix)
                    v4Ranges.append(UInt64(start) << 32 | UInt64(end))
                }
            } else {
                let start = U128(high: a.high, low: a.low)
                v6.append(Range128(start: start, end: start.or(U128.ones(128 - block.prefix))))
            }
        }
        var out: [CIDR]
        if v4Ranges.isEmpty {
            sortV4(&v4Hosts)
            out = coverV4(runs: runsOfSortedHosts(v4Hosts))
        } else {
            v4Ranges.reserveCapacity(v4Ranges.count + v4Hosts.count)
            for h in v4Hosts { v4Ranges.append(UInt64(h) << 32 | UInt64(h)) }
            v4Hosts = []
            sortV4RangesByStart(&v4Ranges)
            mergeSortedRanges(&v4Ranges)
            out = coverV4(runs: v4Ranges)
        }
        aggregateV6(&v6, into: &out)
        return out
    }

    /// The minimal list of blocks covering exactly `first…last` (same family, `first <= last`).
    /// Returns an empty list for mixed families or a reversed range.
    public static func blocks(from first: IPAddress, through last: IPAddress) -> [CIDR] {
        guard first.isIPv4 == last.isIPv4, first <= last else { return [] }
        var out: [CIDR] = []
        if first.isIPv4 {
            emitV4(UInt64(first.v4), UInt64(last.v4), into: &out)
        } else {
            emitV6(U128(high: first.high, low: first.low), U128(high: last.high, low: last.low), into: &out)
        }
        return out
    }

    // MARK: - IPv4

    @inline(__always)
    static func hostMask32(_ prefix: Int) -> UInt32 {
        prefix == 0 ? ~0 : (UInt32(1) << UInt32(32 - prefix)) &- 1
    }

    /// The maximal runs of consecutive addresses in sorted `hosts`, as start << 32 | end.
    static func runsOfSortedHosts(_ hosts: [UInt32]) -> [UInt64] {
        guard let first = hosts.first else { return [] }
        var runs: [UInt64] = []
        hosts.withUnsafeBufferPointer { p in
            var start = UInt64(first)
            var end = start
            for i in 1..<p.count {
                let v = UInt64(p[i])
                if v <= end &+ 1 {
                    end = v  // sorted: v >= end
                } else {
                    runs.append(start << 32 | end)
                    start = v
                    end = v
                }
            }
            runs.append(start << 32 | end)
        }
        return runs
    }

    /// Merges ranges (start << 32 | end, sorted by start) into maximal runs, in place.
    static func mergeSortedRanges(_ ranges: inout [UInt64]) {
        guard !ranges.isEmpty else { return }
        let count = ranges.withUnsafeMutableBufferPointer { p -> Int in
            var start = p[0] >> 32
            var end = p[0] & 0xffff_ffff
            var w = 0
            for i in 1..<p.count {
                let s = p[i] >> 32
                let e = p[i] & 0xffff_ffff
                if s <= end &+ 1 {
                    if e > end { end = e }
                } else {
                    p[w] = start << 32 | end
                    w &+= 1
                    start = s
                    end = e
                }
            }
            p[w] = start << 32 | end
            return w &+ 1
        }
        ranges.removeLast(ranges.count - count)
    }

    /// The minimal blocks of disjoint, non-adjacent, ascending runs (start << 32 | end).
    static func coverV4(runs: [UInt64]) -> [CIDR] {
        var total = 0
        for r in runs { forEachBlockV4(r >> 32, r & 0xffff_ffff) { _, _ in total &+= 1 } }
        return [CIDR](unsafeUninitializedCapacity: total) { buffer, initialized in
            var i = 0
            for r in runs {
                forEachBlockV4(r >> 32, r & 0xffff_ffff) { start, prefix in
                    (buffer.baseAddress! + i).initialize(to: CIDR(address: IPAddress(v4: start), prefix: prefix))
                    i &+= 1
                }
            }
            initialized = i
        }
    }

    /// Splits `start…end` (IPv4 values held in UInt64, so end + 1 cannot overflow) into the
    /// largest aligned blocks.
    @inline(__always)
    static func forEachBlockV4(_ start: UInt64, _ end: UInt64, _ body: (UInt32, Int) -> Void) {
        var s = start
        while s <= end {
            let alignBits = s == 0 ? 32 : s.trailingZeroBitCount
            let length = end &- s &+ 1  // 1 … 2^32
            let lengthBits = 63 &- length.leadingZeroBitCount  // floor(log2(length))
            let bits = min(alignBits, lengthBits)
            body(UInt32(truncatingIfNeeded: s), 32 &- bits)
            s &+= UInt64(1) << UInt64(bits)
        }
    }

    static func emitV4(_ start: UInt64, _ end: UInt64, into out: inout [CIDR]) {
        forEachBlockV4(start, end) { s, prefix in out.append(CIDR(address: IPAddress(v4: s), prefix: prefix)) }
    }

    // MARK: - IPv6

    struct U128: Comparable {
        var high: UInt64
        var low: UInt64

        static let max = U128(high: ~0, low: ~0)

        /// A value with the lowest `bits` bits set (0…128).
        static func ones(_ bits: Int) -> U128 {
            if bits <= 0 { return U128(high: 0, low: 0) }
            if bits >= 128 { return .max }
            if bits >= 64 {
                return U128(high: bits == 64 ? 0 : (UInt64(1) << UInt64(bits - 64)) &- 1, low: ~0)
            }
            return U128(high: 0, low: (UInt64(1) << UInt64(bits)) &- 1)
        }

        var trailingZeroBitCount: Int {
            if low != 0 { return low.trailingZeroBitCount }
            if high != 0 { return 64 + high.trailingZeroBitCount }
            return 128
        }

        func or(_ o: U128) -> U128 { U128(high: high | o.high, low: low | o.low) }

        /// self + 1, or nil on overflow past all-ones.
        var successor: U128? {
            if low != ~0 { return U128(high: high, low: low + 1) }
            if high != ~0 { return U128(high: high + 1, low: 0) }
            return nil
        }

        static func < (a: U128, b: U128) -> Bool {
            a.high != b.high ? a.high < b.high : a.low < b.low
        }
    }

    struct Range128 {
        var start: U128
        var end: U128
    }

    static func aggregateV6(_ ranges: inout [Range128], into out: inout [CIDR]) {
        guard !ranges.isEmpty else { return }
        ranges.sort { $0.start < $1.start }
        var start = ranges[0].start
        var end = ranges[0].end
        for r in ranges.dropFirst() {
            // Adjacent or overlapping: r.start <= end + 1.
            let touches: Bool
            if let next = end.successor { touches = r.start <= next } else { touches = true }
            if touches {
                if end < r.end { end = r.end }
            } else {
                emitV6(start, end, into: &out)
                start = r.start
                end = r.end
            }
        }
        emitV6(start, end, into: &out)
    }

    /// Splits `start…end` into the largest aligned blocks.
    static func emitV6(_ start: U128, _ end: U128, into out: inout [CIDR]) {
        var s = start
        while true {
            var bits = s.trailingZeroBitCount
            // s is aligned to 2^bits, so the last address of that block is s | ones(bits).
            while bits > 0 && end < s.or(.ones(bits)) { bits -= 1 }
            out.append(CIDR(address: IPAddress(v6High: s.high, v6Low: s.low), prefix: 128 - bits))
            let last = s.or(.ones(bits))
            guard last < end, let next = last.successor else { return }
            s = next
        }
    }

    // MARK: - Sorting

    static func sortV4(_ a: inout [UInt32]) {
        radixSort(&a) { $0 }
    }

    /// Sorts ranges (start << 32 | end) by start only; merging does not need the ends ordered.
    static func sortV4RangesByStart(_ a: inout [UInt64]) {
        radixSort(&a) { UInt32(truncatingIfNeeded: $0 >> 32) }
    }

    /// Stable LSD radix sort on a 32-bit key: three passes of 11 bits, a pass whose digit is the
    /// same for every element is skipped. Small arrays use the standard sort.
    @inline(__always)
    static func radixSort<T: FixedWidthInteger>(_ a: inout [T], key: (T) -> UInt32) {
        let n = a.count
        if n < 1024 {
            a.sort { key($0) < key($1) }
            return
        }
        var scratch = [T](repeating: 0, count: n)
        let counts = UnsafeMutablePointer<UInt32>.allocate(capacity: 3 * 2048)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: 3 * 2048)
        let endedInScratch = a.withUnsafeMutableBufferPointer { p -> Bool in
            scratch.withUnsafeMutableBufferPointer { q -> Bool in
                var src = p.baseAddress!
                var dst = q.baseAddress!
                for i in 0..<n {
                    let k = key(src[i])
                    counts[Int(k & 0x7ff)] &+= 1
                    counts[2048 &+ Int((k >> 11) & 0x7ff)] &+= 1
                    counts[4096 &+ Int(k >> 22)] &+= 1
                }
                var swapped = false
                for pass in 0..<3 {
                    let h = counts + pass &* 2048
                    let shift = UInt32(pass &* 11)
                    if h[Int((key(src[0]) >> shift) & 0x7ff)] == UInt32(n) { continue }
                    var sum: UInt32 = 0
                    for d in 0..<2048 {
                        let t = h[d]
                        h[d] = sum
                        sum &+= t
                    }
                    for i in 0..<n {
                        let v = src[i]
                        let d = Int((key(v) >> shift) & 0x7ff)
                        dst[Int(h[d])] = v
                        h[d] &+= 1
                    }
                    swap(&src, &dst)
                    swapped.toggle()
                }
                return swapped
            }
        }
        if endedInScratch { swap(&a, &scratch) }
    }
}
