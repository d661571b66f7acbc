/// Where and when something was seen: the line that created a trap, a host's trap hit.
public struct Evidence: Sendable, Equatable, Codable {
    public var source: String
    public var file: String
    public var line: Int
    public var kind: String
    public var ip: String?
    public var helo: String?
    /// Envelope sender as written (brackets kept).
    public var sender: String?
    /// Envelope recipient as written (brackets kept).
    public var recipient: String?
    public var time: Int64

    public init(
        source: String, file: String, line: Int, kind: String, ip: String?, helo: String?, sender: String?,
        recipient: String?, time: Int64
    ) {
        self.source = source
        self.file = file
        self.line = line
        self.kind = kind
        self.ip = ip
        self.helo = helo
        self.sender = sender
        self.recipient = recipient
        self.time = time
    }

    /// A compact one-string form for the state (fields joined by U+001F, which `printable`
    /// never lets into a field): an order of magnitude cheaper than JSON for large merges.
    public var encoded: String {
        let sep = "\u{1F}"
        let none = "\u{0}"
        var s = ""
        s.reserveCapacity(160)
        s += source
        s += sep
        s += file
        s += sep
        s += String(line)
        s += sep
        s += kind
        s += sep
        s += ip ?? none
        s += sep
        s += helo ?? none
        s += sep
        s += sender ?? none
        s += sep
        s += recipient ?? none
        s += sep
        s += String(time)
        return s
    }

    public init?(encoded: String) {
        let f = encoded.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 9, let line = Int(f[2]), let time = Int64(f[8]) else { return nil }
        func opt(_ s: String) -> String? { s == "\u{0}" ? nil : s }
        self.init(
            source: f[0], file: f[1], line: line, kind: f[3], ip: opt(f[4]), helo: opt(f[5]), sender: opt(f[6]),
            recipient: opt(f[7]), time: time)
    }

    /// `source 'x' (file:12, GREY at 2017-08-19 12:34:57Z): 1.2.3.4 helo h <from> -> <to>`
    public var summary: String {
        var s = "source '\(source)' (\(file):\(line), \(kind) at \(TimeText.utc(time)))"
        if let ip { s += ": \(ip)" }
        if let helo { s += " helo \(helo)" }
        if let sender { s += " \(sender)" }
        if let recipient { s += " -> \(recipient)" }
        return s
    }
}

/// Address roles, as a bit set.
public struct AddressRoles: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let recipient = AddressRoles(rawValue: 1)
    public static let sender = AddressRoles(rawValue: 2)
    public static let spamtrap = AddressRoles(rawValue: 4)

    public var words: String {
        var w: [String] = []
        if contains(.recipient) { w.append("recipient") }
        if contains(.sender) { w.append("sender") }
        if contains(.spamtrap) { w.append("SPAMTRAP line") }
        return w.joined(separator: ", ")
    }
}
