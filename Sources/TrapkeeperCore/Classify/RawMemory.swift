#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory for the harvest's tables. Blocks of 2 MiB and more are mapped on their own and
/// marked for transparent huge pages: the tables of a real dump span tens of megabytes and are
/// hit at random, and with 4 KiB pages most lookups also missed the TLB (a page walk, in a VM
/// a nested one). Smaller blocks, and any block the system refuses to map, come from malloc.
/// Each `Block` records which it is and gives itself back the same way when it goes.
enum RawMemory {
    static let hugePage = 1 << 21

    /// With `TRAPKEEPER_RAWMEMORY=heap` in the environment every block comes from malloc, none
    /// is mapped (the fallback path, on purpose; memory checkers see heap blocks).
    static let heapOnly = getenv("TRAPKEEPER_RAWMEMORY").map { String(cString: $0) == "heap" } ?? false

    /// A block of memory and how it was obtained; freed when it goes (`deinit`). Not copyable:
    /// one owner, which lends `start` out for no longer than a call.
    struct Block: ~Copyable {
        enum Source {
            /// From malloc (`UnsafeMutableRawPointer.allocate`): freed with `deallocate`.
            case heap
            /// Mapped with `mmap` (anonymous: zero-filled when fresh): unmapped, all `bytes` of it.
            case mapping
        }

        let start: UnsafeMutableRawPointer
        /// Usable bytes: what was asked for a heap block; the whole mapped size of a mapping
        /// (rounded up to whole huge pages).
        let bytes: Int
        let source: Source

        /// Only `RawMemory` makes blocks: `deinit` trusts `source` and `bytes`.
        fileprivate init(start: UnsafeMutableRawPointer, bytes: Int, source: Source) {
            self.start = start
            self.bytes = bytes
            self.source = source
        }

        /// All the block's bytes, for its owner to use during a call.
        var buffer: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: start, count: bytes) }

        deinit {
            switch source {
            case .heap: start.deallocate()  // from UnsafeMutableRawPointer.allocate (malloc)
            case .mapping: munmap(start, bytes)  // mapped by mapAligned: exactly these bytes
            }
        }
    }

    /// A block of at least `bytes` bytes, aligned to 16.
    static func allocate(_ bytes: Int) -> Block {
        if bytes >= hugePage, !heapOnly {
            let size = (bytes + hugePage - 1) & ~(hugePage - 1)
            if let p = mapAligned(size) { return Block(start: p, bytes: size, source: .mapping) }
        }
        let size = max(bytes, 1)
        return Block(
            start: UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16), bytes: size, source: .heap)
    }

    /// `size` bytes (a multiple of `hugePage`) of anonymous memory starting on a 2 MiB line,
    /// marked for transparent huge pages; nil when the mapping is refused. One huge page more
    /// is mapped, then the ends are unmapped.
    private static func mapAligned(_ size: Int) -> UnsafeMutableRawPointer? {
        guard
            let raw = mmap(nil, size + hugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            raw != MAP_FAILED
        else { return nil }
        let address = Int(bitPattern: raw)
        let aligned = (address + hugePage - 1) & ~(hugePage - 1)
        if aligned > address { munmap(raw, aligned - address) }
        let tail = address + size + hugePage - (aligned + size)
        if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: aligned + size), tail) }
        let p = UnsafeMutableRawPointer(bitPattern: aligned)!
        #if os(Linux)
        _ = madvise(p, size, MADV_HUGEPAGE)
        #endif
        return p
    }
}
