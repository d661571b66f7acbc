import Testing

@testable import TrapkeeperCore

/// `ValidAddresses` keeps addresses by their bytes, as the rules compare them: two spellings
/// Swift's `String` calls equal (canonically equivalent: `é` as one character or as `e` and a
/// combining accent, U+1FEF GREEK VARIA and `` ` ``) are two addresses, each with its line, and
/// printing the list shows both.
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
}
