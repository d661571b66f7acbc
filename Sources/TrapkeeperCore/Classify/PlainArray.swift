/// A growable array of plain values behind one pointer, for the harvest's per-line counters.
///
/// Unlike `Array` held in a class, reading or updating an element never checks uniqueness,
/// retains the buffer or copies it: the hot path touches a counter per line. Not copyable in
/// the value sense (copies share the storage); the owner calls `release()` exactly once.
struct PlainArray<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    /// Elements `block` has room for.
    private var capacity: Int
    private var block: RawMemory.Block

    init(capacity: Int = 16) {
        block = RawMemory.allocate(max(16, capacity) * MemoryLayout<Element>.stride)
        self.capacity = block.bytes / MemoryLayout<Element>.stride
        base = block.start.bindMemory(to: Element.self, capacity: self.capacity)
    }

    /// A zero-filled array of `count` elements.
    init(zeros count: Int) {
        self.init(capacity: count)
        (UnsafeMutableRawPointer(base)).initializeMemory(
            as: UInt8.self, repeating: 0, count: count * MemoryLayout<Element>.stride)
        self.count = count
    }

    func release() { RawMemory.free(block) }

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
        // A reservation grows in place (its capacity is all of it): nothing copied, no page
        // touched twice. Anything else is copied into a new block.
        let new =
            n * stride >= RawMemory.hugePage
            ? RawMemory.reserve(n * stride) ?? RawMemory.allocate(n * stride) : RawMemory.allocate(n * stride)
        let typed = new.start.bindMemory(to: Element.self, capacity: new.bytes / stride)
        typed.moveInitialize(from: base, count: count)
        RawMemory.free(block)
        block = new
        base = typed
        capacity = new.bytes / stride
    }
}

/// A growable byte buffer of variable-length records, addressed by offset (the harvest's
/// evidence: one record per first sighting, decoded into text only when the state needs it).
struct ByteArena {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var used = 0
    private var block: RawMemory.Block

    init(capacity: Int = 1 << 16) {
        block = RawMemory.allocate(max(1024, capacity))
        base = block.start
    }

    func release() { RawMemory.free(block) }

    /// Reserves `count` bytes at an 8-aligned offset and returns that offset.
    @inline(__always)
    mutating func reserve(_ count: Int) -> Int {
        let start = (used + 7) & ~7
        if start + count > block.bytes { grow(start + count) }
        used = start + count
        return start
    }

    private mutating func grow(_ need: Int) {
        var n = block.bytes * 2
        while n < need { n *= 2 }
        // As PlainArray: a reservation is never outgrown in practice; anything else is copied.
        let new = n >= RawMemory.hugePage ? RawMemory.reserve(n) ?? RawMemory.allocate(n) : RawMemory.allocate(n)
        new.start.copyMemory(from: base, byteCount: used)
        RawMemory.free(block)
        block = new
        base = new.start
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
