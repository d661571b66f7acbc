import CCurl

/// Inflates one gzip stream handed over in pieces: a `.gz` body, or a body sent with
/// `Content-Encoding: gzip`. Concatenated members are legal gzip and are inflated one after
/// another; NUL padding after a member is tolerated. Owns its zlib state and output buffer.
///
/// `isComplete` tells a whole stream from one cut short: it is true only when the input so far
/// ends exactly where a member ended (after its CRC and length trailer).
/// Not thread-safe: one inflater belongs to one transfer, driven from one thread.
final class GzipInflater {
    private static let outputSize = 64 * 1024
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutablePointer<UInt8>
    private var memberEnded = false
    /// Whether any input arrived.
    private(set) var sawInput = false

    /// A fresh inflater, or nil when zlib cannot be initialised.
    init?() {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard tk_inflate_init_auto(stream) == Z_OK else {
            stream.deallocate()
            return nil
        }
        self.stream = stream
        output = .allocate(capacity: Self.outputSize)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    /// True when the input so far ends where a gzip member ended.
    var isComplete: Bool { memberEnded }

    /// Inflates `bytes`, handing each piece of output to `emit`. Stops at the first problem
    /// `emit` returns, or with `.corruptGzip` when the bytes do not inflate.
    func inflate(
        _ bytes: UnsafeRawBufferPointer, into emit: (UnsafeRawBufferPointer) -> FetchProblem?
    ) -> FetchProblem? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        sawInput = true
        // zlib only reads through next_in; the pointer is not const in its API.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(bytes.count)
        while true {
            if memberEnded {
                while stream.pointee.avail_in > 0, stream.pointee.next_in.pointee == 0 {
                    stream.pointee.next_in += 1
                    stream.pointee.avail_in -= 1
                }
                if stream.pointee.avail_in == 0 { return nil }
                inflateReset(stream)
                memberEnded = false
            }
            stream.pointee.next_out = output
            stream.pointee.avail_out = UInt32(Self.outputSize)
            let rc = CCurl.inflate(stream, Z_NO_FLUSH)
            let produced = Self.outputSize - Int(stream.pointee.avail_out)
            if produced > 0, let problem = emit(UnsafeRawBufferPointer(start: output, count: produced)) {
                return problem
            }
            switch rc {
            case Z_STREAM_END:
                memberEnded = true
                if stream.pointee.avail_in == 0 { return nil }
            case Z_OK:
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return nil }
            case Z_BUF_ERROR:
                return nil  // needs more input
            default:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                return .corruptGzip(detail)
            }
        }
    }
}
