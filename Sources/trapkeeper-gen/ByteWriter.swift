#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to a file descriptor: lines are assembled byte by byte in a 4 MiB buffer and
/// written with `write(2)`, so a million lines cost a few dozen system calls and no `String`s.
final class ByteWriter {
    static let capacity = 4 << 20
    static let flushThreshold = capacity - 64 * 1024

    private let fd: Int32
    private let ownsDescriptor: Bool
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    private(set) var bytesWritten: Int64 = 0

    /// Writes to `path`, or to standard output when `path` is nil or `-`.
    init(path: String?) throws {
        if let path, path != "-" {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw GeneratorError("cannot create \(path): \(String(cString: strerror(errno)))") }
            self.fd = fd
            ownsDescriptor = true
        } else {
            fd = STDOUT_FILENO
            ownsDescriptor = false
        }
        buffer = .allocate(capacity: ByteWriter.capacity)
    }

    deinit {
        buffer.deallocate()
    }

    @inline(__always)
    func byte(_ b: UInt8) {
        buffer[count] = b
        count += 1
    }

    @inline(__always)
    func bytes(_ a: [UInt8]) {
        a.withUnsafeBufferPointer { p in
            (buffer + count).update(from: p.baseAddress!, count: p.count)
        }
        count += a.count
    }

    /// Appends the bytes of `a`, upper-casing ASCII letters where `mask` has a bit set
    /// (bit i for byte i, bits beyond 63 repeat the last); mask 0 copies verbatim.
    @inline(__always)
    func bytes(_ a: [UInt8], caseMask mask: UInt64) {
        if mask == 0 { return bytes(a) }
        for (i, b) in a.enumerated() {
            let upper = (mask >> UInt64(min(i, 63))) & 1 == 1
            byte(upper && b >= 97 && b <= 122 ? b - 32 : b)
        }
    }

    func string(_ s: String) {
        var s = s
        s.withUTF8 { p in
            (buffer + count).update(from: p.baseAddress!, count: p.count)
            count += p.count
        }
    }

    /// Appends a non-negative decimal number without going through `String`.
    @inline(__always)
    func decimal(_ value: Int64) {
        var v = UInt64(max(0, value))
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(48 + v % 10)
                v /= 10
                n += 1
            } while v > 0
            for i in stride(from: n - 1, through: 0, by: -1) { byte(d[i]) }
        }
    }

    @inline(__always)
    func ipv4(_ v: UInt32) {
        decimal(Int64(v >> 24))
        byte(46)
        decimal(Int64((v >> 16) & 0xff))
        byte(46)
        decimal(Int64((v >> 8) & 0xff))
        byte(46)
        decimal(Int64(v & 0xff))
    }

    /// Appends lower-case hex without leading zeros (an IPv6 group).
    @inline(__always)
    func hex(_ value: UInt64) {
        var started = false
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = UInt8((value >> UInt64(shift)) & 0xf)
            if nibble != 0 || started || shift == 0 {
                started = true
                byte(nibble < 10 ? 48 + nibble : 87 + nibble)
            }
        }
    }

    /// Ends the line; flushes when the buffer is nearly full.
    @inline(__always)
    func newline() throws {
        byte(10)
        if count >= ByteWriter.flushThreshold { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < count {
            let n = write(fd, buffer + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw GeneratorError("write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        bytesWritten += Int64(count)
        count = 0
    }

    func finish() throws {
        try flush()
        if ownsDescriptor, close(fd) != 0 {
            throw GeneratorError("close failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// A failure the generator reports and exits on.
struct GeneratorError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = "trapkeeper-gen: " + message }
}

/// Writes one line to standard error, unbuffered.
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { p in _ = write(STDERR_FILENO, p.baseAddress, p.count) }
}
