import Testing

@testable import TrapkeeperCore

@Suite struct CIDRAggregatorTests {
    static func ips(_ texts: [String]) -> [IPAddress] { texts.map { IPAddress($0)! } }
    static func blocks(_ texts: [String]) -> [CIDR] { texts.map { CIDR($0)! } }
    static func strings(_ blocks: [CIDR]) -> [String] { blocks.map(\.description) }

    @Test func fullSlash24IsOneBlock() {
        let hosts = (0...255).map { IPAddress("10.1.2.\($0)")! }.shuffled()
        #expect(Self.strings(CIDRAggregator.aggregate(hosts)) == ["10.1.2.0/24"])
    }

    @Test func slash24MissingOneHost() {
        let hosts = (0...255).filter { $0 != 77 }.map { IPAddress("10.1.2.\($0)")! }
        let out = CIDRAggregator.aggregate(hosts)
        #expect(
            Self.strings(out) == [
                "10.1.2.0/26", "10.1.2.64/29", "10.1.2.72/30", "10.1.2.76", "10.1.2.78/31", "10.1.2.80/28",
                "10.1.2.96/27", "10.1.2.128/25",
            ])
        #expect(!out.contains { $0.contains(IPAddress("10.1.2.77")!) })
    }

    @Test(
        arguments: [
            // hosts in, blocks out
            (["1.2.3.4", "1.2.3.5", "10.0.0.1"], ["1.2.3.4/31", "10.0.0.1"]),
            (
                ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"],
                ["10.0.0.1", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6"]
            ),
            (["1.1.1.1", "1.1.1.1", "1.1.1.1"], ["1.1.1.1"]),
            (["0.0.0.0", "255.255.255.255"], ["0.0.0.0", "255.255.255.255"]),
            (["0.0.0.0", "0.0.0.1"], ["0.0.0.0/31"]),
            (["255.255.255.254", "255.255.255.255"], ["255.255.255.254/31"]),
            (["1.2.3.255", "1.2.4.0"], ["1.2.3.255", "1.2.4.0"]),
            (["2001:db8::1", "2001:db8::", "::", "::1"], ["::/127", "2001:db8::/127"]),
            (
                ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
                ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"]
            ),
            (
                ["2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::"],
                ["2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::"]
            ),
            (
                ["2001:db8::5", "9.9.9.9", "::ffff:9.9.9.9", "9.9.9.8"],
                ["9.9.9.8/31", "::ffff:9.9.9.9", "2001:db8::5"]
            ),
            ([], []),
        ] as [([String], [String])])
    func hostTable(_ input: [String], _ expected: [String]) {
        #expect(Self.strings(CIDRAggregator.aggregate(Self.ips(input))) == expected)
    }

    @Test(
        arguments: [
            (["10.0.0.0/25", "10.0.0.128/25"], ["10.0.0.0/24"]),
            (["10.0.0.128/25", "10.0.1.0/25"], ["10.0.0.128/25", "10.0.1.0/25"]),
            (["10.0.0.0/8", "10.1.0.0/16", "10.0.0.5", "10.255.255.255"], ["10.0.0.0/8"]),
            (["0.0.0.0/1", "128.0.0.0/1"], ["0.0.0.0/0"]),
            (["0.0.0.0/0", "1.2.3.4"], ["0.0.0.0/0"]),
            (["255.255.255.255", "255.255.255.254/31", "255.255.255.252/31"], ["255.255.255.252/30"]),
            (["10.0.0.0/30", "10.0.0.2/31", "10.0.0.4/31"], ["10.0.0.0/30", "10.0.0.4/31"]),
            (
                [
                    "1.0.0.1", "1.0.0.2/31", "1.0.0.4/30", "1.0.0.8/29", "1.0.0.16/28", "1.0.0.32/27", "1.0.0.64/26",
                    "1.0.0.128/25",
                ],
                [
                    "1.0.0.1", "1.0.0.2/31", "1.0.0.4/30", "1.0.0.8/29", "1.0.0.16/28", "1.0.0.32/27", "1.0.0.64/26",
                    "1.0.0.128/25",
                ]
            ),
            (["1.0.0.0", "1.0.0.1", "1.0.0.2/31", "1.0.0.4/30"], ["1.0.0.0/29"]),
            // IPv6 /64 pieces
            (["2001:db8:1::/65", "2001:db8:1:0:8000::/65"], ["2001:db8:1::/64"]),
            (["2001:db8:1::/64", "2001:db8:1:1::/64", "2001:db8:1:2::/64", "2001:db8:1:3::/64"], ["2001:db8:1::/62"]),
            (["2001:db8:1:1::/64", "2001:db8:1:2::/64"], ["2001:db8:1:1::/64", "2001:db8:1:2::/64"]),
            (["2001:db8:1:1::/64", "2001:db8:1:1::5", "2001:db8:1:1::/80"], ["2001:db8:1:1::/64"]),
            (["::/1", "8000::/1"], ["::/0"]),
            (["::/0", "::1", "ffff::/16"], ["::/0"]),
            // mixed families: IPv4 first
            (["2001:db8::/32", "10.0.0.0/8", "::1", "0.0.0.0"], ["0.0.0.0", "10.0.0.0/8", "::1", "2001:db8::/32"]),
            (["::/0", "0.0.0.0/0"], ["0.0.0.0/0", "::/0"]),
        ] as [([String], [String])])
    func blockTable(_ input: [String], _ expected: [String]) {
        #expect(Self.strings(CIDRAggregator.aggregate(blocks: Self.blocks(input))) == expected)
        #expect(Self.strings(CIDRAggregator.aggregate(blocks: Self.blocks(input).reversed())) == expected)
    }

    @Test(
        arguments: [
            ("10.0.0.1", "10.0.0.6", ["10.0.0.1", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6"]),
            ("0.0.0.0", "255.255.255.255", ["0.0.0.0/0"]),
            ("0.0.0.1", "255.255.255.255", ["0.0.0.1", "0.0.0.2/31", "0.0.0.4/30"]),  // prefix of the output checked
            ("1.2.3.4", "1.2.3.4", ["1.2.3.4"]),
            ("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ["::/0"]),
            ("::1", "::2", ["::1", "::2"]),
            ("2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::", ["2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::"]),
            ("2001:db8::", "2001:db8:0:1:ffff:ffff:ffff:ffff", ["2001:db8::/63"]),
        ] as [(String, String, [String])])
    func rangeSplitting(_ first: String, _ last: String, _ expectedPrefix: [String]) {
        let out = CIDRAggregator.blocks(from: IPAddress(first)!, through: IPAddress(last)!)
        #expect(Array(Self.strings(out).prefix(expectedPrefix.count)) == expectedPrefix)
        #expect(out.first?.address == IPAddress(first)!)
    }

    @Test func rangeOfAllButZeroHas32Blocks() {
        let out = CIDRAggregator.blocks(from: IPAddress("0.0.0.1")!, through: IPAddress("255.255.255.255")!)
        #expect(out.count == 32)
        #expect(out.last?.description == "128.0.0.0/1")
        let v6 = CIDRAggregator.blocks(
            from: IPAddress("::1")!, through: IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")!)
        #expect(v6.count == 128)
        #expect(v6.last?.description == "8000::/1")
    }

    @Test func reversedOrMixedRangeIsEmpty() {
        #expect(CIDRAggregator.blocks(from: IPAddress("1.2.3.5")!, through: IPAddress("1.2.3.4")!).isEmpty)
        #expect(CIDRAggregator.blocks(from: IPAddress("1.2.3.5")!, through: IPAddress("::1")!).isEmpty)
    }

    // MARK: - Properties

    /// Reference: the minimal exact cover is the set of maximal aligned blocks inside the set;
    /// build it bottom-up by merging sibling blocks (offsets relative to an aligned base).
    static func reference(_ offsets: Set<UInt64>, width: Int) -> [(start: UInt64, bits: Int)] {
        var level = offsets
        var result: [(UInt64, Int)] = []
        for bits in 0..<width {
            var next = Set<UInt64>()
            for s in level {
                let sibling = s ^ (UInt64(1) << UInt64(bits))
                if level.contains(sibling) {
                    next.insert(s & ~(UInt64(1) << UInt64(bits)))
                } else {
                    result.append((s, bits))
                }
            }
            level = next
        }
        for s in level { result.append((s, width)) }
        return result.sorted { $0.0 < $1.0 }
    }

    @Test(arguments: 0..<40)
    func exactAndMinimalV4(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed))
        let base: UInt32 =
            seed % 5 == 0 ? 0 : (seed % 5 == 1 ? 0xFFFF_F000 : UInt32.random(in: 0...0xFFFF_EFFF, using: &rng) & ~0xFFF)
        let density = Double.random(in: 0.05...0.98, using: &rng)
        var set = Set<UInt64>()
        for o in 0..<UInt64(4096) where Double.random(in: 0..<1, using: &rng) < density { set.insert(o) }
        var hosts = set.map { IPAddress(v4: base + UInt32($0)) }
        hosts += hosts.prefix(100)  // duplicates
        hosts.shuffle(using: &rng)
        let out = CIDRAggregator.aggregate(hosts)
        // Every address of every block is in the input; no block overlaps another.
        var covered = 0
        for block in out {
            #expect(block.address.isIPv4)
            let size = UInt64(1) << UInt64(32 - block.prefix)
            let start = UInt64(block.address.v4 - base)
            #expect(
                (start..<(start + size)).allSatisfy { set.contains($0) }, "\(block) covers an address not in the input")
            covered += Int(size)
        }
        #expect(covered == set.count)
        // Every input is in some block.
        for ip in hosts.prefix(500) { #expect(out.contains { $0.contains(ip) }) }
        // Sorted, and no two blocks could be merged.
        for (a, b) in zip(out, out.dropFirst()) {
            #expect(a < b)
            let aEnd = UInt64(a.address.v4) + (UInt64(1) << UInt64(32 - a.prefix))
            let mergeable =
                a.prefix == b.prefix && a.prefix > 0 && aEnd == UInt64(b.address.v4)
                && CIDR(address: a.address, prefix: a.prefix - 1).address == a.address
            #expect(!mergeable, "\(a) and \(b) could be merged")
        }
        // Same as the independent reference (which is minimal).
        let expected = Self.reference(set, width: 12).map {
            CIDR(address: IPAddress(v4: base + UInt32($0.start)), prefix: 32 - $0.bits)
        }
        #expect(out == expected)
        // Same result through the blocks entry point.
        #expect(CIDRAggregator.aggregate(blocks: hosts.map { CIDR(address: $0, prefix: 32) }) == expected)
    }

    @Test(arguments: 0..<20)
    func overlappingBlocksV4(seed: Int) {
        var rng = SeededRandom(seed: 1000 + UInt64(seed))
        let base: UInt32 = 0x0A00_0000
        var set = Set<UInt64>()
        var input: [CIDR] = []
        for _ in 0..<Int.random(in: 1...60, using: &rng) {
            let bits = Int.random(in: 0...8, using: &rng)
            let start = UInt64.random(in: 0..<4096, using: &rng) & ~((UInt64(1) << UInt64(bits)) - 1)
            input.append(CIDR(address: IPAddress(v4: base + UInt32(start)), prefix: 32 - bits))
            for o in start..<(start + (UInt64(1) << UInt64(bits))) { set.insert(o) }
        }
        let expected = Self.reference(set, width: 12).map {
            CIDR(address: IPAddress(v4: base + UInt32($0.start)), prefix: 32 - $0.bits)
        }
        #expect(CIDRAggregator.aggregate(blocks: input.shuffled(using: &rng)) == expected)
    }

    @Test(arguments: 0..<20)
    func exactAndMinimalV6(seed: Int) {
        var rng = SeededRandom(seed: 5000 + UInt64(seed))
        // A 4096-address window straddling the boundary between the low and high 64-bit words.
        let high: UInt64 = seed % 4 == 0 ? ~0 - 1 : 0x2001_0db8_0000_0000 | UInt64.random(in: 0...0xffff, using: &rng)
        let lowBase: UInt64 = ~0 - 2047
        func address(_ o: UInt64) -> IPAddress {
            let (low, carry) = lowBase.addingReportingOverflow(o)
            return IPAddress(v6High: high + (carry ? 1 : 0), v6Low: low)
        }
        let density = Double.random(in: 0.05...0.98, using: &rng)
        var set = Set<UInt64>()
        for o in 0..<UInt64(4096) where Double.random(in: 0..<1, using: &rng) < density { set.insert(o) }
        var input: [CIDR] = set.map { CIDR(address: address($0), prefix: 128) }
        input.shuffle(using: &rng)
        let out = CIDRAggregator.aggregate(blocks: input)
        #expect(out == CIDRAggregator.aggregate(input.map(\.address)))
        // The window is not aligned beyond 2^11 (lowBase), so offsets relative to it map onto
        // aligned blocks of the same size only up to /117; the reference works on offsets.
        let expected = Self.reference(set, width: 11).map { CIDR(address: address($0.start), prefix: 128 - $0.bits) }
        #expect(out == expected)
    }

    @Test(arguments: [0, 1, 5, 1023, 1024, 100_000])
    func radixSortMatchesSort(count: Int) {
        var rng = SeededRandom(seed: 42 + UInt64(count))
        var a32 = (0..<count).map { _ in
            UInt32.random(in: 0...UInt32.max, using: &rng) >> UInt32.random(in: 0...31, using: &rng)
        }
        var b32 = a32
        CIDRAggregator.sortV4(&a32)
        b32.sort()
        #expect(a32 == b32)
        // Ranges sort by their start (high half) only.
        var a64 = (0..<count).map { _ in
            UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...40, using: &rng)
        }
        let b64 = a64
        CIDRAggregator.sortV4RangesByStart(&a64)
        #expect(zip(a64, a64.dropFirst()).allSatisfy { $0 >> 32 <= $1 >> 32 })
        #expect(a64.sorted() == b64.sorted())
    }

    @Test func radixSortConstantDigits() {
        var same = [UInt32](repeating: 7, count: 5000)
        CIDRAggregator.sortV4(&same)
        #expect(same == [UInt32](repeating: 7, count: 5000))
        var high = (0..<5000).map { UInt32(0xABC0_0000) | UInt32(4999 - $0) }
        CIDRAggregator.sortV4(&high)
        #expect(high == (0..<5000).map { UInt32(0xABC0_0000) | UInt32($0) })
    }
}
