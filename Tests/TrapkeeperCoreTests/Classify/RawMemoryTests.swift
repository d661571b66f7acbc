import Testing

@testable import TrapkeeperCore

#if canImport(Glibc)
import Glibc

/// `RawMemory` hands out mapped blocks (huge pages, growable reservations) and, when the system
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

    /// Every block from malloc (`TRAPKEEPER_RAWMEMORY=heap`, as when mappings are refused):
    /// arrays and tables of several MiB, filled, grown and freed 20 times, leave the process no
    /// bigger than one round does (malloc keeps a little; a leak is ~30 MiB a round). In a
    /// process of its own: the setting is read once, and nothing else allocates there.
    @Test func blocksFromMallocGoBackToMalloc() async {
        await #expect(processExitsWith: .success) {
            setenv("TRAPKEEPER_RAWMEMORY", "heap", 1)
            let before = RawMemoryTests.resident()
            for round in 0..<20 {
                var numbers = PlainArray<Int>(capacity: 1 << 19)  // 4 MiB, then grown to 8 MiB
                for i in 0..<(1 << 20) { numbers.append(i) }
                var table = ByteKeyTable(capacity: 1 << 18)  // 4 MiB of slots, grown on insertion
                var hosts = IPKeyTable(capacity: 1 << 18)
                for i in 0..<(1 << 18) {
                    var key = UInt64(i * 7919 + round)
                    _ = withUnsafeBytes(of: &key) { table.index(of: $0) }
                    _ = hosts.index(of: IPAddress(v4: UInt32(i)))
                }
                numbers.release()
                table.release()
                hosts.release()
            }
            let grown = RawMemoryTests.resident() - before
            exit(grown < 128 << 20 ? 0 : 1)
        }
    }
}
#endif
