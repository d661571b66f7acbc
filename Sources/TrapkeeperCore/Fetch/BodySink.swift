import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a response body into `destination + ".part"`: undoes `Content-Encoding: gzip`,
/// gunzips a body that is itself gzip (magic `1f 8b`), counts bytes against `max_bytes`,
/// recognises HTML pages, refuses a body cut short (a gzip stream that did not end; with
/// `requiresFinalNewline`, a last line without its newline), and on success fsyncs and renames
/// the file over the destination. Never holds the whole body in memory.
///
/// Not thread-safe: one sink belongs to one transfer, driven from one thread.
final class BodySink {
    let destination: String
    let partPath: String
    let maxBytes: Int64
    /// Whether the written body must end with `\n` (http and https bodies: see
    /// `FetchProblem.cutMidLine`). A local file is taken as its writer left it.
    let requiresFinalNewline: Bool
    /// Bytes written to the `.part` file (after decompression).
    private(set) var bytesWritten: Int64 = 0

    private var fd: Int32 = -1

    /// Undoes `Content-Encoding: gzip` before anything else looks at the bytes.
    private var contentDecoder: GzipInflater?

    /// Until two bytes have arrived: sniffing; then plain, or gunzip for a body that is itself
    /// gzip (a `.gz` file).
    private enum Mode {
        case sniffing
        case plain
        case gunzip(GzipInflater)
    }
    private var mode = Mode.sniffing
    /// Raw bytes held back until two have arrived, to tell gzip from plain.
    private var pending: [UInt8] = []

    /// The last byte written, to tell whether the body ends with a newline.
    private var lastByte: UInt8?

    /// The first bytes written (up to `prefixLimit`), to recognise an HTML page.
    private var prefix: [UInt8] = []
    private var htmlDecided = false
    private static let prefixLimit = 512

    init(destination: String, maxBytes: Int64, requiresFinalNewline: Bool = false) {
        self.destination = destination
        self.partPath = destination + ".part"
        self.maxBytes = maxBytes
        self.requiresFinalNewline = requiresFinalNewline
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Creates the destination's folder if needed and opens a fresh `.part` file.
    func open() -> FetchProblem? {
        let folder = (destination as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true)
            } catch {
                return .localFile("cannot create folder \(folder): \(error.localizedDescription)")
            }
        }
        fd = BodySink.systemOpen(partPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { return .localFile("cannot create \(partPath): \(Self.errnoText())") }
        return nil
    }

    /// The response declared `Content-Encoding: gzip`: from now on every body byte is inflated
    /// before it is looked at. Call before the first `consume`.
    func decodeContentEncoding() -> FetchProblem? {
        guard let inflater = GzipInflater() else { return .corruptGzip("zlib could not be initialised") }
        contentDecoder = inflater
        return nil
    }

    /// Takes the next body bytes as they came off the wire (libcurl decodes no content encoding).
    func consume(_ bytes: UnsafeRawBufferPointer) -> FetchProblem? {
        guard !bytes.isEmpty else { return nil }
        if let contentDecoder { return contentDecoder.inflate(bytes) { consumeDecoded($0) } }
        return consumeDecoded(bytes)
    }

    /// Takes body bytes with any content encoding undone.
    private func consumeDecoded(_ bytes: UnsafeRawBufferPointer) -> FetchProblem? {
        switch mode {
        case .plain:
            return emit(bytes)
        case .gunzip(let inflater):
            return inflater.inflate(bytes) { emit($0) }
        case .sniffing:
            pending.append(contentsOf: bytes)
            guard pending.count >= 2 else { return nil }
            let held = pending
            pending = []
            if held[0] == 0x1f && held[1] == 0x8b {
                guard let inflater = GzipInflater() else { return .corruptGzip("zlib could not be initialised") }
                mode = .gunzip(inflater)
                return held.withUnsafeBytes { inflater.inflate($0) { emit($0) } }
            }
            mode = .plain
            return held.withUnsafeBytes { emit($0) }
        }
    }

    /// The body is complete: flushes what was held back, checks every gzip stream ended, the
    /// body is not HTML and (when required) ends with a newline, and fsyncs the `.part` file.
    func finish() -> FetchProblem? {
        // An empty body with `Content-Encoding: gzip` is an empty body, not a cut stream.
        if let contentDecoder, contentDecoder.sawInput, !contentDecoder.isComplete { return .truncatedGzip }
        switch mode {
        case .sniffing where !pending.isEmpty:
            mode = .plain
            let held = pending
            pending = []
            if let problem = held.withUnsafeBytes({ emit($0) }) { return problem }
        case .gunzip(let inflater) where !inflater.isComplete:
            return .truncatedGzip
        default:
            break
        }
        if !htmlDecided, let why = Self.htmlStart(prefix) { return .htmlPage(why: why) }
        htmlDecided = true
        if requiresFinalNewline, bytesWritten > 0, lastByte != 0x0A { return .cutMidLine(bytes: bytesWritten) }
        if fsync(fd) != 0 { return .localFile("cannot fsync \(partPath): \(Self.errnoText())") }
        return nil
    }

    /// Closes the `.part` file and renames it over the destination (then syncs the folder).
    func commit() -> FetchProblem? {
        if close(fd) != 0 {
            fd = -1
            return .localFile("cannot close \(partPath): \(Self.errnoText())")
        }
        fd = -1
        if rename(partPath, destination) != 0 {
            return .localFile("cannot rename \(partPath) to \(destination): \(Self.errnoText())")
        }
        let folder = (destination as NSString).deletingLastPathComponent
        let dirfd = BodySink.systemOpen(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)  // durability of the rename; best effort
            close(dirfd)
        }
        return nil
    }

    /// Closes and deletes the `.part` file; the destination is left as it was.
    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(partPath)
    }

    // MARK: - output

    private func emit(_ bytes: UnsafeRawBufferPointer) -> FetchProblem? {
        if bytesWritten + Int64(bytes.count) > maxBytes { return .tooLarge(maxBytes: maxBytes) }
        if !htmlDecided {
            prefix.append(contentsOf: bytes.prefix(Self.prefixLimit - prefix.count))
            if let why = Self.htmlStart(prefix) { return .htmlPage(why: why) }
            htmlDecided = Self.htmlUndecidable(prefix) == false
        }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return .localFile("cannot write \(partPath): \(Self.errnoText())")
            }
            offset += n
        }
        bytesWritten += Int64(bytes.count)
        lastByte = bytes.last
        return nil
    }

    // MARK: - HTML recognition

    private static let htmlMarkers: [[UInt8]] = ["<!doctype", "<html"].map { Array($0.utf8) }

    /// The bytes after leading whitespace and a UTF-8 byte-order mark, lower-cased (ASCII).
    private static func significant(_ prefix: [UInt8]) -> ArraySlice<UInt8> {
        var start = 0
        if prefix.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < prefix.count, [0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B].contains(prefix[start]) {
            start += 1
        }
        return prefix[start...]
    }

    /// Why `prefix` is the start of an HTML page (`<!DOCTYPE` or `<html`, any case, after
    /// whitespace), or `nil`.
    static func htmlStart(_ prefix: [UInt8]) -> String? {
        let rest = significant(prefix).map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        for marker in htmlMarkers where rest.count >= marker.count {
            if rest.starts(with: marker) {
                return "the body starts with \(String(decoding: marker, as: UTF8.self).uppercased())"
            }
        }
        return nil
    }

    /// True while more bytes could still turn `prefix` into an HTML marker.
    private static func htmlUndecidable(_ prefix: [UInt8]) -> Bool {
        if prefix.count >= prefixLimit { return false }
        let rest = significant(prefix).map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        if rest.isEmpty { return true }  // only whitespace so far
        return htmlMarkers.contains { marker in
            rest.count < marker.count && marker.starts(with: rest)
        }
    }

    private static func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        #if canImport(Glibc)
        Glibc.open(path, flags, mode)
        #else
        Darwin.open(path, flags, mode)
        #endif
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
