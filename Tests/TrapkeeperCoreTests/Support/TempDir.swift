import Foundation

/// A fresh temporary folder per test, removed when the value goes away.
final class TempDir {
    let path: String

    init(_ name: String = "trapkeeper-test") {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(name)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        try! text.write(toFile: p, atomically: false, encoding: .utf8)
        return p
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let p = file(name)
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The package root (for data/ files), from this source file's location.
enum PackageRoot {
    static var path: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }

    static func data(_ name: String) -> String { (path as NSString).appendingPathComponent("data/\(name)") }
}
