import Foundation

@testable import TrapkeeperCore

#if canImport(Glibc)
import Glibc
#endif

/// The real programs the export tests load the files into (Debian's nftables, ipset, rbldnsd,
/// dig, faketime, dash, mksh; `scripts/setup --test` installs them).
///
/// A test that cannot run its tool (binary missing, not root, no network namespaces) FAILS with
/// a message that says why: it never passes without having loaded the file. With CI=true in the
/// environment the message says that CI must provide the tool.
enum RealTool {
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    static func unavailable(_ why: String, fix: String = "run scripts/setup --test") -> Unavailable {
        Unavailable(description: "\(why)\(inCI ? " (CI=true: the CI job must provide it)" : ""): \(fix)")
    }

    /// The full path of `name`, looked up in PATH, /usr/sbin and /sbin (Debian keeps nft and
    /// ipset there, outside a normal user's PATH).
    static func path(_ name: String) throws -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in dirs + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw unavailable("\(name) not found")
    }

    /// Checks that this process can make a private network namespace (root and a kernel that
    /// allows it): the firewall tests load their sets there, never into the machine's own.
    static func requireNetworkNamespace() throws {
        guard geteuid() == 0 else {
            throw unavailable(
                "nft and ipset need root to make a private network namespace (unshare -n); running as uid \(geteuid())",
                fix: "run the tests as root (in CI: a job or container allowed to unshare -n)")
        }
        let (status, _, err) = try run(try path("unshare"), ["-n", "true"])
        guard status == 0 else {
            throw unavailable(
                "unshare -n failed (\(status)): \(err)", fix: "allow network namespaces (a privileged container)")
        }
    }

    /// Runs `sh -c script` inside a new, private network namespace; the namespace and every set
    /// in it are gone when the command ends.
    static func inNetworkNamespace(_ script: String, timeout: TimeInterval = 120) throws -> (Int32, String, String) {
        try requireNetworkNamespace()
        return try run(try path("unshare"), ["-n", "sh", "-c", script], timeout: timeout)
    }

    /// Runs a program; returns exit status, stdout, stderr. Killed after `timeout`.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil,
        timeout: TimeInterval = 120
    ) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        // Read both pipes at once: a full stderr pipe must not stall the program.
        final class Box: @unchecked Sendable { var data = Data() }
        let errData = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        killer.cancel()
        return (
            p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.data, as: UTF8.self)
        )
    }

    /// A single-quoted shell word for `s` (for paths inside `sh -c` scripts).
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// An inclusive range of addresses of one family, as a 128-bit pair (IPv4 in the low word).
struct AddressSpan: Comparable, CustomStringConvertible {
    var v4: Bool
    var lo: (UInt64, UInt64)
    var hi: (UInt64, UInt64)

    init(_ block: CIDR) {
        v4 = block.address.isIPv4
        lo = (block.address.high, block.address.low)
        let bits = (v4 ? 32 : 128) - block.prefix
        let (mh, ml): (UInt64, UInt64) =
            bits == 0 ? (0, 0) : bits >= 128 ? (~0, ~0) : bits >= 64 ? (~0 >> (128 - bits), ~0) : (0, ~0 >> (64 - bits))
        hi = (lo.0 | mh, lo.1 | ml)
    }

    init?(from first: String, to last: String) {
        guard let a = IPAddress(first), let b = IPAddress(last), a.isIPv4 == b.isIPv4 else { return nil }
        v4 = a.isIPv4
        lo = (a.high, a.low)
        hi = (b.high, b.low)
    }

    static func == (a: AddressSpan, b: AddressSpan) -> Bool { a.v4 == b.v4 && a.lo == b.lo && a.hi == b.hi }
    static func < (a: AddressSpan, b: AddressSpan) -> Bool {
        if a.v4 != b.v4 { return a.v4 }
        return a.lo != b.lo ? a.lo < b.lo : a.hi < b.hi
    }

    var description: String {
        func text(_ x: (UInt64, UInt64)) -> String {
            (v4 ? IPAddress(v4: UInt32(truncatingIfNeeded: x.1)) : IPAddress(v6High: x.0, v6Low: x.1)).description
        }
        return "\(text(lo))-\(text(hi))"
    }

    /// The covered addresses as the fewest spans: sorted, overlapping and adjacent spans joined
    /// (nft prints adjacent blocks as one range; pf lists them as blocks).
    static func merged(_ spans: [AddressSpan]) -> [AddressSpan] {
        var out: [AddressSpan] = []
        for s in spans.sorted() {
            if var last = out.last, last.v4 == s.v4 {
                let (next, overflow) = last.hi.1.addingReportingOverflow(1)
                let after = (overflow ? last.hi.0 &+ 1 : last.hi.0, next)
                let reaches = last.hi == (~0, ~0) || s.lo <= after
                if reaches {
                    if s.hi > last.hi { last.hi = s.hi }
                    out[out.count - 1] = last
                    continue
                }
            }
            out.append(s)
        }
        return out
    }
}

/// What the published files say, read back the way their tools read them.
enum PublishedCover {
    /// The entries of a pf table file (`#` comments, white space between tokens).
    static func pfBlocks(_ text: String) -> [CIDR] {
        text.split(separator: "\n").flatMap { line -> [CIDR] in
            let body = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return body.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { CIDR(String($0)) }
        }
    }

    /// A plan for `hosts` (sorted and aggregated like a publish does), at `now`.
    static func plan(_ hosts: [IPAddress], now: Int64) -> PublishPlan {
        let sorted = Array(Set(hosts)).sorted()
        return PublishPlan(
            traps: [], hosts: sorted, blocks: CIDRAggregator.aggregate(sorted), newest: [], previousTraps: [],
            previousHosts: [], audit: [], now: now)
    }

    /// `count` distinct random hosts: mostly scattered IPv4, some runs that aggregate into
    /// blocks, and `v6` IPv6 hosts with a few /64 neighbours.
    static func randomHosts(count: Int, v6: Int, seed: UInt64) -> [IPAddress] {
        var rng = SeededRandom(seed: seed)
        var set = Set<IPAddress>()
        while set.count < count - v6 {
            let base = UInt32(truncatingIfNeeded: rng.next())
            if rng.below(500) == 0 {
                // a run of hosts: becomes a few CIDR blocks
                let start = base & ~0xff
                for i in 0..<UInt32(rng.below(64) + 1) { set.insert(IPAddress(v4: start | i)) }
            } else {
                set.insert(IPAddress(v4: base))
            }
        }
        while set.count < count {
            let high = 0x2001_0db8_0000_0000 | (rng.next() & 0xffff_ffff)
            set.insert(IPAddress(v6High: high, v6Low: rng.next() & 0xff))
        }
        return Array(set)
    }
}
