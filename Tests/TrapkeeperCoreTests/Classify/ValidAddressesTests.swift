import Testing

@testable import TrapkeeperCore

/// `ValidAddresses` keeps each listed spelling with its line; two spellings Swift's `String`
/// calls equal (canonically equivalent: `é` as one character or as `e` and a combining accent,
/// U+1FEF GREEK VARIA and `` ` ``) are two entries, and printing the list shows both. Mail to
/// any spelling equal to a listed one is to a real user: never a trap.
@Suite struct ValidAddressesTests {
    @Test(arguments: [
        ("jos\u{E9}@bsdly.com", "jose\u{301}@bsdly.com"),
        ("ab\u{1FEF}c@bsdly.com", "Ab`c@bsdly.com"),
        ("\"ab\u{37E}c\"@bsdly.com", "\"ab;c\"@bsdly.com"),
    ])
    func canonicallyEquivalentSpellingsAreTwoAddresses(_ one: String, _ other: String) throws {
        let bytes = Array("peter@bsdly.com\n\(one)\n\(other)\n".utf8)
        let book = try AddressBook.load(
            validFile: "lists/valid.txt", bytes: bytes, protectedFile: nil, domains: ["bsdly.com"], delimiters: "+",
            quickly: true)
        let first = AddressBook.lower(one)
        let second = AddressBook.lower(other)
        #expect(book.valid.count == 3)
        #expect(book.valid[first] == "valid.txt:2")
        #expect(book.valid[second] == "valid.txt:3")
        let printed = "\(book.valid)"
        #expect(printed.contains("\(first.debugDescription): \"valid.txt:2\""), "\(printed)")
        #expect(printed.contains("\(second.debugDescription): \"valid.txt:3\""), "\(printed)")
    }

    /// The list holds one spelling, mail comes in another that Swift calls equal: the address
    /// is valid by the rules (`validity`) and by the harvest's byte shortcut (`quickClass`
    /// never calls it unknown).
    @Test(arguments: [
        ("jose\u{301}@bsdly.com", "jos\u{E9}@bsdly.com"),
        ("jos\u{E9}@bsdly.com", "jose\u{301}@bsdly.com"),
        ("ab\u{37E}cd@bsdly.com", "ab;cd@bsdly.com"),
        ("xy\u{1FEF}z@bsdly.com", "xy`z@bsdly.com"),
        ("xy\u{1FEF}z@bsdly.com", "xy`z+tag@bsdly.com"),
    ])
    func mailToAnEqualSpellingIsToARealUser(_ listed: String, _ mailed: String) throws {
        for quickly in [true, false] {
            let book = try AddressBook.load(
                validFile: "lists/valid.txt", bytes: Array("peter@bsdly.com\n\(listed)\n".utf8), protectedFile: nil,
                domains: ["bsdly.com"], delimiters: "+", quickly: quickly)
            #expect(book.validity(of: mailed) != nil, "\(mailed) with \(listed) listed")
            let c = Classifier(domains: ["bsdly.com"], book: book, probeWindowDays: 7, harvestSenders: true)
            guard case .valid = c.classify(address: mailed) else {
                Issue.record("\(mailed) is \(c.classify(address: mailed)) with \(listed) listed")
                continue
            }
            let quick = quickClass(c, mailed)
            #expect(quick == .listed || quick == nil, "\(mailed): \(String(describing: quick))")
        }
    }
}
