import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input file could not be opened or read.
public struct ParseError: Error, CustomStringConvertible, Sendable {
    public let source: String
    public let file: String
    public let message: String
    public var description: String { "source '\(source)': \(file): \(message)" }
}

/// Reads a greylist dump or spamd log from a file (or standard input) and hands every accepted
/// line to a handler, streaming: memory does not grow with the file.
///
/// Every line ends up as exactly one of: a record, an ignored line (blank; other syslog lines in
/// a log), or a counted reject whose first few are kept with line number and reason. Invalid
/// UTF-8, NUL bytes, binary garbage and overlong lines are rejects, never crashes.
public struct DumpParser {
    public var source: String
    public var format: SourceFormat
    public var clock: SyslogClock

    public init(source: String, format: SourceFormat, now: Int64, logTimeZone: TimeZone) {
        self.source = source
        self.format = format
        self.clock = SyslogClock(now: now, zone: logTimeZone)
    }

    /// Parses `path` (`-` = standard input, which must end its last line: see `parse(fd:…)`).
    public mutating func parse(path: String, _ handler: (RawRecord) throws -> Void) throws -> ParseReport {
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ParseError(source: source, file: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { if fd != 0 { close(fd) } }
        return try parse(fd: fd, name: path, requireFinalNewline: path == "-", handler)
    }

    /// Parses `fd` (with `range`: only those bytes, which start at a line start). A record's
    /// bytes point into the reader's buffer: they stay valid until `linesExpire` is called
    /// (before the buffer is refilled, and before `parse` returns or throws), so a handler may
    /// keep them until then instead of copying them (the lifetime contract of `RawRecord`).
    ///
    /// With `requireFinalNewline` (a stream, such as standard input fed by `ssh`, that a cut
    /// connection can end anywhere), a last line without its `\n` is a reject, never read. A
    /// file is its writer's and keeps such a line.
    @inline(__always)
    public mutating func parse(
        fd: Int32, name: String, range: Range<Int64>? = nil, requireFinalNewline: Bool = false,
        linesExpire: () -> Void = {}, _ handler: (RawRecord) throws -> Void
    ) throws -> ParseReport {
        var report = ParseReport(source: source, file: name)
        var decided: SourceFormat? = format == .auto ? nil : format
        if let d = decided { report.format = d }
        var clock = self.clock
        defer { self.clock = clock }
        var reader = LineReader(fd: fd, range: range)
        let cuts = UnsafeMutableBufferPointer<Int>.allocate(capacity: SpamdbLineParser.maxFields + 1)
        defer { cuts.deallocate() }
        defer {
            // Records' bytes end here (RawRecord's contract): the reader's buffer goes with it.
            linesExpire()
            _ = reader.lineNumber  // the buffer lives until the handler has let go of it
        }
        do {
            while let line = try reader.next(linesExpire: linesExpire) {
                let bytes = line.bytes
                let number = line.number
                report.lines = number
                if line.tooLong {
                    report.reject(
                        line: number, reason: "line longer than \(LineReader.maxLineBytes) bytes", bytes: bytes)
                    continue
                }
                if line.unterminated && requireFinalNewline {
                    report.reject(
                        line: number, reason: "the input ends in the middle of this line (no newline): cut short?",
                        bytes: bytes)
                    continue
                }
                if isBlank(bytes) {
                    report.ignored += 1
                    continue
                }
                if decided == nil {
                    decided = DumpParser.detect(bytes, report: &report)
                    report.format = decided!
                }
                if report.records == 0 && !report.looksLikeHTML && DumpParser.startsLikeHTML(bytes) {
                    report.looksLikeHTML = true
                }
                switch decided! {
                case .spamdb, .auto:
                    switch SpamdbLineParser.parse(bytes, lineNumber: number, cuts: cuts) {
                    case .record(let r):
                        report.records += 1
                        try handler(r)
                    case .reject(let why):
                        report.reject(line: number, reason: why, bytes: bytes)
                    case .unreadable(let why):
                        report.reject(line: number, reason: why, bytes: bytes, senderControlled: true)
                    }
                case .spamdLog:
                    switch SpamdLogLineParser.parse(bytes, lineNumber: number, clock: &clock) {
                    case .record(let r):
                        report.records += 1
                        try handler(r)
                    case .ignore:
                        report.ignored += 1
                    case .reject(let why):
                        report.reject(line: number, reason: why, bytes: bytes)
                    case .unreadable(let why):
                        report.reject(line: number, reason: why, bytes: bytes, senderControlled: true)
                    }
                }
            }
        } catch let e as LineReader.ReadError {
            throw ParseError(source: source, file: name, message: "read error: \(String(cString: strerror(e.errno)))")
        }
        report.bytes = reader.bytesRead
        if report.format == .auto { report.format = decided ?? .spamdb }
        return report
    }

    /// The format of a file from its first non-blank line (reads at most 64 KiB); `.spamdb` when
    /// nothing tells.
    public static func detectFormat(path: String) -> SourceFormat {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .spamdb }
        defer { close(fd) }
        var found: SourceFormat = .spamdb
        var report = ParseReport(source: "", file: path)
        struct Done: Error {}
        _ = try? LineReader.forEachLine(fd: fd, range: 0..<65536) { line, _, _ in
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return }
            found = detect(line, report: &report)
            throw Done()
        }
        return found
    }

    @inline(__always)
    func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        for b in line where b != 32 && b != 9 && b != 13 { return false }
        return true
    }

    /// The format of a file from its first non-blank line.
    static func detect(_ line: UnsafeRawBufferPointer, report: inout ParseReport) -> SourceFormat {
        if let bar = line.firstIndex(of: 124),
            SpamdbLineParser.keywordOf(UnsafeRawBufferPointer(rebasing: line[0..<bar])) != nil
        {
            return .spamdb
        }
        if SpamdLogLineParser.hasSyslogStamp(line) { return .spamdLog }
        return .spamdb
    }

    /// `<!DOCTYPE` or `<html` (any case) after leading white space.
    static func startsLikeHTML(_ line: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i < line.count && (line[i] == 32 || line[i] == 9 || line[i] == 0xEF || line[i] == 0xBB || line[i] == 0xBF)
        { i += 1 }
        guard i < line.count, line[i] == UInt8(ascii: "<") else { return false }
        let rest = String(
            decoding: UnsafeRawBufferPointer(rebasing: line[(i + 1)..<min(line.count, i + 10)]), as: UTF8.self
        ).lowercased()
        return rest.hasPrefix("!doctype") || rest.hasPrefix("html") || rest.hasPrefix("head") || rest.hasPrefix("body")
    }
}
