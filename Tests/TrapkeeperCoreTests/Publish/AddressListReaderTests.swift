import Foundation
import Testing

@testable import TrapkeeperCore

@Suite struct AddressListReaderTests {
    static func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("trapkeeper-\(UUID().uuidString)-\(name)").path
    }

    static func withFile<T>(_ contents: [UInt8], _ body: (String) throws -> T) throws -> T {
        let path = tempPath("in.txt")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    static func written(_ blocks: [CIDR]) throws -> String {
        let path = tempPath("out.txt")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        #expect(AddressListReader.write(blocks, to: fd))
        close(fd)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    @Test func readsEntriesCommentsAndRanges() throws {
        let text = """
            # a comment
            1.2.3.4

            \t 1.2.3.5 \r
            10.0.0.0/8
            10.1.2.3/8
            192.168.1.0/255.255.255.0
            5.5.5.1 - 5.5.5.6
            6.6.6.6-6.6.6.7
            2001:db8::1
            2001:db8::/32   # inline comment
            2001:db8::1-2001:db8::2
            not an address
            1.2.3.4/33
            1.2.3.9 - 1.2.3.7
            01.2.3.4
            1.2.3.4 25
            192.168.1.0/255.0.255.0
            7.7.7.7
            """
        let (hosts, rejects) = try Self.withFile(Array(text.utf8)) { try AddressListReader.read(path: $0) }
        #expect(
            hosts.map(\.description) == [
                "1.2.3.4", "1.2.3.5", "10.0.0.0/8", "10.0.0.0/8", "192.168.1.0/24",
                "5.5.5.1", "5.5.5.2/31", "5.5.5.4/31", "5.5.5.6", "6.6.6.6/31",
                "2001:db8::1", "2001:db8::/32", "2001:db8::1", "2001:db8::2", "7.7.7.7",
            ])
        #expect(rejects.map(\.line) == [13, 14, 15, 16, 17, 18])
        #expect(
            rejects.map(\.text) == [
                "not an address", "1.2.3.4/33", "1.2.3.9 - 1.2.3.7", "01.2.3.4", "1.2.3.4 25",
                "192.168.1.0/255.0.255.0",
            ])
    }

    /// The byte-level IPv4 parser agrees with glibc's strict inet_pton(AF_INET) (no leading
    /// zeros, exactly four decimal octets) on random near-miss strings.
    @Test func parseV4AgreesWithInetPton() {
        var rng = SeededRandom(seed: 11)
        let alphabet = Array("0123456789.".utf8) + Array("0123456789..".utf8) + Array(" x-/:".utf8)
        var agreed = 0
        var valid = 0
        for _ in 0..<40_000 {
            let length = Int.random(in: 5...17, using: &rng)
            var bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            if Bool.random(using: &rng) {
                // Mostly well-formed: four octets with a random mutation.
                bytes = Array(
                    (0..<4).map { _ in String(Int.random(in: 0...300, using: &rng)) }.joined(separator: ".").utf8)
                if Int.random(in: 0..<4, using: &rng) == 0 {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] =
                        alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                }
            }
            let ours = bytes.withUnsafeBytes { IPAddress.parseV4($0) }
            var addr = in_addr()
            let theirs: UInt32? =
                (bytes + [0]).withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: CChar.self) { inet_pton(AF_INET, $0.baseAddress, &addr) == 1 }
                } ? UInt32(bigEndian: addr.s_addr) : nil
            if ours == theirs {
                agreed += 1
            } else {
                Issue.record(
                    "\(String(decoding: bytes, as: UTF8.self)): \(String(describing: ours)) vs \(String(describing: theirs))"
                )
            }
            if theirs != nil { valid += 1 }
        }
        #expect(agreed == 40_000)
        #expect(valid > 4_000)
    }

    @Test func missingFileThrows() {
        #expect(throws: AddressListReadError.self) { try AddressListReader.read(path: "/nonexistent/trapkeeper/list") }
    }

    @Test func emptyFile() throws {
        let (hosts, rejects) = try Self.withFile([]) { try AddressListReader.read(path: $0) }
        #expect(hosts.isEmpty && rejects.isEmpty)
    }

    /// Lines crossing the read-buffer boundary are parsed whole; a last line without newline counts.
    @Test func manyLinesAcrossBufferBoundaries() throws {
        var bytes: [UInt8] = []
        var expected: [UInt32] = []
        var rng = SeededRandom(seed: 7)
        for i in 0..<150_000 {
            let v = UInt32.random(in: 0...UInt32.max, using: &rng)
            expected.append(v)
            bytes += Array(IPAddress(v4: v).description.utf8)
            bytes += i % 3 == 0 ? [0x0D, 0x0A] : [0x0A]
        }
        bytes += Array("255.255.255.255".utf8)  // no final newline
        expected.append(~0)
        #expect(bytes.count > 2 * AddressListReader.readBufferSize)
        let (hosts, rejects) = try Self.withFile(bytes) { try AddressListReader.read(path: $0) }
        #expect(rejects.isEmpty)
        #expect(hosts.count == expected.count)
        #expect(hosts.map(\.address.v4) == expected)
        #expect(hosts.allSatisfy { $0.prefix == 32 })
    }

    @Test func overlongLineIsOneReject() throws {
        var bytes = Array("1.1.1.1\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: AddressListReader.readBufferSize * 2 + 5)
        bytes += Array("\n2.2.2.2\n".utf8)
        let (hosts, rejects) = try Self.withFile(bytes) { try AddressListReader.read(path: $0) }
        #expect(hosts.map(\.description) == ["1.1.1.1", "2.2.2.2"])
        #expect(rejects.map(\.line) == [2])
    }

    @Test func writesBareHostsAndCIDRs() throws {
        let blocks = ["0.0.0.0/0", "1.2.3.4", "10.0.0.0/8", "255.255.255.255", "::1", "2001:db8::/32"].map { CIDR($0)! }
        #expect(try Self.written(blocks) == "0.0.0.0/0\n1.2.3.4\n10.0.0.0/8\n255.255.255.255\n::1\n2001:db8::/32\n")
        #expect(try Self.written([]) == "")
    }

    @Test func writesLargeOutputCompletely() throws {
        let blocks = (0..<200_000).map { CIDR(address: IPAddress(v4: UInt32($0) * 4), prefix: 31) }
        let text = try Self.written(blocks)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 200_000)
        #expect(lines.last == "0.12.52.252/31")
        #expect(text == blocks.map { "\($0)\n" }.joined())
    }

    // MARK: - Same bytes as iprange

    static let iprange = "/usr/bin/iprange"

    static func runIprange(_ inputPath: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: iprange)
        process.arguments = [inputPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return data
    }

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: iprange),
            "iprange not installed: apt-get install -y iprange to compare output byte for byte"),
        arguments: 0..<6)
    func sameBytesAsIprange(seed: Int) throws {
        var rng = SeededRandom(seed: 9000 + UInt64(seed))
        var lines: [String] = []
        // Clustered random hosts: a few hundred clusters of dense-ish neighbours.
        for _ in 0..<60 {
            let base = UInt32.random(in: 0...UInt32.max, using: &rng) & ~0x3ff
            let density = Double.random(in: 0.1...1.0, using: &rng)
            for o in 0..<UInt32.random(in: 1...200, using: &rng) where Double.random(in: 0..<1, using: &rng) < density {
                lines.append(IPAddress(v4: base &+ o).description)
            }
        }
        for _ in 0..<500 { lines.append(IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &rng)).description) }
        for _ in 0..<20 {
            let prefix = Int.random(in: 8...31, using: &rng)
            lines.append(
                CIDR(address: IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &rng)), prefix: prefix).description
            )
        }
        for _ in 0..<20 {
            let a = UInt32.random(in: 0...UInt32.max - 5000, using: &rng)
            let b = a + UInt32.random(in: 0...5000, using: &rng)
            lines.append("\(IPAddress(v4: a)) - \(IPAddress(v4: b))")
        }
        if seed == 0 { lines += ["0.0.0.0", "0.0.0.1", "255.255.255.255", "255.255.255.254", "128.0.0.0/1"] }
        if seed == 1 { lines += ["0.0.0.0/0"] }
        lines += lines.prefix(50)  // duplicates
        lines.shuffle(using: &rng)
        #expect(lines.count > 2000)

        try Self.withFile(Array((lines.joined(separator: "\n") + "\n").utf8)) { path in
            let theirs = try Self.runIprange(path)
            let (hosts, rejects) = try AddressListReader.read(path: path)
            #expect(rejects.isEmpty)
            let ours = try Self.written(CIDRAggregator.aggregate(blocks: hosts))
            #expect(!theirs.isEmpty)
            #expect(Array(ours.utf8) == Array(theirs), "output differs from iprange")
        }
    }
}

/// Hand-run speed check, not a unit test (asserts nothing about time):
/// `TRAPKEEPER_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter AggregateBenchmark`
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TRAPKEEPER_BENCH"] != nil, "set TRAPKEEPER_BENCH=1 to run"))
struct AggregateBenchmark {
    /// Wall time and this thread's CPU time (the machine may be shared) of `body`, in ms.
    static func time(_ label: String, _ body: () throws -> String) rethrows {
        func cpu() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
        }
        let clock = ContinuousClock()
        let c0 = cpu()
        var result = ""
        let wall = try clock.measure { result = try body() }
        let c1 = cpu()
        let ms = Double(wall.components.attoseconds) / 1e15 + Double(wall.components.seconds) * 1e3
        print("\(label): wall \(Int(ms.rounded())) ms, cpu \(Int((c1 - c0).rounded())) ms — \(result)")
    }

    @Test func oneMillionIPv4() throws {
        var rng = SeededRandom(seed: 1)
        // Half clustered (dense runs), half scattered.
        var values: [UInt32] = []
        values.reserveCapacity(1_000_000)
        while values.count < 500_000 {
            let base = UInt32.random(in: 0...UInt32.max - 4096, using: &rng)
            for o in 0..<UInt32(256) where Bool.random(using: &rng) { values.append(base + o) }
        }
        while values.count < 1_000_000 { values.append(UInt32.random(in: 0...UInt32.max, using: &rng)) }
        values.shuffle(using: &rng)
        let hosts = values.map { IPAddress(v4: $0) }

        Self.time("aggregate(hosts) 1M IPv4") { "\(CIDRAggregator.aggregate(hosts).count) blocks" }
        let blocks = hosts.map { CIDR(address: $0, prefix: 32) }
        Self.time("aggregate(blocks:) 1M IPv4 /32") { "\(CIDRAggregator.aggregate(blocks: blocks).count) blocks" }
        let mixed = blocks.enumerated().map {
            $0.offset % 10 == 0 ? CIDR(address: $0.element.address, prefix: 28) : $0.element
        }
        Self.time("aggregate(blocks:) 1M IPv4, 10% /28") { "\(CIDRAggregator.aggregate(blocks: mixed).count) blocks" }

        let path = AddressListReaderTests.tempPath("bench.txt")
        let text = values.map { IPAddress(v4: $0).description }.joined(separator: "\n") + "\n"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var read: [CIDR] = []
        try Self.time("read 1M lines, \(text.utf8.count) bytes") {
            read = try AddressListReader.read(path: path).hosts
            return "\(read.count) entries"
        }
        let out = CIDRAggregator.aggregate(blocks: read)
        let fd = open("/dev/null", O_WRONLY)
        defer { close(fd) }
        Self.time("write \(out.count) blocks to /dev/null") { "\(AddressListReader.write(out, to: fd))" }
    }
}
