import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A published file could not be written.
public struct PublishError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// Replaces files whole: write beside the target, fsync, rename over it, fsync the folder.
/// A reader (or a crash) sees the old file or the new one, never a part.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temp = (dir as NSString).appendingPathComponent(".\(name).tmp.\(getpid())")
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw PublishError(path: temp, "cannot create: \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        var written = 0
        let result: Int32 = bytes.withUnsafeBytes { buf in
            while written < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + written, buf.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return 0
        }
        if result != 0 {
            close(fd)
            throw PublishError(path: temp, "write failed: \(String(cString: strerror(result)))")
        }
        if fsync(fd) != 0 {
            let e = errno
            close(fd)
            throw PublishError(path: temp, "fsync failed: \(String(cString: strerror(e)))")
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            throw PublishError(path: path, "rename failed: \(String(cString: strerror(errno)))")
        }
        ok = true
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}
