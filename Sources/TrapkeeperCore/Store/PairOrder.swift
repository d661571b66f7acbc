import Foundation

/// A harvest's (host, address) hit pairs in the key order of the state's `host_hits` table and its hit lists: host text
/// (`IPAddress.description`), then address, both compared as SQLite's BINARY collation compares
/// text (bytes, a shorter prefix first). The merge walks these beside the stored rows read in
/// the same order, and writes the pairs in this order.
struct PairOrder {
    /// One pair: its key (where its host text and address key lie in `text`) and its hit times.
    fileprivate struct Entry {
        var ip: Range<Int32>
        var address: Range<Int32>
        /// The address's place among the paired addresses in byte order.
        var addressRank: Int32
        var first: Int64
        var last: Int64
        var lastNonVerifier: Int64?
    }
    /// Host texts and address keys, back to back.
    private let text: [UInt8]
    /// The pairs, in key order.
    private let entries: [Entry]

    /// Number of pairs.
    var count: Int { entries.count }

    init(_ harvest: borrowing HarvestState) {
        var text: [UInt8] = []
        // Each host's text and each paired address's key once, not once per pair.
        var hostSpan: [Range<Int32>?] = []
        hostSpan.reserveCapacity(harvest.hostCount)
        for h in 0..<harvest.hostCount {
            let start = Int32(text.count)
            text.append(contentsOf: harvest.hostKey(h).description.utf8)
            hostSpan.append(start..<Int32(text.count))
        }
        var addressSpan = [Range<Int32>?](repeating: nil, count: harvest.addressCount)
        var pairsOfHost = [Int](repeating: 0, count: harvest.hostCount)
        harvest.forEachPair { host, a, _, _, _ in
            pairsOfHost[host] += 1
            if addressSpan[a] == nil {
                let start = Int32(text.count)
                harvest.withAddressKey(a) { text.append(contentsOf: $0) }
                addressSpan[a] = start..<Int32(text.count)
            }
        }
        // Rank hosts and addresses by their bytes: the big sort then compares integers.
        func ranks(_ spans: [Range<Int32>?]) -> [Int] {
            var present = spans.indices.filter { spans[$0] != nil }
            text.withUnsafeBytes { all in
                func bytes(_ i: Int) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: all[Int(spans[i]!.lowerBound)..<Int(spans[i]!.upperBound)])
                }
                present.sort { PairOrder.compare(bytes($0), bytes($1)) < 0 }
            }
            var rank = [Int](repeating: 0, count: spans.count)
            for (r, i) in present.enumerated() { rank[i] = r }
            return rank
        }
        let hostRank = ranks(hostSpan)
        let addressRank = ranks(addressSpan)
        // Pairs bucketed by host rank (a counting sort, reading the pairs in memory order), then
        // each host's few pairs sorted by address rank.
        var bucketStart = [Int](repeating: 0, count: harvest.hostCount + 1)
        for h in 0..<harvest.hostCount { bucketStart[hostRank[h] + 1] = pairsOfHost[h] }
        for r in 0..<harvest.hostCount { bucketStart[r + 1] += bucketStart[r] }
        var fill = bucketStart
        var entries = [Entry](
            repeating: Entry(ip: 0..<0, address: 0..<0, addressRank: 0, first: 0, last: 0, lastNonVerifier: nil),
            count: harvest.pairCount)
        harvest.forEachPair { host, address, first, last, lastNonVerifier in
            let r = hostRank[host]
            entries[fill[r]] = Entry(
                ip: hostSpan[host]!, address: addressSpan[address]!, addressRank: Int32(addressRank[address]),
                first: first, last: last, lastNonVerifier: lastNonVerifier)
            fill[r] += 1
        }
        for r in 0..<harvest.hostCount where bucketStart[r + 1] - bucketStart[r] > 1 {
            entries[bucketStart[r]..<bucketStart[r + 1]].sort { $0.addressRank < $1.addressRank }
        }
        self.text = text
        self.entries = entries
    }

    /// The hit times of the pair at position `k`.
    func hits(_ k: Int) -> (first: Int64, last: Int64, lastNonVerifier: Int64?) {
        (entries[k].first, entries[k].last, entries[k].lastNonVerifier)
    }

    /// Calls `body` with a view of the pairs' keys (valid inside it only).
    func withKeys<R>(_ body: (Keys) throws -> R) rethrows -> R {
        try text.withUnsafeBytes { all in
            try entries.withUnsafeBufferPointer { entries in try body(Keys(text: all, entries: entries)) }
        }
    }

    /// The keys of the pairs, over memory borrowed for one `withKeys` call.
    struct Keys {
        fileprivate let text: UnsafeRawBufferPointer
        fileprivate let entries: UnsafeBufferPointer<Entry>

        /// The positions of the host whose pairs start at position `k` (empty past the end).
        func host(at k: Int) -> Range<Int> {
            guard k < entries.count else { return entries.count..<entries.count }
            var end = k + 1
            while end < entries.count, entries[end].ip == entries[k].ip { end += 1 }
            return k..<end
        }

        /// The host text of the pair at position `k`.
        func ip(_ k: Int) -> UnsafeRawBufferPointer { bytes(entries[k].ip) }
        /// The address key of the pair at position `k`.
        func address(_ k: Int) -> UnsafeRawBufferPointer { bytes(entries[k].address) }

        private func bytes(_ span: Range<Int32>) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: text[Int(span.lowerBound)..<Int(span.upperBound)])
        }

        /// The pair at position `k` against the stored key (`ip`, `address`): negative when it
        /// sorts before it, 0 when it is the same key, positive after.
        func compare(_ k: Int, ip: UnsafeRawBufferPointer, address: UnsafeRawBufferPointer) -> Int {
            let c = PairOrder.compare(self.ip(k), ip)
            return c != 0 ? c : PairOrder.compare(self.address(k), address)
        }
    }

    /// SQLite's BINARY collation: `memcmp` over the common length, then the shorter first.
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let c = memcmp(pa, pb, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }
}
