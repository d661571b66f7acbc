import Foundation

@testable import TrapkeeperCore

/// Collects what a job reports, for assertions.
final class MessageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    var reporter: Reporter {
        Reporter(warn: { [self] in add($0) }, progress: { _ in })
    }

    /// Collects the progress lines (`-v`) too.
    var reporterWithProgress: Reporter {
        Reporter(warn: { [self] in add($0) }, progress: { [self] in add($0) })
    }

    private func add(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }
}

/// The built `trapkeeper` executable next to the test bundle.
enum Binary {
    static var trapkeeper: String {
        let root = PackageRoot.path
        for c in [
            ".build/debug/trapkeeper", ".build/x86_64-unknown-linux-gnu/debug/trapkeeper", ".build/release/trapkeeper",
        ] {
            let p = (root as NSString).appendingPathComponent(c)
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return (root as NSString).appendingPathComponent(".build/debug/trapkeeper")
    }

    /// Runs the CLI; returns exit status, stdout, stderr.
    static func run(_ args: [String], timeout: TimeInterval = 120) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: trapkeeper)
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
