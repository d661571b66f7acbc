import Foundation
import Testing

@testable import TrapkeeperCore

/// `contrib/systemd/`: the service and timer pair that scripts/install puts beside the binary,
/// checked by `systemd-analyze verify` with the built binary in place of `@BINDIR@`, and the
/// service's command line accepted by the real CLI. (scripts/test verifies the installed copies
/// again, with the installed man page that `Documentation=` names.)
@Suite struct SystemdUnitTests {
    static var systemdAnalyze: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/systemd-analyze"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static func contrib(_ name: String) throws -> String {
        try String(
            contentsOfFile: (PackageRoot.path as NSString).appendingPathComponent("contrib/systemd/\(name)"),
            encoding: .utf8)
    }

    /// The units with `@BINDIR@` filled in, in a temporary folder.
    static func units(_ dir: TempDir) throws -> [String] {
        let bindir = (Binary.trapkeeper as NSString).deletingLastPathComponent
        return [
            dir.write(
                "trapkeeper.service",
                try contrib("trapkeeper.service").replacingOccurrences(of: "@BINDIR@", with: bindir)),
            dir.write("trapkeeper.timer", try contrib("trapkeeper.timer")),
        ]
    }

    static func verify(_ paths: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: systemdAnalyze!)
        // --man=no: the man page is installed by scripts/install, not here.
        p.arguments = ["verify", "--man=no"] + paths
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    @Test func unitsPassSystemdAnalyzeVerify() throws {
        guard Self.systemdAnalyze != nil else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("systemd-analyze not found: run scripts/setup --test (Debian package systemd)")
            }
            return
        }
        let dir = TempDir()
        let (code, output) = try Self.verify(try Self.units(dir))
        #expect(code == 0, "systemd-analyze verify: \(output)")
        // The check is real: a broken timer fails it.
        let broken = dir.write(
            "trapkeeper.timer",
            try Self.contrib("trapkeeper.timer").replacingOccurrences(of: "03:17:00", with: "27:17:00"))
        #expect(try Self.verify([dir.file("trapkeeper.service"), broken]).0 != 0)
    }

    /// The service's ExecStart reaches `run` (a missing config is exit 1 with its message, not
    /// an argument error), and a lock held elsewhere (75) does not fail the unit.
    @Test func serviceCommandLineIsTheCLIs() throws {
        let service = try Self.contrib("trapkeeper.service")
        let exec = try #require(service.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let args = exec.dropFirst("ExecStart=".count).split(separator: " ").dropFirst().map(String.init)
        #expect(args == ["run", "--config", "/etc/trapkeeper/trapkeeper.toml"])
        let dir = TempDir()
        let (code, _, err) = try Binary.run(["run", "--config", dir.file("trapkeeper.toml")])
        #expect(code == 1)
        #expect(err.contains("cannot read the config file"))
        #expect(service.contains("\nSuccessExitStatus=75\n"))
        #expect(try Self.contrib("trapkeeper.timer").contains("\nOnCalendar=*-*-* 03:17:00\n"))
    }
}
