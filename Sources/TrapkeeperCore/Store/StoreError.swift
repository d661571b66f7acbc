/// The state database could not be opened, migrated or written.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "state \(path): \(message)" }
}
