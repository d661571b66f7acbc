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
        var out: [CIDR] = []
        out.reserveCapacity(min(hosts.count, 1 << 16))
        aggregateV4Hosts(&v4, into: &out)
        aggregateV6(&v6, into: &out)
        return out
    }

    /// Aggregates blocks (duplicates, overlaps, nesting allowed, any order, mixed families).
    public static func aggregate(blocks: [CIDR]) -> [CIDR] {
        var v4Hosts: [UInt32] = []
        var v4Ranges: [UInt64] = []  // start << 32 | end, so the integer order is (start, end)
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
        var out: [CIDR] = []
        if v4Ranges.isEmpty {
            aggregateV4Hosts(&v4Hosts, into: &out)
        } else {
            v4Ranges.reserveCapacity(v4Ranges.count + v4Hosts.count)
            for h in v4Hosts { v4Ranges.append(UInt64(h) << 32 | UInt64(h)) }
            v4Hosts = []
            aggregateV4Ranges(&v4Ranges, into: &out)
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

    /// Sorts `hosts` in place and appends the cover of them to `out`.
    static func aggregateV4Hosts(_ hosts: inout [UInt32], into out: inout [CIDR]) {
        guard !hosts.isEmpty else { return }
        radixSort(&hosts)
        hosts.withUnsafeBufferPointer { p in
            var start = UInt64(p[0])
            var end = start
            for i in 1..<p.count {
                let v = UInt64(p[i])
                if v <= end + 1 {
                    end = v  // sorted: v >= end
                } else {
                    emitV4(start, end, into: &out)
                    start = v
                    end = v
                }
            }
            emitV4(start, end, into: &out)
        }
    }

    /// Sorts `ranges` (start << 32 | end) in place and appends the cover of their union to `out`.
    static func aggregateV4Ranges(_ ranges: inout [UInt64], into out: inout [CIDR]) {
        guard !ranges.isEmpty else { return }
        radixSort(&ranges)
        ranges.withUnsafeBufferPointer { p in
            var start = p[0] >> 32
            var end = p[0] & 0xffff_ffff
            for i in 1..<p.count {
                let s = p[i] >> 32
                let e = p[i] & 0xffff_ffff
                if s <= end + 1 {
                    if e > end { end = e }
                } else {
                    emitV4(start, end, into: &out)
                    start = s
                    end = e
                }
            }
            emitV4(start, end, into: &out)
        }
    }

    /// Splits `start…end` (IPv4 values held in UInt64, so end + 1 cannot overflow) into the
    /// largest aligned blocks.
    @inline(__always)
    static func emitV4(_ start: UInt64, _ end: UInt64, into out: inout [CIDR]) {
        var s = start
        while s <= end {
            let alignBits = s == 0 ? 32 : s.trailingZeroBitCount
            let length = end - s + 1  // 1 … 2^32
            let lengthBits = 63 - length.leadingZeroBitCount  // floor(log2(length))
            let bits = min(alignBits, lengthBits)
            out.append(CIDR(address: IPAddress(v4: UInt32(truncatingIfNeeded: s)), prefix: 32 - bits))
            s += UInt64(1) << UInt64(bits)
        }
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

    /// LSD radix sort, one byte per pass; passes where every key has the same byte are skipped.
    static func radixSort<T: FixedWidthInteger & UnsignedInteger>(_ a: inout [T]) {
        let n = a.count
        if n < 512 {
            a.sort()
            return
        }
        let width = T.bitWidth / 8
        var counts = [Int](repeating: 0, count: width * 256)
        var scratch = [T](repeating: 0, count: n)
        let endedInScratch = a.withUnsafeMutableBufferPointer { src0 -> Bool in
            scratch.withUnsafeMutableBufferPointer { dst0 -> Bool in
                counts.withUnsafeMutableBufferPointer { c -> Bool in
                    for v in src0 {
                        for pass in 0..<width {
                            c[pass &* 256 &+ Int(truncatingIfNeeded: (v >> (pass &* 8)) & 0xff)] &+= 1
                        }
                    }
                    var src = src0
                    var dst = dst0
                    var inScratch = false
                    for pass in 0..<width {
                        let base = pass &* 256
                        // Skip a pass that would not move anything.
                        let firstByte = Int(truncatingIfNeeded: (src[0] >> (pass &* 8)) & 0xff)
                        if c[base &+ firstByte] == n { continue }
                        var offset = 0
                        for b in 0..<256 {
                            let count = c[base &+ b]
                            c[base &+ b] = offset
                            offset &+= count
                        }
                        for v in src {
                            let b = Int(truncatingIfNeeded: (v >> (pass &* 8)) & 0xff)
                            dst[c[base &+ b]] = v
                            c[base &+ b] &+= 1
                        }
                        swap(&src, &dst)
                        inScratch.toggle()
                    }
                    return inScratch
                }
            }
        }
        if endedInScratch { swap(&a, &scratch) }
    }
}
