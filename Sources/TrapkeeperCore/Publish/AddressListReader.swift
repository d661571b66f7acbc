#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be opened or read.
public struct AddressListReadError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String

    public var description: String { "\(path): \(message)" }
}

/// Reads and writes plain address lists for the `trapkeeper aggregate [FILE]` utility.
///
/// Input, one entry per line: `a.b.c.d`, `a.b.c.d/nn`, `a.b.c.d/m.m.m.m` (contiguous netmask),
/// IPv6 and IPv6`/nn`, or a range `first - last` / `first-last`. Spaces, tabs and CR around an
/// entry are ignored, as are blank lines and everything from `#` on. A prefix whose host bits are
/// not zero (`10.1.2.3/8`) means the block that holds the address (`10.0.0.0/8`), as in `iprange`.
/// Lines that are none of these are returned as rejects.
///
/// Output: one block per line, `a.b.c.d/nn`, or the bare address for a /32 or /128 — the same
/// bytes `iprange` prints by default for IPv4 input.
public enum AddressListReader {
    static let readBufferSize = 1 << 20

    /// Reads `path` (nil or `-` = stdin). Ranges come back as their minimal blocks.
    public static func read(path: String?) throws -> (hosts: [CIDR], rejects: [(line: Int, text: String)]) {
        let fd: Int32
        let name = path ?? "-"
        if let path, path != "-" {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw AddressListReadError(path: path, message: errnoText()) }
        } else {
            fd = 0
        }
        defer { if fd != 0 { close(fd) } }

        var parser = LineParser()
        // Size the result once for a regular file (a host line is at least 8 bytes).
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 {
            parser.hosts.reserveCapacity(Int(info.st_size) / 8 + 1)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readBufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var kept = 0  // bytes of an unfinished line at the start of the buffer
        while true {
            if kept == buffer.count {
                // A single line longer than the buffer: it cannot be an address; reject its start.
                if !parser.skippingLongLine {
                    parser.reject(UnsafeRawBufferPointer(rebasing: buffer[0..<80]))
                    parser.skippingLongLine = true
                }
                kept = 0
            }
            let n = posixRead(fd, buffer.baseAddress! + kept, buffer.count - kept)
            if n < 0 {
                if errno == EINTR { continue }
                throw AddressListReadError(path: name, message: errnoText())
            }
            if n == 0 {
                if kept > 0 { parser.line(UnsafeRawBufferPointer(rebasing: buffer[0..<kept])) }
                break
            }
            let filled = kept + n
            var lineStart = 0
            let base = UnsafeRawPointer(buffer.baseAddress!)
            while lineStart < filled {
                guard let nl = memchr(base + lineStart, 0x0A, filled - lineStart) else { break }
                let lineEnd = UnsafeRawPointer(nl) - base
                parser.line(UnsafeRawBufferPointer(start: base + lineStart, count: lineEnd - lineStart))
                lineStart = lineEnd + 1
            }
            kept = filled - lineStart
            if kept > 0 && lineStart > 0 {
                memmove(buffer.baseAddress!, base + lineStart, kept)
            }
        }
        return (parser.hosts, parser.rejects)
    }

    /// Writes one block per line to `fd`. Returns false when a write failed (the rest is dropped).
    @discardableResult
    public static func write(_ blocks: [CIDR], to fd: Int32) -> Bool {
        var out = OutputBuffer(fd: fd, capacity: 1 << 20)
        defer { out.deallocate() }
        for block in blocks {
            if block.address.isIPv4 {
                out.appendV4(block.address.v4)
                if block.prefix != 32 {
                    out.appendByte(UInt8(ascii: "/"))
                    out.appendDecimal(UInt32(block.prefix))
                }
            } else {
                out.appendString(block.description)
            }
            out.appendByte(0x0A)
        }
        out.flush()
        return !out.failed
    }

    // MARK: - Parsing

    struct LineParser {
        var hosts: [CIDR] = []
        var rejects: [(line: Int, text: String)] = []
        var lineNumber = 0
        var skippingLongLine = false

        mutating func reject(_ bytes: UnsafeRawBufferPointer) {
            // Counted as the line it starts; the rest of an over-long line is skipped.
            rejects.append((lineNumber + 1, String(decoding: bytes, as: UTF8.self)))
        }

        mutating func line(_ raw: UnsafeRawBufferPointer) {
            lineNumber += 1
            if skippingLongLine {
                skippingLongLine = false
                return
            }
            var lo = 0
            var hi = raw.count
            while lo < hi && isBlank(raw[lo]) { lo += 1 }
            while hi > lo && isBlank(raw[hi - 1]) { hi -= 1 }
            if lo == hi { return }
            // Fast path: a bare IPv4 address (cannot hold a comment).
            if let v = IPAddress.parseV4(UnsafeRawBufferPointer(rebasing: raw[lo..<hi])) {
                hosts.append(CIDR(address: IPAddress(v4: v), prefix: 32))
                return
            }
            // Drop a comment, then trim again.
            if let hash = memchr(raw.baseAddress! + lo, Int32(UInt8(ascii: "#")), hi - lo) {
                hi = UnsafeRawPointer(hash) - raw.baseAddress!
                while hi > lo && isBlank(raw[hi - 1]) { hi -= 1 }
                if lo == hi { return }
            }
            let text = UnsafeRawBufferPointer(rebasing: raw[lo..<hi])
            if !parseEntry(text) {
                rejects.append((lineNumber, String(decoding: text, as: UTF8.self)))
            }
        }

        @inline(__always)
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

        /// Parses one trimmed entry and appends its blocks; false when it is not an entry.
        mutating func parseEntry(_ text: UnsafeRawBufferPointer) -> Bool {
            // Fast path: a bare IPv4 address.
            if let v = IPAddress.parseV4(text) {
                hosts.append(CIDR(address: IPAddress(v4: v), prefix: 32))
                return true
            }
            var slash = -1
            var dash = -1
            for i in 0..<text.count {
                let b = text[i]
                if b == UInt8(ascii: "/") {
                    slash = i
                    break
                }
                if b == UInt8(ascii: "-") {
                    dash = i
                    break
                }
            }
            if dash >= 0 {
                var aEnd = dash
                while aEnd > 0 && isBlank(text[aEnd - 1]) { aEnd -= 1 }
                var bStart = dash + 1
                while bStart < text.count && isBlank(text[bStart]) { bStart += 1 }
                guard let first = IPAddress(ascii: UnsafeRawBufferPointer(rebasing: text[0..<aEnd])),
                    let last = IPAddress(ascii: UnsafeRawBufferPointer(rebasing: text[bStart..<text.count])),
                    first.isIPv4 == last.isIPv4, first <= last
                else { return false }
                hosts.append(contentsOf: CIDRAggregator.blocks(from: first, through: last))
                return true
            }
            if slash >= 0 {
                guard let ip = IPAddress(ascii: UnsafeRawBufferPointer(rebasing: text[0..<slash])) else { return false }
                let tail = UnsafeRawBufferPointer(rebasing: text[(slash + 1)..<text.count])
                let maxPrefix = ip.isIPv4 ? 32 : 128
                if let prefix = parsePrefix(tail), prefix <= maxPrefix {
                    hosts.append(CIDR(address: ip, prefix: prefix))
                    return true
                }
                // a.b.c.d/m.m.m.m with a contiguous netmask.
                if ip.isIPv4, let mask = IPAddress.parseV4(tail), ~mask & (~mask &+ 1) == 0 {
                    hosts.append(CIDR(address: ip, prefix: mask.nonzeroBitCount))
                    return true
                }
                return false
            }
            if let ip = IPAddress(ascii: text) {
                hosts.append(CIDR(address: ip, prefix: ip.isIPv4 ? 32 : 128))
                return true
            }
            return false
        }

        /// 1-3 decimal digits.
        func parsePrefix(_ bytes: UnsafeRawBufferPointer) -> Int? {
            guard bytes.count >= 1, bytes.count <= 3 else { return nil }
            var value = 0
            for b in bytes {
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
    }

    // MARK: - Output

    struct OutputBuffer {
        let fd: Int32
        let storage: UnsafeMutableRawBufferPointer
        var used = 0
        var failed = false

        init(fd: Int32, capacity: Int) {
            self.fd = fd
            storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        }

        func deallocate() { storage.deallocate() }

        @inline(__always)
        mutating func reserve(_ n: Int) {
            if used + n > storage.count { flush() }
        }

        @inline(__always)
        mutating func appendByte(_ b: UInt8) {
            reserve(1)
            storage[used] = b
            used += 1
        }

        mutating func appendDecimal(_ value: UInt32) {
            reserve(10)
            if value >= 100 {
                storage[used] = UInt8(48 + value / 100)
                storage[used + 1] = UInt8(48 + (value / 10) % 10)
                storage[used + 2] = UInt8(48 + value % 10)
                used += 3
            } else if value >= 10 {
                storage[used] = UInt8(48 + value / 10)
                storage[used + 1] = UInt8(48 + value % 10)
                used += 2
            } else {
                storage[used] = UInt8(48 + value)
                used += 1
            }
        }

        mutating func appendV4(_ v: UInt32) {
            reserve(16)
            appendDecimal(v >> 24)
            storage[used] = UInt8(ascii: ".")
            used += 1
            appendDecimal((v >> 16) & 0xff)
            storage[used] = UInt8(ascii: ".")
            used += 1
            appendDecimal((v >> 8) & 0xff)
            storage[used] = UInt8(ascii: ".")
            used += 1
            appendDecimal(v & 0xff)
        }

        mutating func appendString(_ s: String) {
            for b in s.utf8 { appendByte(b) }
        }

        mutating func flush() {
            var offset = 0
            while offset < used && !failed {
                let n = posixWrite(fd, storage.baseAddress! + offset, used - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = true
                } else {
                    offset += n
                }
            }
            used = 0
        }
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

// `read`/`write` are shadowed by the static methods inside the enum.
@inline(__always)
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buf, count)
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buf, count)
}
