/// The real mailboxes of the generated site: `first.last@domain`, the same for every seed, so
/// `trapkeeper-gen valid --count N` lists exactly the users `dump --valid-count N` writes to.
struct ValidUsers {
    let domains: [[UInt8]]
    let count: Int

    init(domains: [String], count: Int) {
        self.domains = domains.map { Array($0.lowercased().utf8) }
        self.count = count
    }

    /// Writes the local part of user `k` into `out` (cleared first).
    ///
    /// `k → (first, last)` is a bijection on 0..<4096 (64 × 64 names); higher `k` get a
    /// numeric suffix, so every user is distinct.
    func localPart(_ k: Int, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let firsts = Vocabulary.firstNames
        let lasts = Vocabulary.lastNames
        let n = firsts.count
        let f = k % n
        let l = (k / n % lasts.count + f) % lasts.count
        out.append(contentsOf: firsts[f])
        out.append(46)
        out.append(contentsOf: lasts[l])
        let round = k / (n * lasts.count)
        if round > 0 { out.append(contentsOf: Array(String(round + 1).utf8)) }
    }

    func domain(_ k: Int) -> [UInt8] {
        domains[k % domains.count]
    }

    /// The valid-address file: a comment header, the users (every seventh written with capitals,
    /// to exercise case-insensitive matching), then `*@domain` for each catch-all domain.
    func write(to w: ByteWriter, catchAll: [String]) throws {
        w.string("# real mailboxes and aliases, written by trapkeeper-gen valid --count \(count)")
        try w.newline()
        var local: [UInt8] = []
        for k in 0..<count {
            localPart(k, into: &local)
            if k % 7 == 3 {
                w.bytes(local, caseMask: Self.capitalMask(local))
            } else {
                w.bytes(local)
            }
            w.byte(64)
            w.bytes(domain(k))
            try w.newline()
        }
        for d in catchAll {
            w.string("*@" + d.lowercased())
            try w.newline()
        }
    }

    /// Upper-cases the first letter and the one after each dot: `Alice.Smith`.
    static func capitalMask(_ local: [UInt8]) -> UInt64 {
        var mask: UInt64 = 1
        for (i, b) in local.enumerated() where b == 46 && i + 1 < 64 { mask |= 1 << UInt64(i + 1) }
        return mask
    }
}
