/// The shapes of SMTP callback probes (shared/spec/callbacks.md), recognised on the local part.
public enum ProbeShape: Sendable, Equatable {
    /// Exim `callout=random`: `HOST-EPOCH-testing`.
    case exim(verifier: String, epoch: Int64)
    /// AfterShip email-verifier: 32 × [a-z0-9].
    case aftership
    /// Reacher check-if-email-exists: 15 × [A-Za-z0-9].
    case reacher
    /// SnertSoft smtpf / milter-ahead: a real local part reversed, plus one check digit.
    case snert(realLocalPart: String)

    public var name: String {
        switch self {
        case .exim: return "exim-callout-random"
        case .aftership: return "aftership-email-verifier"
        case .reacher: return "reacher"
        case .snert: return "snertsoft-milter-ahead"
        }
    }
}

/// A tuple recognised as a callback probe: never a trap, kept as a callback incident.
public struct CallbackProbe: Sendable, Equatable {
    public var shape: ProbeShape
    /// The rule that matched, in words (for `explain`).
    public var rule: String
    /// For Exim probes: the epoch embedded in the local part.
    public var probeTime: Int64?
}

/// Recognises callback probes. Shape alone never decides: Exim needs the embedded epoch within
/// `window` of when the tuple was seen; the verification services need their sender and helo
/// fingerprint; SnertSoft needs a verifier-shaped sender.
public struct ProbeDetector: Sendable {
    public var window: Int64

    public static let aftershipSender = "user@example.org"
    public static let aftershipHelo = "localhost"
    public static let reacherSender = "reacher@gmail.com"
    public static let reacherHelo = "gmail.com"

    public init(windowDays: Int) {
        window = Int64(windowDays) * 86400
    }

    /// The probe shape of a normalised local part, if any. `isValidLocal` answers whether a
    /// local part is a real user in the same domain (for SnertSoft's reversed probes).
    public static func shape(localPart local: Substring, isValidLocal: (String) -> Bool) -> ProbeShape? {
        // Cheap exits first: this runs once per distinct unknown address.
        let u = local.utf8
        guard let lastByte = u.last else { return nil }
        let n = u.count
        guard lastByte == UInt8(ascii: "g") || n == 32 || n == 15 || (lastByte >= 48 && lastByte <= 57) else {
            return nil
        }
        let bytes = Array(u)
        if let exim = eximShape(bytes) { return exim }
        if bytes.count == 32 && bytes.allSatisfy(isLowerAlnum) { return .aftership }
        if bytes.count == 15 && bytes.allSatisfy(isLowerAlnum) { return .reacher }
        if bytes.count >= 3, let last = bytes.last, last >= 48 && last <= 57 {
            let real = String(decoding: bytes.dropLast().reversed(), as: UTF8.self)
            if isValidLocal(real) { return .snert(realLocalPart: real) }
        }
        return nil
    }

    @inline(__always)
    static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }

    /// `^(.+)-([0-9]{9,11})-testing$`
    static func eximShape(_ b: [UInt8]) -> ProbeShape? {
        let suffix = Array("-testing".utf8)
        // Shortest match: one byte of host, '-', nine digits, "-testing".
        guard b.count >= suffix.count + 11, Array(b.suffix(suffix.count)) == suffix else { return nil }
        var i = b.count - suffix.count - 1  // last digit
        var digits = 0
        var epoch: Int64 = 0
        var scale: Int64 = 1
        while i >= 0 && b[i] >= 48 && b[i] <= 57 && digits < 12 {
            epoch += Int64(b[i] - 48) * scale
            scale *= 10
            digits += 1
            i -= 1
        }
        // Greedy `(.+)` takes any extra digits; the epoch group is the last 9…11 digits before
        // "-testing" that follow a '-'.
        guard digits >= 9, i >= 1, b[i] == UInt8(ascii: "-"), digits <= 11 else { return nil }
        let host = String(decoding: b[0..<i], as: UTF8.self)
        return .exim(verifier: host, epoch: epoch)
    }

    /// Whether `match` finds a probe: its guards alone, on the normalised sender's bytes and
    /// the helo as read (compared ignoring ASCII case). The harvest asks this per line and
    /// words the rule with `match` once per incident.
    @inline(__always)
    func matches(shape: ProbeShape, sender: UnsafeRawBufferPointer, helo: UnsafeRawBufferPointer?, seen: Int64)
        -> Bool
    {
        switch shape {
        case .exim(_, let epoch):
            return abs(seen - epoch) <= window
        case .aftership:
            return SpamdbLineParser.equals(sender, "user@example.org") && ProbeDetector.heloIs(helo, "localhost")
        case .reacher:
            return SpamdbLineParser.equals(sender, "reacher@gmail.com") && ProbeDetector.heloIs(helo, "gmail.com")
        case .snert:
            return ProbeDetector.isVerifierSender(bytes: sender)
        }
    }

    /// Whether a tuple to an address of `shape` is a live probe.
    ///
    /// - sender: the normalised envelope sender (empty for `<>`).
    /// - helo: lower-cased helo, nil when the line carries none (log `(GREY)` lines).
    public func match(shape: ProbeShape, sender: String, helo: String?, seen: Int64) -> CallbackProbe? {
        switch shape {
        case .exim(let verifier, let epoch):
            guard abs(seen - epoch) <= window else { return nil }
            return CallbackProbe(
                shape: shape,
                rule:
                    "Exim callout=random probe from \(verifier): embedded epoch \(epoch) is \(seen - epoch) s before it was seen (window ±\(window / 86400) days)",
                probeTime: epoch)
        case .aftership:
            guard sender == ProbeDetector.aftershipSender, helo == nil || helo == ProbeDetector.aftershipHelo else {
                return nil
            }
            return CallbackProbe(
                shape: shape,
                rule:
                    "AfterShip email-verifier probe: 32-character local part, sender <\(sender)>, helo \(helo ?? "(not logged)")",
                probeTime: nil)
        case .reacher:
            guard sender == ProbeDetector.reacherSender, helo == nil || helo == ProbeDetector.reacherHelo else {
                return nil
            }
            return CallbackProbe(
                shape: shape,
                rule: "Reacher probe: 15-character local part, sender <\(sender)>, helo \(helo ?? "(not logged)")",
                probeTime: nil)
        case .snert(let real):
            guard ProbeDetector.isVerifierSender(sender) else { return nil }
            return CallbackProbe(
                shape: shape,
                rule:
                    "SnertSoft milter-ahead probe: '\(real)' reversed plus a check digit, verifier sender <\(sender)>",
                probeTime: nil)
        }
    }

    /// `<>`, `postmaster@…`, `double-bounce…@…`: the envelope senders verifiers use. Decided on
    /// the sender's bytes (UTF-8), as `isVerifierSender(bytes:)` does: a combining mark after
    /// the `@` joins it into one Character, but the address is still `postmaster@…`.
    public static func isVerifierSender(_ sender: String) -> Bool {
        let u = sender.utf8
        if u.isEmpty { return true }
        guard let at = u.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = u[..<at]
        return local.elementsEqual("postmaster".utf8) || local.starts(with: "double-bounce".utf8)
    }

    /// A tuple carrying a verification service's whole fingerprint (sender and helo): after its
    /// random probe, AfterShip or Reacher probes the real address in the same session. That
    /// tuple is a verification too, so it never makes the service's host a trapper.
    @inline(__always)
    static func isServiceFingerprint(sender s: UnsafeRawBufferPointer, helo: UnsafeRawBufferPointer?) -> Bool {
        // Bytes only: this runs for every trap hit.
        if SpamdbLineParser.equals(s, "user@example.org") { return heloIs(helo, "localhost") }
        if SpamdbLineParser.equals(s, "reacher@gmail.com") { return heloIs(helo, "gmail.com") }
        return false
    }

    /// Helo equal to `name` ignoring ASCII case, or no helo logged.
    @inline(__always)
    static func heloIs(_ helo: UnsafeRawBufferPointer?, _ name: StaticString) -> Bool {
        guard let h = helo else { return true }
        guard h.count == name.utf8CodeUnitCount else { return false }
        for i in 0..<h.count {
            let b = h[i]
            let l = (b >= 65 && b <= 90) ? b + 32 : b
            if l != name.utf8Start[i] { return false }
        }
        return true
    }

    /// Byte version of `isVerifierSender` for the hot path (`sender` normalised).
    @inline(__always)
    static func isVerifierSender(bytes s: UnsafeRawBufferPointer) -> Bool {
        if s.count == 0 { return true }
        guard let at = s.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = UnsafeRawBufferPointer(rebasing: s[0..<at])
        if SpamdbLineParser.equals(local, "postmaster") { return true }
        return local.count >= 13
            && SpamdbLineParser.equals(UnsafeRawBufferPointer(rebasing: local[0..<13]), "double-bounce")
    }
}
