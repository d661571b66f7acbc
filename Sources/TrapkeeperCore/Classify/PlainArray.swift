/// A growable array of plain values behind one pointer, for the harvest's per-line counters.
///
/// Unlike `Array` held in a class, reading or updating an element never checks uniqueness,
/// retains the buffer or copies it: the hot path touches a counter per line. Not copyable in
/// the value sense (copies share the storage); the owner calls `release()` exactly once.
struct PlainArray<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int
    /// Bytes of address space behind `base` when it is a growable reservation, else 0.
    private var reserved = 0

    init(capacity: Int = 16) {
        self.capacity = max(16, capacity)
        base = RawMemory.allocate(self.capacity * MemoryLayout<Element>.stride).bindMemory(
            to: Element.self, capacity: self.capacity)
    }

    /// A zero-filled array of `count` elements.
    init(zeros count: Int) {
        self.init(capacity: count)
        (UnsafeMutableRawPointer(base)).initializeMemory(
            as: UInt8.self, repeating: 0, count: count * MemoryLayout<Element>.stride)
        self.count = count
    }

    func release() {
        if reserved > 0 {
            RawMemory.unreserve(UnsafeMutableRawPointer(base), reserved)
        } else {
            RawMemory.deallocate(UnsafeMutableRawPointer(base), capacity * MemoryLayout<Element>.stride)
        }
    }

    @inline(__always)
    subscript(_ i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    @inline(__always)
    mutating func append(_ e: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: e)
        count += 1
    }

    private mutating func grow() {
        let stride = MemoryLayout<Element>.stride
        let n = capacity * 2
        if reserved >= n * stride {  // grows in place: nothing copied, no page touched twice
            capacity = n
            return
        }
        let q: UnsafeMutableRawPointer
        var r = 0
        if n * stride >= RawMemory.hugePage, let block = RawMemory.reserve(n * stride) {
            q = block.start
            r = block.bytes
        } else {
            q = RawMemory.allocate(n * stride)
        }
        let typed = q.bindMemory(to: Element.self, capacity: n)
        typed.moveInitialize(from: base, count: count)
        release()
        base = typed
        capacity = r > 0 ? r / stride : n
        reserved = r
    }
}

/// A growable byte buffer of variable-length records, addressed by offset (the harvest's
/// evidence: one record per first sighting, decoded into text only when the state needs it).
struct ByteArena {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var used = 0
    private var capacity: Int
    /// Bytes of address space behind `base` when it is a growable reservation, else 0.
    private var reserved = 0

    init(capacity: Int = 1 << 16) {
        self.capacity = max(1024, capacity)
        base = RawMemory.allocate(self.capacity)
    }

    func release() {
        if reserved > 0 { RawMemory.unreserve(base, reserved) } else { RawMemory.deallocate(base, capacity) }
    }

    /// Reserves `count` bytes at an 8-aligned offset and returns that offset.
    @inline(__always)
    mutating func reserve(_ count: Int) -> Int {
        let start = (used + 7) & ~7
        if start + count > capacity { grow(start + count) }
        used = start + count
        return start
    }

    private mutating func grow(_ need: Int) {
        var n = capacity * 2
        while n < need { n *= 2 }
        if reserved >= need {  // grows in place: nothing copied, no page touched twice
            capacity = reserved
            return
        }
        let q: UnsafeMutableRawPointer
        var r = 0
        if n >= RawMemory.hugePage, let block = RawMemory.reserve(n) {
            q = block.start
            r = block.bytes
        } else {
            q = RawMemory.allocate(n)
        }
        q.copyMemory(from: base, byteCount: used)
        release()
        base = q
        capacity = r > 0 ? r : n
        reserved = r
    }
}

/// Byte equality of two buffers of `n` bytes, inlined (the harvest compares a key or a domain
/// suffix per line; a `memcmp` call costs more than the comparison).
@inline(__always)
func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    if n >= 8 {
        var i = 0
        while i + 8 < n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                != b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            {
                return false
            }
            i += 8
        }
        return a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    }
    if n >= 4 {
        return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
                == b.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
    }
    for i in 0..<n where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
        return false
    }
    return true
}

/// Memory for the harvest's tables. Blocks of 2 MiB and more are mapped on their own and
/// marked for transparent huge pages: the tables of a real dump span tens of megabytes and are
/// hit at random, and with 4 KiB pages most lookups also missed the TLB (a page walk, in a VM
/// a nested one). Smaller blocks come from malloc. Free with `deallocate(_:_:)` and the same
/// byte count.
enum RawMemory {
    static let hugePage = 1 << 21

    static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= hugePage, let p = mapAligned((bytes + hugePage - 1) & ~(hugePage - 1), flags: 0) { return p }
        return UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 16)
    }

    /// Address space a growable block reserves: pages are backed only when first touched, so
    /// the block grows in place (no copy, no page zeroed twice) up to this size.
    static let reservation = 1 << 33

    /// A block of at least `bytes` that can grow in place: `reservation` bytes of address
    /// space (more if `bytes` needs it), mapped without reserving swap, on huge pages. Nil
    /// when the system refuses the mapping (strict overcommit, an address-space limit): the
    /// caller then allocates and copies as usual. Free with `unreserve(_:_:)`.
    static func reserve(_ bytes: Int) -> (start: UnsafeMutableRawPointer, bytes: Int)? {
        #if os(Linux)
        let size = (max(bytes, reservation) + hugePage - 1) & ~(hugePage - 1)
        return mapAligned(size, flags: MAP_NORESERVE).map { ($0, size) }
        #else
        return nil
        #endif
    }

    /// `size` bytes (a multiple of `hugePage`) of anonymous memory starting on a 2 MiB line,
    /// marked for transparent huge pages; nil when the mapping is refused. One huge page more
    /// is mapped, then the ends are unmapped.
    private static func mapAligned(_ size: Int, flags: Int32) -> UnsafeMutableRawPointer? {
        guard
            let raw = mmap(nil, size + hugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0),
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

    static func unreserve(_ p: UnsafeMutableRawPointer, _ bytes: Int) { munmap(p, bytes) }

    static func deallocate(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        if bytes >= hugePage {
            munmap(p, (bytes + hugePage - 1) & ~(hugePage - 1))
        } else {
            p.deallocate()
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
