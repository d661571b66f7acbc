#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// With TRAPKEEPER_TIMING set in the environment, classify prints a wall-clock timestamp per
/// phase on standard error (profiling aid, see bench/README.md).
private let timingEnabled = getenv("TRAPKEEPER_TIMING") != nil

@inline(never)
public func tkTick(_ what: @autoclosure () -> String) {
    if timingEnabled {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let s = "\(Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9) \(what())\n"
        _ = s.withCString { write(2, $0, strlen($0)) }
    }
}
