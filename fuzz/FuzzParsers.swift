import Foundation

// libFuzzer entry point for the dump and log parsers (built by fuzz/run, not by SwiftPM).
// Every input is written to a pipe and parsed as a spamdb dump, as a spamd log and
// with format detection; each line must end up as exactly one record, ignored line or reject.
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParsers(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    // Inputs are capped (-max_len) below the pipe buffer, so one write fills the pipe.
    for format in [SourceFormat.spamdb, .spamdLog, .auto] {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { fatalError("pipe failed") }
        var written = 0
        while written < size {
            let n = write(fds[1], data + written, size - written)
            guard n > 0 else { fatalError("write failed") }
            written += n
        }
        close(fds[1])
        let fd = fds[0]
        defer { close(fd) }
        var parser = DumpParser(
            source: "fuzz", format: format, now: 1_503_150_000, logTimeZone: TimeZone(identifier: "UTC")!)
        var records = 0
        let report: ParseReport
        do {
            report = try parser.parse(fd: fd, name: "fuzz") { r in
                records += 1
                // Touch every view the record hands out.
                _ = r.from.reduce(0, &+)
                _ = r.to.reduce(0, &+)
                _ = r.helo?.reduce(0, &+)
                _ = ParsedRecord(r)
            }
        } catch {
            fatalError("parser threw on an in-memory file: \(error)")
        }
        if report.lines != report.records + report.ignored + report.rejected {
            fatalError("line accounting broken for \(format): \(report)")
        }
        if records != report.records { fatalError("handler saw \(records) records, report says \(report.records)") }
    }
    return 0
}
