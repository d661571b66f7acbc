#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a file descriptor line by line through one reusable buffer.
///
/// Line ends are `\n`; one `\r` before it is dropped (CRLF dumps). The last line may lack its
/// `\n`; it is then handed over with `unterminated` set (the caller decides whether a stream cut
/// short could have left it so). A line longer than `maxLineBytes` is handed over once, cut to its first
/// `maxLineBytes` bytes, with `tooLong` set; its remainder is skipped. Memory stays at
/// `chunkBytes + maxLineBytes` whatever the file size.
///
/// An iterator rather than a callback: the parser's per-line state stays in its own locals
/// instead of a closure context, and nothing is retained or released per line.
struct LineReader: ~Copyable {
    static let chunkBytes = 1 << 20
    static let maxLineBytes = 64 * 1024

    struct ReadError: Error {
        let errno: Int32
    }

    struct Line {
        /// Valid until `next()` calls its `linesExpire` (not at every call: see `next`).
        var bytes: UnsafeRawBufferPointer
        var number: Int
        var tooLong: Bool
        /// The input ended before this line's `\n`.
        var unterminated = false
    }

    private let fd: Int32
    private let range: Range<Int64>?
    private let maxLineBytes: Int
    private let capacity: Int
    private let buffer: UnsafeMutableRawPointer
    private var offset: Int64
    private var start = 0  // next unread byte in buffer
    private var end = 0  // bytes in buffer[0..<end]
    private var atEOF = false
    private var skipping = false  // inside the remainder of an overlong line
    private var finished = false
    private(set) var lineNumber = 0
    /// Bytes read so far.
    private(set) var bytesRead: Int64 = 0

    /// With `range`, reads only those bytes of the file (with `pread`): a chunk of a file that
    /// several threads parse at once. The chunk must start at a line start.
    init(fd: Int32, range: Range<Int64>? = nil, maxLineBytes: Int = LineReader.maxLineBytes) {
        self.fd = fd
        self.range = range
        self.maxLineBytes = maxLineBytes
        self.offset = range?.lowerBound ?? 0
        capacity = LineReader.chunkBytes + maxLineBytes
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    @inline(__always)
    private mutating func emit(_ s: Int, _ e0: Int, tooLong: Bool) -> Line {
        var e = e0
        if e > s && buffer.load(fromByteOffset: e - 1, as: UInt8.self) == 13 { e -= 1 }
        lineNumber += 1
        let long = tooLong || e - s > maxLineBytes
        return Line(
            bytes: UnsafeRawBufferPointer(start: buffer + s, count: min(e - s, maxLineBytes)), number: lineNumber,
            tooLong: long)
    }

    /// The next line, or nil at the end of the input. `linesExpire` is called before the
    /// buffer's bytes are moved or overwritten: every line handed out before becomes invalid
    /// then, not earlier (a consumer may keep pointers into recent lines until that call).
    @inline(__always)
    mutating func next(linesExpire: () -> Void = {}) throws -> Line? {
        while true {
            if start < end, let nl = memchr(buffer + start, 10, end - start) {
                let pos = buffer.distance(to: nl)
                let s = start
                start = pos + 1
                if skipping {
                    skipping = false
                    continue
                }
                return emit(s, pos, tooLong: false)
            }
            linesExpire()  // the lines handed out so far end here (RawRecord's contract)
            if let line = try refill() { return line }
            if finished { return nil }
        }
    }

    /// Reads more bytes after the buffered ones; returns a line when the input ends without a
    /// final newline, or an overlong line's first part.
    private mutating func refill() throws -> Line? {
        if atEOF {
            guard !finished else { return nil }
            finished = true
            if start < end && !skipping {
                let s = start
                start = end
                var line = emit(s, end, tooLong: false)
                line.unterminated = true
                return line
            }
            return nil
        }
        let rest = end - start
        var overlong: Line?
        if skipping {
            end = 0  // still inside an overlong line: drop it
        } else if rest > maxLineBytes {
            overlong = emit(start, start + maxLineBytes, tooLong: true)
            skipping = true
            end = 0
        } else {
            if start > 0 && rest > 0 { memmove(buffer, buffer + start, rest) }
            end = rest
        }
        start = 0
        // The overlong line's bytes stay valid: the read below goes after them only when the
        // buffer was kept; when it was dropped, the line is returned before reading.
        if let overlong { return overlong }
        while true {
            var want = capacity - end
            if let range { want = Int(min(Int64(want), range.upperBound - offset)) }
            let n =
                range == nil
                ? read(fd, buffer + end, want) : (want == 0 ? 0 : pread(fd, buffer + end, want, off_t(offset)))
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(errno: errno)
            }
            bytesRead += Int64(n)
            offset += Int64(n)
            end += n
            if n == 0 { atEOF = true }
            return nil
        }
    }

    /// Calls `body(line, lineNumber, tooLong)` for every line; returns the number of bytes read.
    static func forEachLine(
        fd: Int32, range: Range<Int64>? = nil, maxLineBytes: Int = LineReader.maxLineBytes,
        _ body: (UnsafeRawBufferPointer, Int, Bool) throws -> Void
    ) throws -> Int64 {
        var reader = LineReader(fd: fd, range: range, maxLineBytes: maxLineBytes)
        while let line = try reader.next() { try body(line.bytes, line.number, line.tooLong) }
        return reader.bytesRead
    }
}
