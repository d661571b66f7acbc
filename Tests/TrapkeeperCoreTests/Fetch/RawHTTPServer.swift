import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny raw-socket HTTP server on 127.0.0.1 for what FlyingFox cannot do on purpose: a
/// `Content-Length` longer than the body, a body trickled out a few bytes at a time.
/// Each connection runs `respond` on its own thread with the request head as text.
final class RawHTTPServer: @unchecked Sendable {
    /// One accepted connection.
    struct Connection: Sendable {
        let fd: Int32

        /// Sends `text`; false once the peer has gone away (never raises SIGPIPE).
        @discardableResult
        func send(_ text: String) -> Bool { send(Data(text.utf8)) }

        @discardableResult
        func send(_ data: Data) -> Bool {
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                    if n < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += n
                }
                return true
            }
        }
    }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false
    private let respond: @Sendable (String, Connection) -> Void

    init(respond: @escaping @Sendable (_ requestHead: String, _ connection: Connection) -> Void) throws {
        self.respond = respond
        let (fd, port) = try Self.bindLoopback(listen: true)
        self.listener = fd
        self.port = port
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Stops accepting; the listening socket is closed by the accept thread.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func acceptLoop() {
        while !isStopped {
            var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            if client < 0 { continue }
            let respond = self.respond
            Thread.detachNewThread {
                let head = Self.readHead(client)
                respond(head, Connection(fd: client))
                close(client)
            }
        }
        close(listener)
    }

    private static func readHead(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
            if bytes.count >= 4, bytes.suffix(4) == [13, 10, 13, 10] { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A socket bound to 127.0.0.1 on an ephemeral port; listening only when `listen` is true
    /// (a bound socket that does not listen refuses connections: a reliably closed port).
    static func bindLoopback(listen shouldListen: Bool) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, !shouldListen || listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
