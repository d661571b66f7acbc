/// A network block: an address and a prefix length (0…32 for IPv4, 0…128 for IPv6).
/// The address is always the first address of the block (host bits zero).
public struct CIDR: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefix: Int

    /// Builds a block from any address inside it; host bits are cleared.
    public init(address: IPAddress, prefix: Int) {
        precondition(prefix >= 0 && prefix <= (address.isIPv4 ? 32 : 128))
        self.prefix = prefix
        if address.isIPv4 {
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
            self.address = IPAddress(v4: address.v4 & mask)
        } else {
            let (mh, ml) = CIDR.mask128(prefix)
            self.address = IPAddress(v6High: address.high & mh, v6Low: address.low & ml)
        }
    }

    /// Parses `a.b.c.d`, `a.b.c.d/nn`, `v6`, `v6/nn`. A block whose host bits are not zero
    /// (`10.1.2.3/8`) is rejected: it is almost always a typo.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let ip = IPAddress(String(parts[0])) else { return nil }
        let maxPrefix = ip.isIPv4 ? 32 : 128
        var prefix = maxPrefix
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].utf8.count <= 3, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let p = Int(parts[1]), p <= maxPrefix
            else { return nil }
            prefix = p
        }
        let block = CIDR(address: ip, prefix: prefix)
        guard block.address == ip else { return nil }
        self = block
    }

    static func mask128(_ prefix: Int) -> (UInt64, UInt64) {
        if prefix == 0 { return (0, 0) }
        if prefix <= 64 { return (~UInt64(0) << UInt64(64 - prefix), 0) }
        if prefix == 128 { return (~UInt64(0), ~UInt64(0)) }
        return (~UInt64(0), ~UInt64(0) << UInt64(128 - prefix))
    }

    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.isIPv4 == address.isIPv4 else { return false }
        return CIDR(address: ip, prefix: prefix).address == address
    }

    /// True when the block is a single host (/32 or /128).
    public var isHost: Bool { prefix == (address.isIPv4 ? 32 : 128) }

    /// `a.b.c.d/nn`, or the bare address for a single host.
    public var description: String { isHost ? address.description : "\(address)/\(prefix)" }

    public static func < (a: CIDR, b: CIDR) -> Bool {
        if a.address != b.address { return a.address < b.address }
        return a.prefix < b.prefix
    }
}
