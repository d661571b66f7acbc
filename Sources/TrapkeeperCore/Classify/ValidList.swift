import Foundation

/// What reading the valid-address list gives `AddressBook.load`: the addresses and catch-all
/// domains with their lines, how many entries there were and which lie outside our domains.
///
/// `read` is the definition: every line through `OperatorListFile.entry` and
/// `OperatorListEntry.shape`, one entry at a time through `take`. `readQuickly`
/// (`ValidList+Quick.swift`) gives exactly the same for the same bytes, faster, and is what
/// `AddressBook.load` uses; `ValidListTests` holds it to `read`.
struct ValidList {
    /// The largest list file read, in bytes (2 GiB): its lines fit `ByteNameTable`'s 32-bit slots.
    static let largestFile = Int(Int32.max) - 1

    /// The list's path, as errors name it.
    let file: String
    /// Our domains (`AddressBook.lower`ed, as configured): entries in none of them never match.
    let ours: Set<String>
    var addresses: ValidAddresses
    /// Catch-all domain (ASCII form) → "file:line".
    var catchAll: [String: String] = [:]
    /// Entries read, duplicates included.
    var entryCount = 0
    /// Entries whose domain is none of ours.
    var outsideCount = 0
    /// The first few of those, in file order (`OperatorListFile.warningExamples`).
    var outsideExamples: [OperatorListEntry] = []
    /// Lines `readQuickly` handed to `OperatorListFile.entry` (0 for `read`): how a test sees
    /// that the common lines are decided the quick way.
    var linesReadThePlainWay = 0

    /// An empty list; `capacity` and `byteCapacity` as `ByteNameTable.init` takes them.
    init(file: String, ours: Set<String>, capacity: Int = 0, byteCapacity: Int? = nil) {
        self.file = file
        self.ours = ours
        addresses = ValidAddresses(
            fileName: (file as NSString).lastPathComponent, capacity: capacity, byteCapacity: byteCapacity)
    }

    /// The valid list in `bytes` (the file `file`), read the plain way: `OperatorListFile.entries`,
    /// then `take` for each entry. Throws the first line `OperatorListFile` refuses, else the
    /// first entry `take` refuses.
    static func read(_ bytes: [UInt8], file: String, ours: Set<String>) throws -> ValidList {
        var list = ValidList(file: file, ours: ours)
        for entry in try OperatorListFile.entries(in: bytes, file: file) { try list.take(entry) }
        return list
    }

    /// Adds one entry of the list: `local@domain` (its key with the domain in ASCII form) or
    /// `*@domain` (the domain, ASCII form, as a catch-all). Anything else is a `ConfigError`
    /// naming the file, the line and why.
    mutating func take(_ entry: OperatorListEntry) throws {
        func refuse(_ reason: String) -> ConfigError {
            ConfigError(
                file: file, line: entry.line,
                "'\(OperatorListFile.visible(entry.text))' is not an address (local@domain or *@domain): \(reason)")
        }
        switch entry.shape() {
        case .failure(let m):
            throw refuse(m.reason)
        case .success(.localPart):
            throw refuse("no '@'")
        case .success(.catchAll(let domain)):
            let key = AddressBook.domainKey(domain)
            catchAll[key] = "\(addresses.fileName):\(entry.line)"
            count(entry.line, text: entry.text, inOurDomains: ours.contains(key))
        case .success(.address(let domain)):
            // `entry.key` is lower-cased already: an ASCII domain is its own key (the common
            // case), an international one gets its ASCII form.
            let ascii = domain.utf8.allSatisfy { $0 < 0x80 }
            addresses.set(ascii ? entry.key : AddressBook.addressKey(entry.key), line: entry.line)
            let inOurs = ours.contains(ascii ? String(domain) : AddressBook.domainKey(domain))
            count(entry.line, text: entry.text, inOurDomains: inOurs)
        }
    }

    /// Counts an entry taken; one outside our domains is counted apart, the first few kept with
    /// their text (`text` is asked for only then).
    mutating func count(_ line: Int, text: @autoclosure () -> String, inOurDomains: Bool) {
        entryCount += 1
        guard !inOurDomains else { return }
        outsideCount += 1
        if outsideExamples.count < OperatorListFile.warningExamples {
            let t = text()
            outsideExamples.append(OperatorListEntry(line: line, text: t, key: AddressBook.lower(t)))
        }
    }
}
