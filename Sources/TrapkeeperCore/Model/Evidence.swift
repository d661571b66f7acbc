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
