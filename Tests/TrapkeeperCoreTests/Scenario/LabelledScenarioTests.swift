import Foundation
import Testing
import TrapkeeperCore

/// End-to-end check on `LabelledScenario`: the built `trapkeeper` binary classifies the
/// scenario's dump and log, publishes, and must list exactly the expected traps and hosts.
/// Zero false traps and zero wrongly exported hosts is the bar.
@Suite struct LabelledScenarioTests {
    static let scenario = LabelledScenario()

    // MARK: the scenario itself (needs no CLI)

    @Test func scenarioHasHundredsOfTrapsAndEveryKindOfCase() {
        let s = Self.scenario
        let verdicts = Dictionary(grouping: s.labels.values, by: \.verdict).mapValues(\.count)
        #expect(s.expectedTraps.count >= 400)
        #expect(verdicts[.probe, default: 0] >= 30)
        #expect(verdicts[.valid, default: 0] >= 60)
        #expect(verdicts[.protected, default: 0] >= 10)
        #expect(verdicts[.notOurs, default: 0] >= 10)
        #expect(verdicts[.ignored, default: 0] >= 5)
        #expect(verdicts[.heldNearMiss, default: 0] >= 15)
        #expect(s.hosts.filter { $0.category.contains("before its promotion") }.count >= 10)
        #expect(s.lineCounts["GREY", default: 0] >= 1000)
        #expect(s.lineCounts["GREY (old format)", default: 0] >= 10)
        #expect(s.lineCounts["GREY (8-bit helo)", default: 0] == 5)
        #expect(s.lineCounts["garbage", default: 0] >= 15)
        #expect(s.lineCounts["SPAMTRAP", default: 0] >= 30)
        #expect(s.expectedExportedHosts.contains { !$0.isIPv4 })
        #expect(s.hosts.contains { !$0.ip.isIPv4 && !$0.isExported })
        #expect(s.hosts.filter { !$0.isExported }.count >= 100)
    }

    @Test func fullBlockIsOneLineAndTheHoledBlockIsNot() {
        let lines = Self.scenario.expectedPFLines
        #expect(lines.contains(Self.scenario.fullBlock.description))
        #expect(Self.scenario.fullBlock.description.hasSuffix(".0/24"))
        #expect(!lines.contains(Self.scenario.holedBlock.description))
        let covered = lines.compactMap(CIDR.init).filter { Self.scenario.holedBlock.contains($0.address) }
        #expect(covered.map { 1 << (32 - $0.prefix) }.reduce(0, +) == 254)
    }

    @Test func expectationsFollowTheRules() {
        let s = Self.scenario
        for trap in s.expectedTraps {
            let local = trap.split(separator: "@").dropLast().joined(separator: "@")
            let domain = String(trap.split(separator: "@").last ?? "")
            #expect(LabelledScenario.ourDomains.contains(domain), "trap outside our domains: \(trap)")
            #expect(!LabelledScenario.roles.contains(local), "role as trap: \(trap)")
            #expect(trap == trap.lowercased())
        }
        for host in s.expectedExportedHosts {
            #expect(!LabelledScenario.isNeverBlock(host), "never-block host exported: \(host)")
        }
        #expect(s.hosts.filter { $0.category.contains("never-block") }.allSatisfy { !$0.isExported })
        #expect(
            s.hosts.filter { $0.category.contains("verifier") || $0.category.contains("prober") }.allSatisfy {
                !$0.isExported
            })
    }

    @Test func sameSeedSameBytes() {
        let again = LabelledScenario()
        #expect(again.dump == Self.scenario.dump)
        #expect(again.log == Self.scenario.log)
        #expect(again.expectedTraps == Self.scenario.expectedTraps)
        #expect(LabelledScenario(seed: 1).dump != Self.scenario.dump)
    }

    @Test func minimalCoverIsExact() {
        let ips = ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6", "10.0.0.7", "2001:db8::1"]
            .map { IPAddress($0)! }
        #expect(
            LabelledScenario.minimalCover(ips).map(\.description) == [
                "10.0.0.0/30", "10.0.0.5", "10.0.0.6/31", "2001:db8::1",
            ])
    }

    // MARK: the CLI against the scenario

    @Test func classifyAndPublishGiveExactlyTheExpectedLists() throws {
        guard let binary = Self.trapkeeperBinary() else {
            Issue.record(
                "trapkeeper binary not found: build it first (swift build --product trapkeeper) or set TRAPKEEPER_BIN")
            return
        }
        let s = Self.scenario
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "trapkeeper-scenario-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try s.write(to: dir)
        let config = dir.appendingPathComponent("trapkeeper.toml").path
        let now = String(LabelledScenario.now)
        let classify = try Self.run(
            binary, ["classify", "--config", config, "--now", now, "greylist.dump", "spamd.log"], in: dir)
        #expect(classify.status == 0, "classify exited \(classify.status)\n\(classify.stderr)")
        guard classify.status == 0 || classify.status == 3 else { return }
        let publish = try Self.run(binary, ["publish", "--config", config, "--now", now], in: dir)
        #expect(publish.status == 0, "publish exited \(publish.status)\n\(publish.stderr)")
        guard publish.status == 0 else { return }

        let publishDir = dir.appendingPathComponent("publish")
        let trapsFile = publishDir.appendingPathComponent("spamtraps.txt")
        let pfFile = publishDir.appendingPathComponent("traplist.pf")
        for file in [trapsFile, pfFile] where !FileManager.default.fileExists(atPath: file.path) {
            Issue.record(
                "publish exited 0 but wrote no \(file.lastPathComponent)\nstdout: \(publish.stdout)\nstderr: \(publish.stderr)"
            )
            return
        }
        try checkTraps(Data(contentsOf: trapsFile))
        try checkHosts(String(decoding: Data(contentsOf: pfFile), as: UTF8.self))
    }

    /// `TRAPKEEPER_SCENARIO_OUT=/some/dir swift test --filter LabelledScenario` keeps the inputs
    /// and the expected outputs for a look by hand.
    @Test func writesTheScenarioWhenAsked() throws {
        guard let out = ProcessInfo.processInfo.environment["TRAPKEEPER_SCENARIO_OUT"] else { return }
        let dir = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.scenario.write(to: dir)
        try Self.scenario.writeExpectations(to: dir)
    }

    func checkTraps(_ data: Data) {
        let s = Self.scenario
        #expect(data.isEmpty || data.last == 10, "spamtraps.txt does not end with a newline")
        let lines = data.split(separator: 10, omittingEmptySubsequences: false).dropLast(data.last == 10 ? 1 : 0)
            .map { String(decoding: $0, as: UTF8.self) }
        #expect(!lines.contains(""), "spamtraps.txt has blank lines")
        #expect(!lines.contains { $0.contains("\r") }, "spamtraps.txt has CR characters")
        #expect(lines == lines.sorted(by: LabelledScenario.byBytes), "spamtraps.txt is not sorted by bytes")
        #expect(Set(lines).count == lines.count, "spamtraps.txt has duplicates")
        let actual = Set(lines)
        let expected = Set(s.expectedTraps)
        let falseTraps = actual.subtracting(expected).sorted(by: LabelledScenario.byBytes)
        let missed = expected.subtracting(actual).sorted(by: LabelledScenario.byBytes)
        #expect(
            falseTraps.isEmpty,
            Comment(
                rawValue: "\(falseTraps.count) FALSE traps (listed, but the rules say no):\n"
                    + falseTraps.map {
                        "  \($0)  — \(s.labels[$0].map { "\($0.verdict): \($0.why)" } ?? "never in the input")"
                    }
                    .joined(separator: "\n")))
        #expect(
            missed.isEmpty,
            Comment(
                rawValue: "\(missed.count) MISSED traps (expected, not listed):\n"
                    + missed.map { "  \($0)  — \(s.labels[$0]?.why ?? "")" }.joined(separator: "\n")))
    }

    func checkHosts(_ text: String) {
        let s = Self.scenario
        var actual: [String] = []
        var unparsable: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let token = String(line.prefix { !$0.isWhitespace && $0 != "#" })
            if let block = CIDR(token) { actual.append(block.description) } else { unparsable.append(String(raw)) }
        }
        #expect(unparsable.isEmpty, "traplist.pf lines pf would reject: \(unparsable)")
        #expect(Set(actual).count == actual.count, "traplist.pf has duplicate lines")
        let expected = Set(s.expectedPFLines)
        let wrong = Set(actual).subtracting(expected).sorted()
        let missed = expected.subtracting(actual).sorted()
        let byIP = Dictionary(uniqueKeysWithValues: s.hosts.map { ($0.ip, $0) })
        func why(_ line: String) -> String {
            guard let block = CIDR(line) else { return "" }
            if block.isHost { return byIP[block.address].map { "\($0.category)" } ?? "never in the input" }
            let inside = s.hosts.filter { block.contains($0.ip) }
            let notEarned = inside.filter { !$0.isExported }
            return "block of \(inside.count) known hosts; \(notEarned.count) did not earn it"
                + notEarned.prefix(3).map { " (\($0.ip): \($0.category))" }.joined()
        }
        #expect(
            wrong.isEmpty,
            Comment(
                rawValue: "\(wrong.count) WRONGLY exported lines (not in the expected minimal cover):\n"
                    + wrong.map { "  \($0)  — \(why($0))" }.joined(separator: "\n")))
        #expect(
            missed.isEmpty,
            Comment(
                rawValue: "\(missed.count) MISSED lines (expected, not published):\n"
                    + missed.map { "  \($0)  — \(why($0))" }.joined(separator: "\n")))
    }

    // MARK: running the binary

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the CLI with `TZ=UTC` (the scenario's log stamps are UTC); output goes through files,
    /// so a chatty run cannot dead-lock on a full pipe.
    static func run(_ binary: URL, _ arguments: [String], in dir: URL) throws -> Outcome {
        let out = dir.appendingPathComponent("out-\(UUID().uuidString).txt")
        let err = dir.appendingPathComponent("err-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = dir
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        process.environment = environment
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// `$TRAPKEEPER_BIN`, else `trapkeeper` beside the test bundle (.build/<config>/), else
    /// `.build/debug/trapkeeper` of the package that holds this file.
    static func trapkeeperBinary(filePath: String = #filePath) -> URL? {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["TRAPKEEPER_BIN"] {
            candidates.append(URL(fileURLWithPath: explicit))
        }
        var bundleDir = Bundle.main.bundleURL
        for _ in 0..<4 {
            candidates.append(bundleDir.appendingPathComponent("trapkeeper"))
            bundleDir.deleteLastPathComponent()
        }
        var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                candidates.append(dir.appendingPathComponent(".build/debug/trapkeeper"))
                candidates.append(dir.appendingPathComponent(".build/release/trapkeeper"))
                break
            }
            dir.deleteLastPathComponent()
        }
        return candidates.first { fm.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath }
    }
}
