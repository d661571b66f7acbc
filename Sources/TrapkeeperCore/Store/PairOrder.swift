import Foundation

/// A harvest's (host, address) hit pairs in the key order of the state's `host_hits` table and its hit lists: host text
/// (`IPAddress.description`), then address, both compared as SQLite's BINARY collation compares
/// text (bytes, a shorter prefix first). The merge walks these beside the stored rows read in
/// the same order, and writes the pairs in this order.
struct PairOrder {
    /// One pair: its host and address (indexes into the spans below) and its hit times, 32
    /// bytes (a night's pairs are many: 5 M for ten 1 M-line dumps). The times are copied here,
    /// in one pass in the harvest's order: read from the harvest in key order instead, each was
    /// a cache miss in the merge (steady merge of 508 692 pairs +60 ms). The harvest's own pair
    /// record (`Int64.min` as last non-verifier: none).
    fileprivate typealias Entry = HarvestState.PairStat
    /// Host texts and address keys, back to back.
    private let text: [UInt8]
    /// Where each host's text lies in `text` (by host index; empty for a host without pairs).
    private let hostSpan: [Range<Int32>]
    /// Where each paired address's key lies in `text` (by address index).
    private let addressSpan: [Range<Int32>]
    /// The pairs, in key order.
    private let entries: [Entry]

    /// Number of pairs.
    var count: Int { entries.count }

    init(_ harvest: borrowing HarvestState) {
        var text: [UInt8] = []
        // Each host's text and each paired address's key once, not once per pair. Hosts without
        // a pair (only sightings, only TRAPPED) take no part.
        var hostSpan = [Range<Int32>](repeating: 0..<0, count: harvest.hostCount)
        var addressSpan = [Range<Int32>](repeating: 0..<0, count: harvest.addressCount)
        var hasHost = [Bool](repeating: false, count: harvest.hostCount)
        var hasAddress = [Bool](repeating: false, count: harvest.addressCount)
        var pairsOfHost = [Int](repeating: 0, count: harvest.hostCount)
        harvest.forEachPairRecord { host, a, _, _, _ in
            pairsOfHost[host] += 1
            if !hasHost[host] {
                hasHost[host] = true
                let start = Int32(text.count)
                text.append(contentsOf: harvest.hostKey(host).description.utf8)
                hostSpan[host] = start..<Int32(text.count)
            }
            if !hasAddress[a] {
                hasAddress[a] = true
                let start = Int32(text.count)
                harvest.withAddressKey(a) { text.append(contentsOf: $0) }
                addressSpan[a] = start..<Int32(text.count)
            }
        }
        // Rank hosts and addresses by their bytes: the big sort then compares integers.
        func ranks(_ spans: [Range<Int32>], _ present: [Bool]) -> [Int32] {
            var order = spans.indices.filter { present[$0] }
            text.withUnsafeBytes { all in
                func bytes(_ i: Int) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: all[Int(spans[i].lowerBound)..<Int(spans[i].upperBound)])
                }
                order.sort { PairOrder.compare(bytes($0), bytes($1)) < 0 }
            }
            var rank = [Int32](repeating: -1, count: spans.count)
            for (r, i) in order.enumerated() { rank[i] = Int32(r) }
            return rank
        }
        let hostRank = ranks(hostSpan, hasHost)
        let addressRank = ranks(addressSpan, hasAddress)
        // Pairs bucketed by host rank (a counting sort, reading the pairs in memory order), then
        // each host's few pairs sorted by address rank.
        var bucketStart = [Int](repeating: 0, count: harvest.hostCount + 1)
        for h in 0..<harvest.hostCount where hasHost[h] { bucketStart[Int(hostRank[h]) + 1] = pairsOfHost[h] }
        for r in 0..<harvest.hostCount { bucketStart[r + 1] += bucketStart[r] }
        var fill = bucketStart
        var entries = [Entry](
            repeating: Entry(host: 0, address: 0, first: 0, last: 0, lastNonVerifier: .min),
            count: harvest.pairRecordCount)
        harvest.forEachPairRecord { host, address, first, last, lastNonVerifier in
            let r = Int(hostRank[host])
            entries[fill[r]] = Entry(
                host: Int32(host), address: Int32(address), first: first, last: last, lastNonVerifier: lastNonVerifier)
            fill[r] += 1
        }
        for r in 0..<harvest.hostCount where bucketStart[r + 1] - bucketStart[r] > 1 {
            entries[bucketStart[r]..<bucketStart[r + 1]].sort {
                addressRank[Int($0.address)] < addressRank[Int($1.address)]
            }
        }
        // A pair's records (one per harvest absorbed since it was indexed) are now side by
        // side: folded into one, first = min, last = max, last non-verifier = max.
        var kept = 0
        for k in entries.indices {
            let e = entries[k]
            if kept > 0, entries[kept - 1].host == e.host, entries[kept - 1].address == e.address {
                entries[kept - 1].fold(e)
            } else {
                entries[kept] = e
                kept += 1
            }
        }
        entries.removeLast(entries.count - kept)
        self.text = text
        self.hostSpan = hostSpan
        self.addressSpan = addressSpan
        self.entries = entries
    }

    /// Calls `body` with a view of the pairs' keys (valid inside it only).
    func withKeys<R>(_ body: (Keys) throws -> R) rethrows -> R {
        try text.withUnsafeBytes { all in
            try hostSpan.withUnsafeBufferPointer { hostSpan in
                try addressSpan.withUnsafeBufferPointer { addressSpan in
                    try entries.withUnsafeBufferPointer { entries in
                        try body(Keys(text: all, hostSpan: hostSpan, addressSpan: addressSpan, entries: entries))
                    }
                }
            }
        }
    }

    /// The keys of the pairs, over memory borrowed for one `withKeys` call.
    struct Keys {
        fileprivate let text: UnsafeRawBufferPointer
        fileprivate let hostSpan: UnsafeBufferPointer<Range<Int32>>
        fileprivate let addressSpan: UnsafeBufferPointer<Range<Int32>>
        fileprivate let entries: UnsafeBufferPointer<Entry>

        /// The positions of the host whose pairs start at position `k` (empty past the end).
        func host(at k: Int) -> Range<Int> {
            guard k < entries.count else { return entries.count..<entries.count }
            var end = k + 1
            while end < entries.count, entries[end].host == entries[k].host { end += 1 }
            return k..<end
        }

        /// The hit times of the pair at position `k`.
        func hits(_ k: Int) -> (first: Int64, last: Int64, lastNonVerifier: Int64?) {
            let e = entries[k]
            return (e.first, e.last, e.lastNonVerifier == .min ? nil : e.lastNonVerifier)
        }

        /// The host text of the pair at position `k`.
        func ip(_ k: Int) -> UnsafeRawBufferPointer { bytes(hostSpan[Int(entries[k].host)]) }
        /// The address key of the pair at position `k`.
        func address(_ k: Int) -> UnsafeRawBufferPointer { bytes(addressSpan[Int(entries[k].address)]) }

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
