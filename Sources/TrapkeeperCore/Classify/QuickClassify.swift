import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Classifier {
    /// What the rules say of a normalised address, answered from its bytes when that is
    /// certain: `.listed` when rule 1 or 2 lists it (valid or protected; `classify` words
    /// which), `.unknown` when it is printable ASCII without a space, listed under none of the names the rules
    /// look up, and either without a probe shape or with the AfterShip/Reacher shape. Nil means
    /// "not certain": the caller asks `classify`, which decides (and words the reason).
    ///
    /// Most distinct addresses a firewall sees are plain unknowns or real users; answering them
    /// from bytes saves building strings and dictionary keys for each. The names rules 1 and 2
    /// look up are the ones `AddressBook.validity`/`protection` use, each in its own exact
    /// set: the address (valid, protected), its domain (catch-all), its local part
    /// (protected), the local part cut at the first recipient delimiter (protected) and that
    /// cut with the domain (valid, protected). For a SnertSoft shape the reversed local part is
    /// looked up in the valid set as `AddressBook.validity` would; when it is there, the slow
    /// way words the probe shape.
    ///
    /// `scratch` must hold at least `key.count` bytes.
    func quickClass(_ key: UnsafeRawBufferPointer, scratch: UnsafeMutableRawPointer) -> QuickVerdict? {
        let n = key.count
        guard n > 0, let p = key.baseAddress else { return nil }
        var at = -1
        for i in 0..<n {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b <= 0x20 || b >= 0x7F { return nil }  // control bytes, space or non-ASCII: the slow way
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
        // Every view below lies inside key[0..<n]; what goes to `scratch` is shorter than the key.
        let local = UnsafeRawBufferPointer(start: p, count: at)
        // Rules 1 and 2, exactly as AddressBook.validity and .protection look them up.
        if names.valid.contains(key) || names.catchAll.contains(domain) || names.protectedAddresses.contains(key)
            || names.protectedLocalParts.contains(local)
        {
            return .listed
        }
        if let cut = firstDelimiter(local), cut > 0 {
            if names.protectedLocalParts.contains(UnsafeRawBufferPointer(start: p, count: cut)) { return .listed }
            let base = joined(p, cut, domainFrom: p + at, n - at, into: scratch)
            if names.valid.contains(base) || names.protectedAddresses.contains(base) { return .listed }
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
            if alnum { return .unknown(at == 32 ? .aftership : .reacher) }
        }
        if last >= 48 && last <= 57 && at >= 3 {
            // SnertSoft: the local part minus its check digit, reversed, is a real user. Written to
            // scratch: realCount + (n - at) = n - 1 bytes.
            let realCount = at - 1
            for i in 0..<realCount {
                scratch.storeBytes(
                    of: p.load(fromByteOffset: realCount - 1 - i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
            }
            let real = UnsafeRawBufferPointer(start: scratch, count: realCount)
            let cut = firstDelimiter(real)
            (scratch + realCount).copyMemory(from: p + at, byteCount: n - at)
            // AddressBook.validity of `real@domain` (the catch-all was looked up above).
            if names.valid.contains(UnsafeRawBufferPointer(start: scratch, count: realCount + n - at)) { return nil }
            if let cut, cut > 0 {
                if names.valid.contains(joined(scratch, cut, domainFrom: p + at, n - at, into: scratch)) { return nil }
            }
        }
        return .unknown(nil)
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

/// `Classifier.quickClass`'s answer.
enum QuickVerdict: Equatable {
    /// Rule 1 or 2 lists the address: valid or protected, never a trap.
    case listed
    /// Unknown: a trap candidate, with this probe shape (nil: none).
    case unknown(ProbeShape?)
}

/// The names rules 1 and 2 look up, as exact byte sets (the address book's keys, lower-case;
/// the dictionary-held ones also under the ASCII spelling a dictionary finds them by,
/// `foundByASCII`).
struct ListedNames: Sendable {
    let valid: ByteNameTable
    let catchAll: ByteNameTable
    let protectedLocalParts: ByteNameTable
    let protectedAddresses: ByteNameTable

    init(_ book: AddressBook) {
        // The valid addresses are a byte table already: shared, not copied — unless a key has a
        // byte above 0x7F and an ASCII spelling Swift calls equal (rare), which `valid[…]` finds.
        let decomposesToASCII = book.valid.canonical.keys.contains {
            $0.decomposedStringWithCanonicalMapping.utf8.allSatisfy { $0 < 0x80 }
        }
        valid = decomposesToASCII ? ListedNames.foundByASCII(book.valid.keys) : book.valid.lines
        catchAll = ListedNames.foundByASCII(book.catchAll.keys)
        protectedLocalParts = ListedNames.foundByASCII(book.protectedLocalParts.keys)
        protectedAddresses = ListedNames.foundByASCII(book.protectedAddresses.keys)
    }

    /// The byte names by which a `String`-keyed dictionary of `keys` (`AddressBook`'s catch-all
    /// and protected names) finds a key when asked with a printable-ASCII name, all
    /// `quickClass` asks with: each key's own bytes, and for a key that is not ASCII but whose
    /// canonical decomposition is (U+1FEF GREEK VARIA decomposes to `` ` ``, U+037E GREEK
    /// QUESTION MARK to `;`), that decomposition too, which Swift's `String` calls equal to it.
    static func foundByASCII(_ keys: some Collection<String>) -> ByteNameTable {
        var names = Array(keys)
        for key in keys where !key.utf8.allSatisfy({ $0 < 0x80 }) {
            let decomposed = key.decomposedStringWithCanonicalMapping
            if decomposed.utf8.allSatisfy({ $0 < 0x80 }) { names.append(decomposed) }
        }
        return ByteNameTable(names)
    }
}
