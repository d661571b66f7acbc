/// What a parser saw in one file: counts, and the first few rejected lines with the reason.
public struct ParseReport: Sendable, CustomStringConvertible {
    public struct Reject: Sendable, Equatable {
        public var line: Int
        public var reason: String
        /// The start of the line, printable (control and 8-bit bytes shown as \xNN).
        public var excerpt: String
    }

    public var source: String
    public var file: String
    public var format: SourceFormat = .auto
    public var bytes: Int64 = 0
    public var lines: Int = 0
    public var records: Int = 0
    /// Lines that are not errors but carry nothing for us (other syslog lines, blank lines).
    public var ignored: Int = 0
    /// Every line that could not be read, of either kind below.
    public var rejected: Int = 0
    /// Of `rejected`: sound records (kind, IP address and time fields check out) whose
    /// sender-controlled fields — helo, sender, recipient — could not be read. Any SMTP client
    /// can produce these, so they never decide whether a body is a dump.
    public var senderRejected: Int = 0
    /// Lines that are not records at all (unknown kind, bad IP or time fields): what says a body
    /// is not a dump.
    public var structurallyRejected: Int { rejected - senderRejected }
    public var firstRejects: [Reject] = []
    /// True when the body looks like an HTML page rather than a dump.
    public var looksLikeHTML = false

    public static let rejectsKept = 5

    public init(source: String, file: String) {
        self.source = source
        self.file = file
    }

    mutating func reject(line: Int, reason: String, bytes: UnsafeRawBufferPointer, senderControlled: Bool = false) {
        rejected += 1
        if senderControlled { senderRejected += 1 }
        if firstRejects.count < ParseReport.rejectsKept {
            firstRejects.append(Reject(line: line, reason: reason, excerpt: ParseReport.printable(bytes, limit: 80)))
        }
    }

    /// Bytes as text a terminal can show: printable ASCII as is, everything else as `\xNN`.
    public static func printable(_ bytes: UnsafeRawBufferPointer, limit: Int) -> String {
        if bytes.count <= limit && bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\\") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = ""
        for (i, b) in bytes.enumerated() {
            if i >= limit {
                out += "…"
                break
            }
            if b >= 0x20 && b < 0x7f && b != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = String(b, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// Adds the report of the next chunk of the same file (`lineOffset` lines before it).
    public mutating func absorb(_ other: ParseReport, lineOffset: Int) {
        bytes += other.bytes
        lines += other.lines
        records += other.records
        ignored += other.ignored
        rejected += other.rejected
        senderRejected += other.senderRejected
        for r in other.firstRejects where firstRejects.count < ParseReport.rejectsKept {
            var r = r
            r.line += lineOffset
            firstRejects.append(r)
        }
    }

    /// `printable` written straight into a byte buffer (no intermediate string).
    static func appendPrintable(_ bytes: UnsafeRawBufferPointer, limit: Int, to out: inout [UInt8]) {
        if bytes.count <= limit && bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\\") }) {
            out.append(contentsOf: bytes)
            return
        }
        let hex: StaticString = "0123456789abcdef"
        for (i, b) in bytes.enumerated() {
            if i >= limit {
                out.append(contentsOf: "…".utf8)
                return
            }
            if b >= 0x20 && b < 0x7f && b != UInt8(ascii: "\\") {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "\\"))
                out.append(UInt8(ascii: "x"))
                out.append(hex.utf8Start[Int(b >> 4)])
                out.append(hex.utf8Start[Int(b & 15)])
            }
        }
    }

    /// One line per rejected example: `source 'x': file:line: reason: excerpt`.
    public var rejectLines: [String] {
        firstRejects.map { "source '\(source)': \(file):\($0.line): \($0.reason): \($0.excerpt)" }
    }

    public var description: String {
        "source '\(source)': \(file): \(lines) lines, \(records) records, \(rejected) rejected, \(ignored) ignored"
    }
}
