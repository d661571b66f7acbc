import Foundation

/// The JSON that `status --format json` and `explain --format json` print: one object, keys
/// sorted, two-space indented, every documented key present (`null` when there is no value), so
/// a script can rely on the keys. Times are Unix epoch seconds (integers).
enum JSONText {
    /// `value` as JSON text with a final newline. Accepts `String`, `Int`, `Int64`, `Bool`,
    /// `nil`, arrays and `[String: Any?]` of these.
    static func render(_ value: [String: Any?]) -> String {
        let object = plain(value)
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else {
            preconditionFailure("JSONText.render: not JSON: \(value)")
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Optionals unwrapped, nil as `NSNull`, recursively.
    static func plain(_ value: Any?) -> Any {
        guard let value else { return NSNull() }
        // An `Any` may hold an Optional itself (a `[String: Any?]` literal's values).
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let inner = mirror.children.first?.value else { return NSNull() }
            return plain(inner)
        }
        switch value {
        case let d as [String: Any?]: return d.mapValues { plain($0) }
        case let d as [String: Any]: return d.mapValues { plain($0) }
        case let a as [Any?]: return a.map { plain($0) }
        case let a as [Any]: return a.map { plain($0) }
        case let i as Int64: return NSNumber(value: i)
        case let i as Int: return NSNumber(value: i)
        case let i as Int32: return NSNumber(value: i)
        case let b as Bool: return b
        case let s as String: return s
        default: return "\(value)"
        }
    }
}
