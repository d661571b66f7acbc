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
/// How long the byte views (`helo`, `from`, `to`) stay valid: from the handler call that
/// receives the record until the parser next calls its `linesExpire` callback
/// (`DumpParser.parse(fd:…)`), which it does before it moves or overwrites its buffer and before
/// `parse` returns or throws. A handler without a `linesExpire` of its own may use them only
/// during its call. A consumer that keeps them longer passes `linesExpire` and lets go there:
/// the harvest keeps the records of its pipeline (`Harvest.add`) and applies them in
/// `drain()`, which ClassifyJob calls from `linesExpire`. Anything kept past that is copied
/// (`ParsedRecord`). `helo` is nil when the line has no helo (old dump form,
/// `(GREY)`/`(BLACK)` log lines).
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

/// A copy of a `RawRecord` that owns its bytes: for tests, messages and `ReferenceHarvest`.
///
/// The fields are kept as the bytes that were read: invalid UTF-8 and control bytes pass
/// through a dump untouched, and two different byte strings must stay two addresses. `helo`,
/// `from` and `to` give them as text, invalid UTF-8 repaired to U+FFFD.
public struct ParsedRecord: Sendable, Equatable {
    public var kind: RecordKind
    public var ip: IPAddress
    /// nil when the line has no helo (old dump form, `(GREY)`/`(BLACK)` log lines).
    public var heloBytes: [UInt8]?
    /// Envelope sender as written (brackets and case kept); empty for non-tuples.
    public var fromBytes: [UInt8]
    /// Envelope recipient as written; the address for SPAMTRAP.
    public var toBytes: [UInt8]
    /// GREY/WHITE: first seen; TRAPPED: expiry; log lines: the syslog stamp; SPAMTRAP: 0.
    public var time: Int64
    /// 1-based line number in its file.
    public var line: Int

    public init(_ raw: RawRecord) {
        kind = raw.kind
        ip = raw.ip
        heloBytes = raw.helo.map { Array($0) }
        fromBytes = Array(raw.from)
        toBytes = Array(raw.to)
        time = raw.time
        line = raw.line
    }

    public var helo: String? { heloBytes.map { String(decoding: $0, as: UTF8.self) } }
    public var from: String { String(decoding: fromBytes, as: UTF8.self) }
    public var to: String { String(decoding: toBytes, as: UTF8.self) }
}
