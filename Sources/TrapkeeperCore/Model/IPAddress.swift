import CScan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 host address held as a 128-bit value.
///
/// IPv4 addresses keep their 32 bits in the low word with `isIPv4` set; they are never confused
/// with the IPv4-mapped IPv6 form. Ordering: every IPv4 address sorts before every IPv6 address,
/// then by numeric value — the order pf and iprange print.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible, BitwiseCopyable {
    public let high: UInt64
    public let low: UInt64
    public let isIPv4: Bool

    public init(v4: UInt32) {
        high = 0
        low = UInt64(v4)
        isIPv4 = true
    }

    public init(v6High: UInt64, v6Low: UInt64) {
        high = v6High
        low = v6Low
        isIPv4 = false
    }

    /// The 32-bit value of an IPv4 address (meaningless for IPv6).
    public var v4: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// Parses dotted-quad IPv4 (no leading zeros beyond a lone `0`, each octet 0…255) or any
    /// textual IPv6 form that `inet_pton` accepts. Returns nil for anything else.
    public init?(_ text: String) {
        var copy = text
        let parsed: IPAddress? = copy.withUTF8 { IPAddress(ascii: UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses an address from ASCII bytes (see `init?(_:)`); the hot path for dump parsing.
    @inline(__always)
    public init?(ascii bytes: UnsafeRawBufferPointer) {
        if let v4 = IPAddress.parseV4(bytes) {
            self.init(v4: v4)
            return
        }
        guard let v6 = IPAddress.parseV6(bytes) else { return nil }
        self = v6
    }

    /// Parses a host address as read from a dump or log line: what `init?(ascii:)` accepts,
    /// with an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) read as the IPv4 address it maps.
    ///
    /// A greylister on a dual-stack socket writes its IPv4 peers in the mapped form. It is the
    /// same host: pf matches IPv4 packets against IPv4 table entries only (a mapped entry would
    /// block nothing), spamd-setup lists are IPv4 only, and the plain and the mapped form must
    /// share one record, one hit history and one verdict. Other forms that carry an IPv4
    /// address (6to4, NAT64, IPv4-compatible) name other hosts and stay IPv6.
    @inline(__always)
    public init?(hostASCII bytes: UnsafeRawBufferPointer) {
        if let v4 = IPAddress.parseV4(bytes) {
            self.init(v4: v4)
            return
        }
        guard let v6 = IPAddress.parseV6(bytes) else { return nil }
        self = v6.unmapped
    }

    /// `init?(hostASCII:)` for a string (queries: `explain`, `delist`).
    public init?(host text: String) {
        guard let parsed = IPAddress(text) else { return nil }
        self = parsed.unmapped
    }

    /// The IPv4 address of an IPv4-mapped IPv6 address (::ffff:0:0/96); any other address as it is.
    public var unmapped: IPAddress {
        !isIPv4 && high == 0 && low >> 32 == 0xFFFF ? IPAddress(v4: UInt32(truncatingIfNeeded: low)) : self
    }

    /// The standard IPv6 forms that carry an IPv4 address in fixed bits, with their names.
    public enum IPv4Carrier: String, Sendable {
        /// ::ffff:0:0/96, RFC 4291 §2.5.5.2.
        case mapped = "IPv4-mapped"
        /// ::/96, RFC 4291 §2.5.5.1 (deprecated; `::` and `::1` are in it too).
        case compatible = "IPv4-compatible"
        /// ::ffff:0:0:0/96, RFC 2765 §2.1 (SIIT, obsoleted by RFC 6145).
        case translated = "IPv4-translated"
        /// 64:ff9b::/96, the NAT64 well-known prefix, RFC 6052 §2.1.
        case nat64 = "NAT64"
        /// 2002::/16, the IPv4 address in bits 16…47, RFC 3056 §2.
        case sixToFour = "6to4"
    }

    /// The IPv4 address an IPv6 address carries by one of the standard forms, and the form;
    /// nil for IPv4 addresses and other IPv6 addresses. Teredo (2001::/32, the client address
    /// XOR 0xffffffff in the last 32 bits) and the local-use NAT64 prefix 64:ff9b:1::/48 are
    /// not decoded: both lie in never-block blocks whatever they carry.
    public var embeddedIPv4: (address: IPAddress, form: IPv4Carrier)? {
        if isIPv4 { return nil }
        let last32 = IPAddress(v4: UInt32(truncatingIfNeeded: low))
        switch (high, low >> 32) {
        case (0, 0xFFFF): return (last32, .mapped)
        case (0, 0): return (last32, .compatible)
        case (0, 0xFFFF_0000): return (last32, .translated)
        case (0x0064_FF9B_0000_0000, 0): return (last32, .nat64)
        default:
            guard high >> 48 == 0x2002 else { return nil }
            return (IPAddress(v4: UInt32(truncatingIfNeeded: high >> 16)), .sixToFour)
        }
    }

    /// IPv6 as glibc's inet_pton(AF_INET6) reads it, on the bytes themselves (CScan: no C
    /// string copy per address; IPv6ParseTests checks it against inet_pton). Out of line: the
    /// IPv4 path stays small where it is inlined.
    @inline(never)
    static func parseV6(_ bytes: UnsafeRawBufferPointer) -> IPAddress? {
        guard bytes.count >= 2, bytes.count <= 45, bytes.contains(UInt8(ascii: ":")) else { return nil }
        var raw: (UInt64, UInt64) = (0, 0)
        let ok = withUnsafeMutableBytes(of: &raw) { out in
            tk_parse_v6(
                bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count,
                out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard ok != 0 else { return nil }
        return IPAddress(v6High: UInt64(bigEndian: raw.0), v6Low: UInt64(bigEndian: raw.1))
    }

    /// Strict dotted quad: four decimal octets 0…255, no sign, no leading zero beyond a lone `0`.
    @inline(__always)
    static func parseV4(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        guard let p = bytes.baseAddress else { return nil }
        var value: UInt32 = 0
        return tk_parse_v4(p.assumingMemoryBound(to: UInt8.self), bytes.count, &value) != 0 ? value : nil
    }

    /// Appends the dotted quad of an IPv4 address (what `description` gives) to `out`.
    func appendV4Text(to out: inout [UInt8]) {
        forEachV4Byte { out.append($0) }
    }

    /// The bytes of the dotted quad of an IPv4 address, in order.
    @inline(__always)
    private func forEachV4Byte(_ emit: (UInt8) -> Void) {
        let v = v4
        for shift in stride(from: 24, through: 0, by: -8) {
            let o = Int((v >> UInt32(shift)) & 0xff)
            if o >= 100 { emit(UInt8(48 + o / 100)) }
            if o >= 10 { emit(UInt8(48 + (o / 10) % 10)) }
            emit(UInt8(48 + o % 10))
            if shift > 0 { emit(UInt8(ascii: ".")) }
        }
    }

    public var description: String {
        if isIPv4 {
            // Built byte by byte: this runs for every host written to the state or a list.
            return String(unsafeUninitializedCapacity: 15) { buf in
                var n = 0
                forEachV4Byte {
                    buf[n] = $0
                    n += 1
                }
                return n
            }
        }
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { p in
            for i in 0..<8 { p[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i))) }
            for i in 0..<8 { p[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i))) }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let text = buffer.withUnsafeMutableBufferPointer { out -> String in
            guard inet_ntop(AF_INET6, &raw, out.baseAddress, socklen_t(out.count)) != nil else { return "::" }
            return String(cString: out.baseAddress!)
        }
        return text
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isIPv4 != b.isIPv4 { return a.isIPv4 }
        if a.high != b.high { return a.high < b.high }
        return a.low < b.low
    }
}
