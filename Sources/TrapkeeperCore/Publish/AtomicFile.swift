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
///
/// Temporary files get unpredictable names (`.trapkeeper-tmp.<target>.XXXXXX`, made by
/// `mkstemp`: created with `O_EXCL`, so a symbolic link planted at the name is never followed)
/// and are removed when anything fails. `replaceAll` writes every file of a set before it
/// renames the first, so a failure while writing (a full disk) leaves the whole set as it was.
public enum AtomicFile {
    /// Prefix of every temporary file; `removeLeftovers` deletes what a killed run left.
    public static let tempPrefix = ".trapkeeper-tmp."

    /// Replaces one file.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        try replaceAll([(bytes, path)], mode: mode)
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Replaces a set of files together: every one is written and fsynced under a temporary
    /// name first; only when all are on disk are they renamed over their targets, one after the
    /// other, and then the files in `removing` are deleted (a missing one is fine). A failure
    /// before the renames removes the temporary files and leaves every target as it was.
    public static func replaceAll(
        _ files: [(bytes: [UInt8], path: String)], mode: mode_t = 0o644, removing: [String] = []
    ) throws {
        var temps: [String] = []
        var renamed = false
        defer {
            if !renamed { for t in temps { unlink(t) } }
        }
        for (bytes, path) in files {
            temps.append(try writeTemporary(bytes, beside: path, mode: mode))
        }
        for (temp, (_, path)) in zip(temps, files) {
            guard rename(temp, path) == 0 else {
                throw PublishError(path: path, "rename failed: \(String(cString: strerror(errno)))")
            }
        }
        renamed = true
        for path in removing where unlink(path) != 0 && errno != ENOENT {
            throw PublishError(path: path, "cannot remove it: \(String(cString: strerror(errno)))")
        }
        var folders: [String] = []
        for path in files.map(\.path) + removing {
            let dir = (path as NSString).deletingLastPathComponent
            if !folders.contains(dir) { folders.append(dir) }
        }
        for dir in folders {
            let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 {
                fsync(dfd)
                close(dfd)
            }
        }
    }

    /// Writes `bytes` into a new temporary file beside `path` and fsyncs it; returns its name.
    static func writeTemporary(_ bytes: [UInt8], beside path: String, mode: mode_t) throws -> String {
        let dir = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array(((dir.isEmpty ? "." : dir) + "/" + tempPrefix + name + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw PublishError(
                path: path, "cannot create a temporary file beside it: \(String(cString: strerror(errno)))")
        }
        let temp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else {
            throw PublishError(path: temp, "chmod failed: \(String(cString: strerror(errno)))")
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
            throw PublishError(path: temp, "write failed: \(String(cString: strerror(result)))")
        }
        if fsync(fd) != 0 {
            throw PublishError(path: temp, "fsync failed: \(String(cString: strerror(errno)))")
        }
        ok = true
        return temp
    }

    /// Removes the temporary files a killed run left in `dir`: ours (`tempPrefix`) and those of
    /// earlier releases (`.<published file>.tmp.<pid>`). Call it under the run lock only, so
    /// that no running publish loses its files. Returns the names removed.
    @discardableResult
    public static func removeLeftovers(in dir: String, published names: [String]) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var removed: [String] = []
        for entry in entries {
            let ours = entry.hasPrefix(tempPrefix)
            let old = names.contains { n in
                entry.hasPrefix(".\(n).tmp.") && entry.dropFirst(n.count + 6).allSatisfy(\.isNumber)
            }
            guard ours || old else { continue }
            if unlink((dir as NSString).appendingPathComponent(entry)) == 0 { removed.append(entry) }
        }
        return removed
    }
}
