#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a file descriptor line by line through one reusable buffer.
///
/// Line ends are `\n`; one `\r` before it is dropped (CRLF dumps). The last line may lack its
/// `\n`. A line longer than `maxLineBytes` is handed over once, cut to its first
/// `maxLineBytes` bytes, with `tooLong` set; its remainder is skipped. Memory stays at
/// `chunkBytes + maxLineBytes` whatever the file size.
struct LineReader {
    static let chunkBytes = 1 << 20
    static let maxLineBytes = 64 * 1024

    struct ReadError: Error {
        let errno: Int32
    }

    /// Calls `body(line, lineNumber, tooLong)` for every line; returns the number of bytes read.
    /// With `range`, reads only those bytes of the file (with `pread`): a chunk of a file that
    /// several threads parse at once. The chunk must start at a line start.
    static func forEachLine(
        fd: Int32, range: Range<Int64>? = nil, maxLineBytes: Int = LineReader.maxLineBytes,
        _ body: (UnsafeRawBufferPointer, Int, Bool) throws -> Void
    ) throws -> Int64 {
        var offset = range?.lowerBound ?? 0
        let capacity = chunkBytes + maxLineBytes
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0  // bytes in buffer[0..<filled]
        var lineNumber = 0
        var total: Int64 = 0
        var skipping = false  // inside the remainder of an overlong line

        func emit(_ start: Int, _ end: Int, tooLong: Bool) throws {
            var e = end
            if e > start && buffer.load(fromByteOffset: e - 1, as: UInt8.self) == 13 { e -= 1 }
            lineNumber += 1
            let long = tooLong || e - start > maxLineBytes
            try body(
                UnsafeRawBufferPointer(start: buffer + start, count: min(e - start, maxLineBytes)), lineNumber, long)
        }

        while true {
            var want = capacity - filled
            if let range { want = Int(min(Int64(want), range.upperBound - offset)) }
            let n =
                range == nil
                ? read(fd, buffer + filled, want) : (want == 0 ? 0 : pread(fd, buffer + filled, want, off_t(offset)))
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(errno: errno)
            }
            total += Int64(n)
            offset += Int64(n)
            let end = filled + n
            var start = 0
            while start < end {
                guard let nl = memchr(buffer + start, 10, end - start) else { break }
                let pos = buffer.distance(to: nl)
                if skipping {
                    skipping = false
                } else {
                    try emit(start, pos, tooLong: false)
                }
                start = pos + 1
            }
            if n == 0 {
                if start < end && !skipping { try emit(start, end, tooLong: false) }
                return total
            }
            let rest = end - start
            if skipping {
                filled = 0  // still inside an overlong line: drop it
            } else if rest > maxLineBytes {
                try emit(start, start + maxLineBytes, tooLong: true)
                skipping = true
                filled = 0
            } else {
                if start > 0 && rest > 0 { memmove(buffer, buffer + start, rest) }
                filled = rest
            }
        }
    }
}
