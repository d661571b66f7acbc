import Foundation
import Testing

@testable import TrapkeeperCore

func parseFile(_ path: String, format: SourceFormat = .auto) throws -> ([ParsedRecord], ParseReport) {
    var parser = DumpParser(
        source: "test", format: format, now: 1_503_150_000, logTimeZone: TimeZone(identifier: "UTC")!)
    var out: [ParsedRecord] = []
    let report = try parser.parse(path: path) { out.append(ParsedRecord($0)) }
    return (out, report)
}

@Suite struct DumpParserTests {
    @Test func crlfAndMissingFinalNewline() throws {
        let dir = TempDir()
        let p = dir.write(
            "d", "GREY|1.2.3.4|h|<a@x.org>|<b@example.org>|1|2|3|4|5\r\nTRAPPED|1.2.3.5|99\r\nSPAMTRAP|x@example.org")
        let (records, report) = try parseFile(p)
        #expect(records.count == 3)
        #expect(records[0].to == "<b@example.org>")
        #expect(records[1].time == 99)
        #expect(records[2].to == "x@example.org")
        #expect(report.rejected == 0)
        #expect(report.format == .spamdb)
    }

    @Test func garbageIsCountedWithLineNumbers() throws {
        let dir = TempDir()
        var bytes = Array("GREY|1.2.3.4|h|<a@x.org>|<b@example.org>|1|2|3|4|5\n".utf8)
        bytes += [0, 1, 2, 0xff, 0xfe, 10]  // binary garbage
        // NUL in the helo: still ten fields
        bytes += Array("GREY|1.2.3.4|h\u{0}x|<a@x.org>|<\u{00e9}@example.org>|1|2|3|4|5\n".utf8)
        bytes += [0x47, 0x52, 0x45, 0x59, 0x7c, 0xc3, 0x28, 10]  // invalid UTF-8
        bytes += Array(repeating: UInt8(ascii: "A"), count: 100_000) + [10]  // 100 kB line
        bytes += Array("WHITE|1.2.3.4|||1|2|3|4|5\n".utf8)
        let p = dir.write("d", bytes: bytes)
        let (records, report) = try parseFile(p)
        #expect(records.map(\.kind) == [.grey, .grey, .white])
        #expect(report.lines == 6)
        #expect(report.rejected == 3)
        #expect(report.firstRejects.map(\.line) == [2, 4, 5])
        #expect(report.firstRejects[2].reason.contains("longer than"))
    }

    @Test func detectsLogs() throws {
        let dir = TempDir()
        let p = dir.write(
            "log",
            "Aug 19 14:35:27 delilah spamd[26915]: 207.244.64.181: connected (25/24)\nAug 19 14:40:02 delilah spamd[26915]: (BLACK) 5.188.10.182: <akuolsymwt@bsdly.com> -> <qwertz.asdf@bsdly.com>\n"
        )
        let (records, report) = try parseFile(p)
        #expect(report.format == .spamdLog)
        #expect(records.count == 1)
        #expect(report.ignored == 1)
    }

    @Test func htmlIsNoticed() throws {
        let dir = TempDir()
        let p = dir.write("d", "<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n")
        let (records, report) = try parseFile(p)
        #expect(records.isEmpty)
        #expect(report.looksLikeHTML)
        #expect(report.rejected == 2)
    }

    @Test func largeFileStreamsWithBoundedMemory() throws {
        // 300 000 lines cross many 1 MiB chunk boundaries; every one must come out whole.
        let dir = TempDir()
        var text = ""
        text.reserveCapacity(300_000 * 70)
        for i in 0..<300_000 {
            text += "GREY|10.\(i % 256).\((i / 256) % 256).1|h|<s@x.org>|<u\(i)@example.org>|\(i)|2|3|4|5\n"
        }
        let p = dir.write("big", text)
        var parser = DumpParser(source: "t", format: .spamdb, now: 0, logTimeZone: TimeZone(identifier: "UTC")!)
        var n = 0
        var last = ""
        let report = try parser.parse(path: p) { r in
            n += 1
            if n == 300_000 { last = String(decoding: r.to, as: UTF8.self) }
        }
        #expect(n == 300_000)
        #expect(report.rejected == 0)
        #expect(last == "<u299999@example.org>")
    }

    @Test(
        "a stream that must end its lines rejects a last line without newline; otherwise it is read",
        arguments: [true, false])
    func unterminatedLastLineOfAStream(requireFinalNewline: Bool) throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let text = Array("TRAPPED|1.2.3.5|99\nSPAMTRAP|<x@example.org".utf8)
        _ = text.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        var parser = DumpParser(source: "t", format: .spamdb, now: 0, logTimeZone: TimeZone(identifier: "UTC")!)
        var records: [ParsedRecord] = []
        let report = try parser.parse(fd: fds[0], name: "-", requireFinalNewline: requireFinalNewline) {
            records.append(ParsedRecord($0))
        }
        #expect(report.lines == 2)
        if requireFinalNewline {
            #expect(records.map(\.kind) == [.trapped])
            #expect(report.rejected == 1)
            #expect(report.firstRejects.first?.line == 2)
            #expect(report.firstRejects.first?.reason.contains("no newline") == true)
        } else {
            #expect(records.map(\.kind) == [.trapped, .spamtrap])
            #expect(report.rejected == 0)
        }
    }

    @Test func aLineOfExactlyTheLimitIsTheSameEverywhere() throws {
        // 65 536 bytes is allowed; where it falls relative to the 1 MiB read boundary must not matter.
        let dir = TempDir()
        let long = Array(repeating: UInt8(ascii: "x"), count: LineReader.maxLineBytes)
        let filler = Array("WHITE|1.2.3.4|||1|2|3|4|5\n".utf8)
        var atStart = long + [10]
        atStart += filler
        var atBoundary: [UInt8] = []
        while atBoundary.count + filler.count <= LineReader.chunkBytes { atBoundary += filler }
        atBoundary += Array(repeating: UInt8(ascii: "#"), count: LineReader.chunkBytes - atBoundary.count - 1) + [10]
        #expect(atBoundary.count == LineReader.chunkBytes)
        atBoundary += long + [10]
        let (_, r1) = try parseFile(dir.write("a", bytes: atStart), format: .spamdb)
        let (_, r2) = try parseFile(dir.write("b", bytes: atBoundary), format: .spamdb)
        let long1 = r1.firstRejects.first { $0.line == 1 }
        let long2 = r2.firstRejects.last
        #expect(long1?.reason == long2?.reason, "\(String(describing: long1)) vs \(String(describing: long2))")
        #expect(long2?.reason.contains("longer than") == false)
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: ParseError.self) { try parseFile("/nonexistent/dump") }
    }
}
