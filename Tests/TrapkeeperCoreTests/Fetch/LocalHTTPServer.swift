import FlyingFox
import FlyingSocks
import Foundation

/// A FlyingFox HTTP server on 127.0.0.1 and an ephemeral port, running for one test.
final class LocalHTTPServer: Sendable {
    let server: HTTPServer
    let port: UInt16
    private let task: Task<Void, any Error>

    /// Starts a server, lets `routes` add its routes, and waits until it listens.
    static func start(_ routes: (HTTPServer) async -> Void) async throws -> LocalHTTPServer {
        let quiet: DisabledLogger = .disabled
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 15, logger: quiet)
        await routes(server)
        let task = Task { try await server.run() }
        try await server.waitUntilListening()
        let address = await server.listeningAddress
        guard case .ip4(_, let port)? = address else {
            task.cancel()
            throw CocoaError(.featureUnsupported)
        }
        return LocalHTTPServer(server: server, port: port, task: task)
    }

    private init(server: HTTPServer, port: UInt16, task: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.task = task
    }

    /// `http://127.0.0.1:PORT` + `path`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() async {
        await server.stop(timeout: 0)
        task.cancel()
    }
}
