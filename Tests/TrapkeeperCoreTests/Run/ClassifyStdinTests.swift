import Foundation
import Testing

@testable import TrapkeeperCore

/// `trapkeeper classify -` reads a stream (`ssh fw spamdb | trapkeeper classify -`): a cut
/// connection ends it anywhere, so a last line without its newline is rejected, counted and
/// reported, never read. A file named on the command line is the operator's own and is read whole.
@Suite struct ClassifyStdinTests {
    static let now: Int64 = 1_700_000_000
    /// Two lines; the second lost its newline (and whatever else came after it).
    static let cutInput =
        "GREY|45.95.147.1|mx.spam.example|<kd@xmail.ru>|<alpha@bsdly.com>|\(now - 600)|\(now)|\(now + 14400)|1|0\n"
        + "GREY|45.95.147.9|mx.spam.example|<kd@xmail.ru>|<newtrap@bsdly.com>|\(now - 600)|\(now)|\(now + 14400)|1|0"

    /// Runs `trapkeeper classify` in a folder holding `input.dump` (= `cutInput`), with
    /// `cutInput` on its standard input too; returns the exit status, standard error and the
    /// addresses in the state afterwards.
    static func classify(_ arguments: [String]) throws -> (Int32, String, [String]) {
        let dir = TempDir()
        dir.write("valid.txt", "peter@bsdly.com\n")
        dir.write("input.dump", cutInput)
        let config = dir.write("t.toml", "domains = [\"bsdly.com\"]\nvalid_addresses = \"valid.txt\"\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.trapkeeper)
        process.arguments = ["classify", "--config", config, "--now", String(now)] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(cutInput.utf8))
        try input.fileHandleForWriting.close()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let store = try TrapStore(path: dir.file("state.sqlite"))
        let addresses = try store.addresses().map(\.address).sorted()
        return (process.terminationStatus, String(decoding: err, as: UTF8.self), addresses)
    }

    @Test("from standard input, a last line without its newline is rejected and reported, not read")
    func stdinDropsTheCutLastLine() throws {
        let (status, err, addresses) = try Self.classify(["-"])
        #expect(status == 0, "\(err)")
        #expect(addresses == ["alpha@bsdly.com"])
        #expect(err.contains("stdin") && err.contains(":2: ") && err.contains("no newline"), "\(err)")
    }

    @Test("a file named on the command line is read whole, last line included")
    func aFileKeepsItsLastLine() throws {
        let (status, err, addresses) = try Self.classify(["input.dump"])
        #expect(status == 0, "\(err)")
        #expect(addresses == ["alpha@bsdly.com", "newtrap@bsdly.com"])
    }
}
