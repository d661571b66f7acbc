import Synchronization

/// Rule 3b: a near-miss of a valid address is held, not a trap, until mail to it has come from
/// enough networks.
///
/// A correspondent who mistypes `peter@` as `petre@` writes from a legitimate server; trapping
/// the typo would list that server and trap the next person who makes the same slip. An unknown
/// address is a **near-miss** of a valid address when both are in the same domain, their local
/// parts (lower-cased, cut at the first recipient delimiter) are at Damerau–Levenshtein distance 1
/// (one character inserted, deleted, replaced, or two neighbours swapped), and both local parts
/// have at least `minLength` characters.
///
/// A near-miss is **held** until mail to it has come from `promoteNetworks` distinct networks
/// (an IPv4 /24 or an IPv6 /48 each); its promotion time is the first mail from the last of those
/// networks. From then on it is a trap, and only hits at or after the promotion time count.
public struct NearMissRule: Sendable {
    public static let defaultMinLength = 5
    public static let defaultPromoteNetworks = 3

    public let minLength: Int
    public let promoteNetworks: Int
    let delimiters: Set<Character>
    /// `variant@domain` → the valid base local parts whose one-deletion neighbourhood holds it.
    /// A local part is in its own neighbourhood. Two strings at distance 1 always share a
    /// variant (symmetric deletion), so a lookup of the unknown local part's variants finds
    /// every candidate; `distance` then confirms. Built at the first lookup the quick check
    /// lets through (`NearMissIndex`): a night without a possible near-miss never builds it.
    private let index: NearMissIndex
    /// A quick "surely none" for `resembles`, from the bytes (`NearMissQuickCheck`).
    private let quick: NearMissQuickCheck
    /// The most characters a valid base local part of `minLength` or more has (0: none). A
    /// local part longer by two or more is at distance 2 or more from all of them: `resembles`
    /// answers nil without the rule's variants, which grow with the square of the length.
    private let longestLocal: Int

    public init(book: AddressBook, minLength: Int, promoteNetworks: Int) {
        self.minLength = minLength
        self.promoteNetworks = promoteNetworks
        let delimiters = Set(book.delimiters.map { Character(Unicode.Scalar($0)) })
        self.delimiters = delimiters
        let valid = book.valid.keys
        index = NearMissIndex {
            var index: [String: [Substring]] = [:]
            for address in valid {
                NearMissRule.forEachIndexKey(of: address, delimiters: delimiters, minLength: minLength) { key, local in
                    index[key, default: []].append(local)
                }
            }
            return index
        }
        quick = NearMissQuickCheck(valid: valid, delimiters: book.delimiters, minLength: minLength)
        longestLocal = valid.reduce(0) { longest, address in
            guard let at = address.lastIndex(of: "@") else { return longest }
            let n = NearMissRule.base(address[..<at], delimiters: delimiters).count
            return n >= minLength ? max(longest, n) : longest
        }
    }

    /// Calls `body` with every key the index holds for the valid address `address`
    /// (`variant@domain` for its base local part and each one character shorter) and that base
    /// local part; nothing when the base local part is shorter than `minLength`.
    static func forEachIndexKey(
        of address: String, delimiters: Set<Character>, minLength: Int, _ body: (String, Substring) -> Void
    ) {
        guard let at = address.lastIndex(of: "@") else { return }
        let local = base(address[..<at], delimiters: delimiters)
        guard local.count >= minLength else { return }
        let domain = address[address.index(after: at)...]
        for v in variants(local) { body("\(v)@\(domain)", local) }
    }

    /// The valid address `address` is a near-miss of (the first in byte order when several are),
    /// or nil. `address` is normalised (lower-case, no brackets) and not valid itself.
    public func resembles(_ address: String) -> String? {
        if quick.surelyNone(address) { return nil }
        if let at = address.lastIndex(of: "@"),
            NearMissRule.base(address[..<at], delimiters: delimiters).count > longestLocal + 1
        {
            return nil
        }
        return resemblesByTheRule(address)
    }

    /// `resembles` by the rule alone, without the quick check (the definition; tests compare).
    func resemblesByTheRule(_ address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = NearMissRule.base(address[..<at], delimiters: delimiters)
        guard local.count >= minLength else { return nil }
        let domain = address[address.index(after: at)...]
        return index.withIndex { index in
            var found: [Substring] = []
            for v in NearMissRule.variants(local) {
                for candidate in index["\(v)@\(domain)"] ?? [] where NearMissRule.distance(local, candidate) == 1 {
                    found.append(candidate)
                }
            }
            return found.min().map { "\($0)@\(domain)" }
        }
    }

    /// What the networks that mailed a near-miss say: when it was promoted (nil: still held)
    /// and how many networks so far. `networks`: each network's first mail to the address.
    public func promotion(networks: [String: Int64]) -> (promotedAt: Int64?, networks: Int) {
        let firsts = networks.values.sorted()
        guard firsts.count >= promoteNetworks else { return (nil, firsts.count) }
        return (firsts[promoteNetworks - 1], firsts.count)
    }

    /// The network a host counts for: its /24 (IPv4) or /48 (IPv6).
    public static func network(of ip: IPAddress) -> String {
        CIDR(address: ip, prefix: ip.isIPv4 ? 24 : 48).description
    }

    /// The local part cut at the first recipient delimiter.
    static func base(_ local: Substring, delimiters: Set<Character>) -> Substring {
        guard let i = local.firstIndex(where: { delimiters.contains($0) }), i != local.startIndex else { return local }
        return local[..<i]
    }

    /// The string itself and every string one character shorter.
    static func variants(_ s: Substring) -> Set<String> {
        var out: Set<String> = [String(s)]
        let chars = Array(s)
        for i in chars.indices {
            var c = chars
            c.remove(at: i)
            out.insert(String(c))
        }
        return out
    }

    /// Optimal-string-alignment Damerau–Levenshtein distance (insert, delete, replace, swap of
    /// two neighbours), by characters.
    static func distance(_ a: Substring, _ b: Substring) -> Int {
        let x = Array(a)
        let y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}

/// The near-miss index, built once, at its first use, from whichever thread asks first.
final class NearMissIndex: Sendable {
    private let build: @Sendable () -> [String: [Substring]]
    private let built = Mutex<[String: [Substring]]?>(nil)

    init(_ build: @escaping @Sendable () -> [String: [Substring]]) { self.build = build }

    func withIndex<R>(_ body: ([String: [Substring]]) -> R) -> R {
        let index = built.withLock { built in
            if built == nil { built = build() }
            return built!
        }
        return body(index)
    }
}

extension NearMissRule {
    /// Rule 3b applied to a publish-time decision `d` of one stored address, with the networks
    /// that mailed it: a held near-miss is not a trap; a promoted one is, with its rule named.
    /// `publishedBefore`: trapkeeper published the address earlier; a SPAMTRAP line for it is
    /// then a copy of that list fed back into spamd, not an operator's choice, and does not keep
    /// it from being held.
    public func decide(
        _ d: TrapDecision, address: String, roles: AddressRoles, networks: [String: Int64], publishedBefore: Bool
    ) -> TrapDecision {
        guard d.isTrap, !roles.contains(.spamtrap) || publishedBefore, let valid = resembles(address) else { return d }
        let p = promotion(networks: networks)
        guard let t = p.promotedAt else {
            return TrapDecision(
                isTrap: false,
                rule: "rule 3b, held: near-miss of valid \(valid) (\(p.networks) of \(promoteNetworks) networks so far)"
            )
        }
        return TrapDecision(
            isTrap: true,
            rule:
                "rule 4, trap: near-miss of valid \(valid), promoted at \(TimeText.utc(t)) after mail from \(promoteNetworks) networks"
        )
    }
}
