/// The exit statuses of cli.md.
public enum ExitStatus: Int32, Sendable {
    /// Every source fetched and parsed, lists published.
    case ok = 0
    /// Could not run at all (config error, state unreadable); nothing published.
    case cannotRun = 1
    /// Some sources failed; lists published from the rest.
    case partial = 3
    /// A safety guard refused to publish; the previous lists stay in place.
    case guardRefused = 4
    /// Another run holds the lock.
    case locked = 75
}

/// A failure that ends a command with a given status and one message for the operator.
public struct JobFailure: Error, CustomStringConvertible, Sendable {
    public let status: ExitStatus
    public let message: String
    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { message }
}

/// Where a job's messages go: warnings (stderr), progress (stderr, only on a terminal).
public struct Reporter: Sendable {
    public var warn: @Sendable (String) -> Void
    public var progress: @Sendable (String) -> Void

    public init(warn: @escaping @Sendable (String) -> Void, progress: @escaping @Sendable (String) -> Void) {
        self.warn = warn
        self.progress = progress
    }

    /// Collects nothing (tests that do not look at messages).
    public static let silent = Reporter(warn: { _ in }, progress: { _ in })
}
