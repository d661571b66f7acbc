import Foundation

/// A host's trap hits, one per address it mailed, as the state keeps them: the `hits` value of
/// the host's `host_hits` row (one row per host instead of one per (host, address) pair: a
/// 1 M-line dump of a busy site has ~500 000 pairs but ~50 000 hosts).
///
/// The value is a BLOB:
///
///     version  1 byte, 0x01
///     then per hit, in ascending byte order of the address (SQLite's BINARY order), no repeats:
///     flags    1 byte: 0x00, or 0x01 when a last non-verifier hit follows
///     length   LEB128 varint: the address's byte count
///     address  that many bytes (the address key as the harvest keeps it)
///     first    zigzag varint: the first hit (Unix seconds)
///     span     zigzag varint: last − first (wrapping)
///     [back    zigzag varint: last − last non-verifier (wrapping)]
///
/// Every Int64 round-trips (the differences wrap). A value that breaks any of these rules —
/// cut short, bytes left over, unknown flags, an address out of order — is refused with the
/// offset where it broke: a state edited by hand stops the command, it is never read wrong.
enum HitList {
    /// One hit of the host: the address and its times.
    struct Hit: Equatable {
        var address: [UInt8]
        var first: Int64
        var last: Int64
        var lastNonVerifier: Int64?
    }

    /// Why a stored value is not a hit list.
    struct Malformed: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "hit list broken at byte \(offset): \(reason)" }
    }

    static let version: UInt8 = 1

    // MARK: the definition

    /// The hits of a stored value.
    static func decode(_ blob: [UInt8]) throws -> [Hit] {
        var out: [Hit] = []
        try blob.withUnsafeBytes { b in
            try forEach(b) { address, first, last, lastNonVerifier in
                out.append(Hit(address: Array(address), first: first, last: last, lastNonVerifier: lastNonVerifier))
            }
        }
        return out
    }

    /// The stored value of `hits` (any order; one hit per address).
    static func encode(_ hits: [Hit]) -> [UInt8] {
        var out: [UInt8] = [version]
        let sorted = hits.sorted { a, b in
            a.address.withUnsafeBytes { a in b.address.withUnsafeBytes { b in PairOrder.compare(a, b) < 0 } }
        }
        for h in sorted {
            h.address.withUnsafeBytes { append(address: $0, h.first, h.last, h.lastNonVerifier, to: &out) }
        }
        return out
    }

    /// What a night's hits make of the stored ones: per address, the earlier first hit, the
    /// later last hit and the later last non-verifier hit; an address new to the host is added.
    static func merged(_ stored: [Hit], _ night: [Hit]) -> [Hit] {
        var byAddress: [[UInt8]: Hit] = [:]
        for h in stored + night {
            guard let old = byAddress[h.address] else {
                byAddress[h.address] = h
                continue
            }
            byAddress[h.address] = Hit(
                address: h.address, first: min(old.first, h.first), last: max(old.last, h.last),
                lastNonVerifier: [old.lastNonVerifier, h.lastNonVerifier].compactMap { $0 }.max())
        }
        return Array(byAddress.values)
    }

    // MARK: the merge's walk over bytes

    /// Calls `body` with each hit of a stored value, in its order (the address bytes are valid
    /// inside the call only). Throws on the first broken rule.
    static func forEach(
        _ blob: UnsafeRawBufferPointer,
        _ body: (_ address: UnsafeRawBufferPointer, _ first: Int64, _ last: Int64, _ lastNonVerifier: Int64?)
            throws(Malformed) -> Void
    ) throws(Malformed) {
        var r = Reader(bytes: blob)
        guard try r.byte() == version else { throw Malformed(offset: 0, reason: "unknown version") }
        var previous: UnsafeRawBufferPointer?
        while !r.atEnd {
            let at = r.offset
            let flags = try r.byte()
            guard flags <= 1 else { throw Malformed(offset: at, reason: "unknown flags \(flags)") }
            let length = try r.varint()
            guard length <= UInt64(r.remaining) else { throw Malformed(offset: at, reason: "address cut short") }
            let address = r.take(Int(length))
            if let previous, PairOrder.compare(previous, address) >= 0 {
                throw Malformed(offset: at, reason: "address out of order or repeated")
            }
            previous = address
            let first = try r.zigzag()
            let last = first &+ (try r.zigzag())
            let lastNonVerifier = flags == 1 ? last &- (try r.zigzag()) : nil
            try body(address, first, last, lastNonVerifier)
        }
    }

    /// Appends one hit's bytes to a value being built (hits must come in address order).
    static func append(
        address: UnsafeRawBufferPointer, _ first: Int64, _ last: Int64, _ lastNonVerifier: Int64?,
        to out: inout [UInt8]
    ) {
        out.append(lastNonVerifier == nil ? 0 : 1)
        appendVarint(UInt64(address.count), to: &out)
        out.append(contentsOf: address)
        appendZigzag(first, to: &out)
        appendZigzag(last &- first, to: &out)
        if let lastNonVerifier { appendZigzag(last &- lastNonVerifier, to: &out) }
    }

    /// Merges a night's hits of one host (`count` of them, `night(k)` in address order, no
    /// repeats) into its stored value (nil: none stored) and writes the result to `out`.
    /// Returns false — and leaves `out` unspecified — when nothing is new or newer, i.e. the
    /// stored value stays as it is. `merged` is the definition; HitListTests holds the two equal.
    static func merge(
        stored: UnsafeRawBufferPointer?, count: Int, night: (Int) -> Night, into out: inout [UInt8]
    ) throws(Malformed) -> Bool {
        // Most nights of a steady site change nothing for most hosts: compare first, encode
        // only a host that changed.
        if let stored, try !changes(stored, count: count, night: night) { return false }
        out.removeAll(keepingCapacity: true)
        out.append(version)
        var k = 0
        if let stored {
            try forEach(stored) { address, first, last, lastNonVerifier throws(Malformed) in
                // The night's hits to addresses before this one are new to the host.
                while k < count, PairOrder.compare(night(k).address, address) < 0 {
                    let n = night(k)
                    append(address: n.address, n.first, n.last, n.lastNonVerifier, to: &out)
                    k += 1
                }
                guard k < count, PairOrder.compare(night(k).address, address) == 0 else {
                    append(address: address, first, last, lastNonVerifier, to: &out)
                    return
                }
                let n = night(k)
                k += 1
                append(
                    address: address, min(first, n.first), max(last, n.last),
                    later(lastNonVerifier, n.lastNonVerifier), to: &out)
            }
        }
        while k < count {
            let n = night(k)
            append(address: n.address, n.first, n.last, n.lastNonVerifier, to: &out)
            k += 1
        }
        return true
    }

    /// One hit of a night, as the merge is given it.
    typealias Night = (address: UnsafeRawBufferPointer, first: Int64, last: Int64, lastNonVerifier: Int64?)

    /// Whether merging the night's hits would change the stored value: an address new to the
    /// host, an earlier first hit, a later last or last non-verifier hit.
    private static func changes(
        _ stored: UnsafeRawBufferPointer, count: Int, night: (Int) -> Night
    ) throws(Malformed) -> Bool {
        var k = 0
        var changed = false
        try forEach(stored) { address, first, last, lastNonVerifier throws(Malformed) in
            guard !changed, k < count else { return }
            let n = night(k)
            let order = PairOrder.compare(n.address, address)
            if order < 0 {
                changed = true  // an address the stored list does not have
            } else if order == 0 {
                k += 1
                changed =
                    n.first < first || n.last > last || later(lastNonVerifier, n.lastNonVerifier) != lastNonVerifier
            }
        }
        return changed || k < count
    }

    /// The later of two optional times (nil: none).
    static func later(_ a: Int64?, _ b: Int64?) -> Int64? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }

    // MARK: bytes

    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private static func appendZigzag(_ value: Int64, to out: inout [UInt8]) {
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &out)
    }

    /// Reads a stored value front to back, refusing to read past its end.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var atEnd: Bool { offset == bytes.count }
        var remaining: Int { bytes.count - offset }

        mutating func byte() throws(Malformed) -> UInt8 {
            guard offset < bytes.count else { throw Malformed(offset: offset, reason: "cut short") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func take(_ n: Int) -> UnsafeRawBufferPointer {
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
        }

        /// LEB128: at most 10 bytes, the tenth holding the 64th bit only.
        mutating func varint() throws(Malformed) -> UInt64 {
            let start = offset
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                if shift == 63, b > 1 { throw Malformed(offset: start, reason: "number too large") }
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
        }

        mutating func zigzag() throws(Malformed) -> Int64 {
            let v = try varint()
            return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
        }
    }
}
