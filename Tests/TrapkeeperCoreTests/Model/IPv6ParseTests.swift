import Testing

@testable import TrapkeeperCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `IPAddress(ascii:)` reads IPv6 with its own copy of glibc's inet_pton algorithm (no C string
/// per address); it must accept exactly what inet_pton accepts, with the same 128 bits.
@Suite struct IPv6ParseTests {
    static func inetPton6(_ bytes: [UInt8]) -> IPAddress? {
        guard !bytes.contains(0) else { return nil }
        var raw = in6_addr()
        let ok = (bytes + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { inet_pton(AF_INET6, $0.baseAddress, &raw) == 1 }
        }
        guard ok else { return nil }
        let (h, l) = withUnsafeBytes(of: &raw) { p -> (UInt64, UInt64) in
            var h: UInt64 = 0
            var l: UInt64 = 0
            for i in 0..<8 { h = (h << 8) | UInt64(p[i]) }
            for i in 8..<16 { l = (l << 8) | UInt64(p[i]) }
            return (h, l)
        }
        return IPAddress(v6High: h, v6Low: l)
    }

    static func ours(_ bytes: [UInt8]) -> IPAddress? {
        guard let ip = bytes.withUnsafeBytes({ IPAddress(ascii: $0) }), !ip.isIPv4 else { return nil }
        return ip
    }

    @Test func agreesWithInetPtonOnNearMisses() {
        var rng = SeededRandom(seed: 6)
        let alphabet = Array("0123456789abcdefABCDEF::::...".utf8) + [0x67, 0x20, 0x00, 0xFF, 0x2F, 0x25]
        let groups = ["0", "1", "ff", "FFFF", "0db8", "2001", "12345", "fe80", "a", ""]
        var valid = 0
        for _ in 0..<60_000 {
            var bytes: [UInt8]
            switch rng.below(3) {
            case 0:  // random bytes from the alphabet
                bytes = (0..<(2 + rng.below(44))).map { _ in alphabet[rng.below(alphabet.count)] }
            case 1:  // groups joined by ':' (some empty: '::'), maybe a dotted quad at the end
                var parts = (0..<(1 + rng.below(9))).map { _ in groups[rng.below(groups.count)] }
                if rng.below(3) == 0 {
                    parts.append(
                        (0..<4).map { _ in String([0, 1, 9, 10, 99, 255, 256, 300][rng.below(8)]) }
                            .joined(separator: "."))
                }
                bytes = Array(parts.joined(separator: ":").utf8)
            default:  // a valid address with one byte changed, dropped or doubled
                let text = [
                    "2001:db8::1", "::", "::1", "fe80::1:2:3:4", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1",
                    "64:ff9b::10.0.0.1", "2001:db8:0:0:1::1", "1::", "1:2:3:4:5:6:1.2.3.4",
                ][rng.below(10)]
                bytes = Array(text.utf8)
                let i = rng.below(bytes.count)
                switch rng.below(3) {
                case 0: bytes[i] = alphabet[rng.below(alphabet.count)]
                case 1: bytes.remove(at: i)
                default: bytes.insert(bytes[i], at: i)
                }
            }
            let theirs = IPv6ParseTests.inetPton6(bytes)
            let mine = IPv6ParseTests.ours(bytes)
            if bytes.contains(UInt8(ascii: ":")) && bytes.count >= 2 && bytes.count <= 45 {
                #expect(mine == theirs, "\(String(decoding: bytes, as: UTF8.self))")
            } else {
                #expect(mine == nil, "\(String(decoding: bytes, as: UTF8.self))")
            }
            if theirs != nil { valid += 1 }
        }
        #expect(valid > 5_000)
    }

    @Test(arguments: [
        ("2001:db8::1", "2001:db8::1"), ("::", "::"), ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("FE80::A", "fe80::a"), ("0:0:0:0:0:0:0:1", "::1"),
    ])
    func readsAndPrints(_ text: String, _ printed: String) {
        #expect(IPAddress(text)?.description == printed)
    }

    @Test(arguments: ["1:2:3:4:5:6:7:8:9", ":1::2", "1:::2", "12345::", "::1.2.3", "::01.2.3.4", "1::2::3", ":"])
    func rejects(_ text: String) {
        #expect(IPAddress(text) == nil)
    }
}
