#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Classifier {
    /// `classify(address:)` of this normalised address when it is certainly an unknown of our
    /// domains: printable ASCII, not listed by rules 1 or 2 under any of the names they look
    /// up, and either without a probe shape or with the AfterShip/Reacher shape. Nil means "not
    /// certain": the caller asks `classify`, which decides (and words the reason).
    ///
    /// Most distinct addresses a firewall sees are plain unknowns; answering them from bytes
    /// and hashes saves building strings and dictionary keys for each. The names rules 1 and 2
    /// look up are the ones `AddressBook.validity`/`protection` use: the address, its domain
    /// (catch-all), its local part, and the local part cut at the first recipient delimiter
    /// with and without the domain; for a SnertSoft shape also the reversed local part. A hash
    /// that matches any listed name (even by collision) only sends the address the slow way.
    ///
    /// `scratch` must hold at least `key.count` bytes.
    func quickClass(_ key: UnsafeRawBufferPointer, scratch: UnsafeMutableRawPointer) -> AddressClass? {
        let n = key.count
        guard n > 0, let p = key.baseAddress else { return nil }
        var at = -1
        for i in 0..<n {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b < 0x20 || b >= 0x7F { return nil }  // control bytes or non-ASCII: the slow way
            if b == 64 { at = i }
        }
        guard at > 0 else { return nil }
        let domain = UnsafeRawBufferPointer(start: p + at + 1, count: n - at - 1)
        guard
            domainBytes.contains(where: { d in
                d.count == domain.count
                    && d.withUnsafeBytes { memcmp($0.baseAddress!, domain.baseAddress!, d.count) == 0 }
            })
        else { return nil }
        let local = UnsafeRawBufferPointer(start: p, count: at)
        if isListed(key) || isListed(domain) || isListed(local) { return nil }
        if let cut = firstDelimiter(local), cut > 0 {
            if isListed(UnsafeRawBufferPointer(start: p, count: cut)) { return nil }
            if isListed(joined(p, cut, domainFrom: p + at, n - at, into: scratch)) { return nil }
        }
        // Probe shapes (ProbeDetector.shape): any hint of one goes the slow way.
        let last = local[at - 1]
        if at >= 8 && memcmp(p + at - 8, "-testing", 8) == 0 { return nil }
        if at == 32 || at == 15 {
            // AfterShip / Reacher: that many lower-case letters and digits.
            var alnum = true
            for i in 0..<at where !ProbeDetector.isLowerAlnum(p.load(fromByteOffset: i, as: UInt8.self)) {
                alnum = false
                break
            }
            if alnum { return .unknown(probeShape: at == 32 ? .aftership : .reacher) }
        }
        if last >= 48 && last <= 57 && at >= 3 {
            // SnertSoft: the local part minus its check digit, reversed, is a real user.
            let realCount = at - 1
            for i in 0..<realCount {
                scratch.storeBytes(
                    of: p.load(fromByteOffset: realCount - 1 - i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
            }
            let real = UnsafeRawBufferPointer(start: scratch, count: realCount)
            let cut = firstDelimiter(real)
            (scratch + realCount).copyMemory(from: p + at, byteCount: n - at)
            if isListed(UnsafeRawBufferPointer(start: scratch, count: realCount + n - at)) { return nil }
            if let cut, cut > 0 {
                if isListed(joined(scratch, cut, domainFrom: p + at, n - at, into: scratch)) { return nil }
            }
        }
        return .unknown(probeShape: nil)
    }

    @inline(__always)
    private func isListed(_ name: UnsafeRawBufferPointer) -> Bool {
        listedHashes.contains(ByteKeyTable.hash(name))
    }

    @inline(__always)
    private func firstDelimiter(_ local: UnsafeRawBufferPointer) -> Int? {
        for i in 0..<local.count where delimiterTable[Int(local[i])] { return i }
        return nil
    }

    /// `prefix[0..<count]` followed by `@domain` (`domainFrom` points at the `@`), in `into`.
    @inline(__always)
    private func joined(
        _ prefix: UnsafeRawPointer, _ count: Int, domainFrom: UnsafeRawPointer, _ domainCount: Int,
        into: UnsafeMutableRawPointer
    ) -> UnsafeRawBufferPointer {
        if prefix != UnsafeRawPointer(into) { into.copyMemory(from: prefix, byteCount: count) }
        (into + count).copyMemory(from: domainFrom, byteCount: domainCount)
        return UnsafeRawBufferPointer(start: into, count: count + domainCount)
    }
}
