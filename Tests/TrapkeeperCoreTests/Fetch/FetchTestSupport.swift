import CCurl
import Foundation
import TrapkeeperCore

/// Helpers for the fetcher tests: a private temp folder, gzip, and running the blocking
/// fetcher off Swift's cooperative thread pool (the in-process servers need those threads).
struct FetchTestSupport {
    /// A fresh folder under the system temp folder; delete it with `cleanUp`.
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "trapkeeper-fetch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    func write(_ text: String, to name: String) throws -> String {
        let path = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: path(name)).map { String(decoding: $0, as: UTF8.self) }
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    func cleanUp() { try? FileManager.default.removeItem(atPath: folder) }

    /// Runs the blocking `body` on a thread of its own.
    static func offThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    static func fetch(_ request: FetchRequest) async -> FetchOutcome {
        await offThread { Fetcher.fetch(request) }
    }

    static func fetchAll(_ requests: [FetchRequest]) async -> [FetchOutcome] {
        await offThread { Fetcher.fetchAll(requests) }
    }

    /// `data` as one gzip member (zlib, windowBits 15 + 16).
    static func gzip(_ data: Data) -> Data {
        var stream = z_stream()
        precondition(tk_deflate_init_gzip(&stream, 6) == Z_OK)
        defer { deflateEnd(&stream) }
        var input = [UInt8](data)
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        let produced = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return outputBuffer.count - Int(stream.avail_out)
            }
        }
        return Data(output[0..<produced])
    }
}
