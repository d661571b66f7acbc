import Testing

@testable import TrapkeeperCore

#if canImport(Glibc)
import Glibc

/// `RawMemory` hands out mapped blocks (2 MiB and more, on huge pages) and, when the system
/// refuses a mapping, malloc'd ones. Each must go back the way it came.
@Suite struct RawMemoryTests {
    /// Resident bytes of this process (`/proc/self/statm`).
    static func resident() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        defer { close(fd) }
        var text = [UInt8](repeating: 0, count: 128)
        let n = read(fd, &text, text.count)
        let fields = text[0..<max(0, n)].split(separator: 32)
        return (Int(String(decoding: fields[1], as: UTF8.self)) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Fills, grows and drops arrays and tables of several MiB (a slot table of 4 MiB, grown
    /// to 8; 8 MiB of counters; keys and hosts) 20 times; exits 0 when the process ends no
    /// bigger than one round leaves it (malloc keeps a little; a leak is ~30 MiB a round).
    static func churn() -> Never {
        let before = resident()
        for round in 0..<20 {
            var numbers = PlainArray<Int>(capacity: 1 << 19)
            for i in 0..<(1 << 20) { numbers.append(i) }
            var table = ByteKeyTable(capacity: 1 << 18)
            var hosts = IPKeyTable(capacity: 1 << 18)
            for i in 0..<(1 << 18) {
                var key = UInt64(i * 7919 + round)
                _ = withUnsafeBytes(of: &key) { table.index(of: $0) }
                _ = hosts.index(of: IPAddress(v4: UInt32(i)))
            }
        }
        exit(resident() - before < 128 << 20 ? 0 : 1)
    }

    /// Zero-filled arrays on either side of the 2 MiB line read as zeros (a fresh mapping is
    /// not written, a heap block is), each asked for right after a block of the same size
    /// filled with ones was freed (malloc hands such blocks out again); exits 5 otherwise.
    static func zerosAreZeros() {
        for count in [16, 1000, 4096, 100_000, 1 << 20] {
            for _ in 0..<4 {
                var dirty = PlainArray<UInt64>(capacity: count)
                for _ in 0..<count { dirty.append(UInt64.max) }
                _ = consume dirty
                let zeros = PlainArray<UInt64>(zeros: count)
                for i in 0..<count where zeros[i] != 0 { exit(5) }
            }
        }
    }

    /// Grows an array from 16 elements past the 2 MiB line (heap blocks, then mappings), and a
    /// key table, a host table and a pair index from 16 slots to 2^20; exits 0 when every
    /// element and every key is found where it was put.
    static func growAndCheck() -> Never {
        zerosAreZeros()
        var pairs = PairIndex(capacity: 16)
        for i in 0..<(1 << 19) { pairs.insert(UInt64(i % 977) << 32 | UInt64(i), Int32(i)) }
        for i in 0..<(1 << 19) where pairs.find(UInt64(i % 977) << 32 | UInt64(i)) != Int32(i) { exit(6) }
        if pairs.find(UInt64(978) << 32) != nil { exit(7) }
        var numbers = PlainArray<Int>(capacity: 16)
        for i in 0..<(1 << 19) { numbers.append(i &* 2_654_435_761) }
        var table = ByteKeyTable(capacity: 16)
        var hosts = IPKeyTable(capacity: 16)
        for i in 0..<(1 << 19) {
            let key = Array("k\(i)@bsdly.com".utf8)
            let (idx, inserted) = key.withUnsafeBytes { table.index(of: $0) }
            let (h, hostInserted) = hosts.index(of: IPAddress(v4: UInt32(i) &* 2_654_435_761))
            if idx != i || !inserted || h != i || !hostInserted { exit(2) }
        }
        for i in 0..<(1 << 19) {
            let key = Array("k\(i)@bsdly.com".utf8)
            let found = key.withUnsafeBytes { table.find($0) }
            let same = table.withKey(i) { Array($0) == key }
            if numbers[i] != i &* 2_654_435_761 || found != i || !same { exit(3) }
            if hosts.find(IPAddress(v4: UInt32(i) &* 2_654_435_761)) != i { exit(4) }
        }
        exit(0)
    }

    @Test(.timeLimit(.minutes(1))) func growingKeepsEveryElementOnMappings() async {
        await #expect(processExitsWith: .success) {
            unsetenv("TRAPKEEPER_RAWMEMORY")
            RawMemoryTests.growAndCheck()
        }
    }

    @Test(.timeLimit(.minutes(1))) func growingKeepsEveryElementOnTheHeap() async {
        await #expect(processExitsWith: .success) {
            setenv("TRAPKEEPER_RAWMEMORY", "heap", 1)
            RawMemoryTests.growAndCheck()
        }
    }

    /// Every block from malloc (`TRAPKEEPER_RAWMEMORY=heap`, as when mappings are refused).
    /// In a process of its own: the setting is read once, and nothing else allocates there.
    @Test func blocksFromMallocGoBackToMalloc() async {
        await #expect(processExitsWith: .success) {
            setenv("TRAPKEEPER_RAWMEMORY", "heap", 1)
            RawMemoryTests.churn()
        }
    }

    /// Mapped blocks (the default from 2 MiB) go back to the system.
    @Test func mappedBlocksAreUnmapped() async {
        await #expect(processExitsWith: .success) {
            unsetenv("TRAPKEEPER_RAWMEMORY")
            RawMemoryTests.churn()
        }
    }
}
#endif
