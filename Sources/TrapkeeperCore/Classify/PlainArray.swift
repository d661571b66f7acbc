import CScan

/// A growable array of plain values in one block of `RawMemory`, for the harvest's tables and
/// per-line counters.
///
/// Unlike `Array` held in a class, reading or updating an element never checks uniqueness,
/// retains the buffer or copies it: the hot path touches a counter per line. Not copyable: the
/// array owns its block, which is freed with it. Indexes are checked in debug builds only, as
/// `UnsafeBufferPointer`'s are: the callers index with indexes their tables handed out.
struct PlainArray<Element: BitwiseCopyable>: ~Copyable {
    private var block: RawMemory.Block
    /// `block.start`, bound to `Element` for `capacity` elements.
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    /// Elements `block` has room for.
    private var capacity: Int

    init(capacity: Int = 16) {
        block = RawMemory.allocate(max(16, capacity) * MemoryLayout<Element>.stride)
        self.capacity = block.bytes / MemoryLayout<Element>.stride
        // The block is fresh, ours, 16-aligned and holds `capacity` elements.
        base = block.start.bindMemory(to: Element.self, capacity: self.capacity)
    }

    /// A zero-filled array of `count` elements.
    init(zeros count: Int) {
        self.init(capacity: count)
        // Zero bytes are a valid value of every element type used here (integers, structs of them).
        // A fresh anonymous mapping is zero already: writing zeros would only fault in every
        // page now (a big hash table's pages are touched when used, or never).
        if block.source != .mapping {
            UnsafeMutableRawPointer(base).initializeMemory(
                as: UInt8.self, repeating: 0, count: count * MemoryLayout<Element>.stride)
        }
        self.count = count
    }

    @inline(__always)
    subscript(_ i: Int) -> Element {
        get {
            assert(i >= 0 && i < count, "PlainArray index out of range")
            return base[i]  // initialized: i < count
        }
        set {
            assert(i >= 0 && i < count, "PlainArray index out of range")
            base[i] = newValue  // initialized: i < count; elements are trivial, nothing to release
        }
    }

    @inline(__always)
    mutating func append(_ e: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: e)  // count < capacity: inside the block
        count += 1
    }

    /// Drops the last `k` elements (0 ≤ k ≤ count); the room stays.
    mutating func removeLast(_ k: Int) {
        precondition(k >= 0 && k <= count, "PlainArray.removeLast out of range")
        count -= k  // elements are trivial: nothing to deinitialize
    }

    /// Asks the CPU to load element `i`'s cache line (a hint: any `i` is harmless).
    @inline(__always)
    func prefetch(_ i: Int) { tk_prefetch(base + i) }

    private mutating func grow() {
        let stride = MemoryLayout<Element>.stride
        let new = RawMemory.allocate(capacity * 2 * stride)
        // The new block holds more than `count` elements; the old one is freed when replaced below.
        let typed = new.start.bindMemory(to: Element.self, capacity: new.bytes / stride)
        typed.moveInitialize(from: base, count: count)
        capacity = new.bytes / stride
        base = typed
        block = new
    }
}

/// A growable byte buffer of variable-length records, addressed by offset (the harvest's
/// evidence and its address keys). Not copyable: it owns its block, freed with it. The bytes
/// are lent out only for the length of a call (`withBytes`, `withMutableBytes`).
struct ByteArena: ~Copyable {
    private var block: RawMemory.Block
    private(set) var used = 0

    init(capacity: Int = 1 << 16) {
        block = RawMemory.allocate(max(1024, capacity))
    }

    /// Reserves `count` bytes at an 8-aligned offset and returns that offset.
    @inline(__always)
    mutating func reserve(_ count: Int) -> Int {
        let start = (used + 7) & ~7
        if start + count > block.bytes { grow(start + count) }
        used = start + count
        return start
    }

    /// Copies `bytes` in at an 8-aligned offset; returns the offset.
    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let offset = reserve(bytes.count)
        if let from = bytes.baseAddress, bytes.count > 0 {
            (block.start + offset).copyMemory(from: from, byteCount: bytes.count)  // reserved just above
        }
        return offset
    }

    /// Calls `body` with the `count` bytes at `offset` (an offset `reserve` or `append`
    /// returned, and at most the bytes reserved there), 8-aligned.
    @inline(__always)
    func withBytes<R>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        assert(offset >= 0 && offset + count <= used, "ByteArena range out of bounds")
        return try body(UnsafeRawBufferPointer(start: block.start + offset, count: count))  // inside `used`
    }

    /// `withBytes`, writable.
    @inline(__always)
    mutating func withMutableBytes<R>(
        at offset: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R
    ) rethrows -> R {
        assert(offset >= 0 && offset + count <= used, "ByteArena range out of bounds")
        return try body(UnsafeMutableRawBufferPointer(start: block.start + offset, count: count))  // inside `used`
    }

    /// Asks the CPU to load the cache line at `offset` (a hint: any offset is harmless).
    @inline(__always)
    func prefetch(at offset: Int) { tk_prefetch(block.start + offset) }

    private mutating func grow(_ need: Int) {
        var n = block.bytes * 2
        while n < need { n *= 2 }
        let new = RawMemory.allocate(n)
        new.start.copyMemory(from: block.start, byteCount: used)  // `used` ≤ both sizes
        block = new  // the old block is freed here
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
