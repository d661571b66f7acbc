/// What kind of line a record came from.
public enum RecordKind: String, Sendable {
    /// `GREY|ip|helo|from|to|first|pass|expire|block|pass` (or the old helo-less form).
    case grey = "GREY"
    /// `WHITE|ip|||first|pass|expire|block|pass`.
    case white = "WHITE"
    /// `TRAPPED|ip|expire`.
    case trapped = "TRAPPED"
    /// `SPAMTRAP|address`.
    case spamtrap = "SPAMTRAP"
    /// spamd log `(GREY) ip: <from> -> <to>`.
    case logGrey = "log (GREY)"
    /// spamd log `(BLACK) ip: <from> -> <to>`.
    case logBlack = "log (BLACK)"
    /// spamd log `new entry ip from <from> to <to>, helo HELO`.
    case logNewEntry = "log new entry"

    /// True for records that describe one SMTP tuple (ip, helo?, from, to).
    public var isTuple: Bool {
        self == .grey || self == .logGrey || self == .logBlack || self == .logNewEntry
    }
}

/// One accepted line, as views into the parser's buffer.
///
/// The byte views are valid only during the handler call that receives the record: copy what
/// you keep. `helo` is nil when the line has no helo (old dump form, `(GREY)`/`(BLACK)` log lines).
public struct RawRecord {
    public var kind: RecordKind
    /// The host; unset (0.0.0.0) for SPAMTRAP.
    public var ip: IPAddress
    public var helo: UnsafeRawBufferPointer?
    /// Envelope sender as written (brackets and case kept); empty for non-tuples.
    public var from: UnsafeRawBufferPointer
    /// Envelope recipient as written; the address for SPAMTRAP.
    public var to: UnsafeRawBufferPointer
    /// GREY/WHITE: first seen; TRAPPED: expiry; log lines: the syslog stamp; SPAMTRAP: 0.
    public var time: Int64
    /// 1-based line number in its file.
    public var line: Int
}

/// A copy of a `RawRecord` with Swift strings, for tests and messages.
public struct ParsedRecord: Sendable, Equatable {
    public var kind: RecordKind
    public var ip: IPAddress
    public var helo: String?
    public var from: String
    public var to: String
    public var time: Int64
    public var line: Int

    public init(_ raw: RawRecord) {
        kind = raw.kind
        ip = raw.ip
        helo = raw.helo.map { String(decoding: $0, as: UTF8.self) }
        from = String(decoding: raw.from, as: UTF8.self)
        to = String(decoding: raw.to, as: UTF8.self)
        time = raw.time
        line = raw.line
    }
}
