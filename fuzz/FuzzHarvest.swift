import Foundation

// libFuzzer entry point comparing the fast harvest with its definition (built by fuzz/run, not
// by SwiftPM). Every input is a file, a spamdb dump or spamd log by its first line; the engine
// (`Harvest`) harvests it the way `ClassifyJob.parseInput` does — in one pass, and in
// line-aligned chunks merged with `absorb` — and `ReferenceHarvest` harvests the same parser's
// records. Any difference in counts, malformed examples, addresses, hosts or callback incidents
// traps, with the difference in words. AddressSanitizer watches the engine's raw memory.
#if canImport(Glibc)
import Glibc
#endif

/// bsdly.com, bsdly.net and a catch-all domain; a few real users; a ±7-day probe window.
private let classifier: Classifier = {
    var book = AddressBook(delimiters: "+-")
    for a in ["peter@bsdly.net", "alice@bsdly.com", "bob.smith@bsdly.net", "*@catchall.example"] {
        book.addValid(a)
    }
    return Classifier(
        domains: ["bsdly.com", "bsdly.net", "catchall.example"], book: book, probeWindowDays: 7,
        harvestSenders: true)
}()

/// The seed corpus's time (the spamd.log of August 2017).
private let now: Int64 = 1_503_150_000

/// One file per process, rewritten for every input: the chunked path reads it with `pread`.
private let inputFile: Int32 = {
    var template = Array("\(NSTemporaryDirectory())/fuzz-harvest-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { fatalError("mkstemp failed") }
    unlink(String(cString: template))  // gone when the process ends; the descriptor keeps it
    return fd
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHarvest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let fd = inputFile
    guard ftruncate(fd, 0) == 0, pwrite(fd, data, size, 0) == size else { fatalError("cannot write the input file") }
    var reference = ReferenceHarvest(classifier: classifier, now: now)
    reference.beginInput(source: "fuzz", file: "input")
    _ = parse(fd, format: .auto, range: nil) { reference.add(ParsedRecord($0)) }

    // One pass, as a file below the parallel threshold: the harvest keeps pointers into the
    // parser's buffer until `linesExpire`. The format is told by the first line.
    let onePass = Harvest(classifier: classifier, now: now)
    onePass.beginInput(source: "fuzz", file: "input")
    let format = parse(fd, format: .auto, range: nil, into: onePass).format
    if let d = reference.firstDifference(from: onePass) {
        fatalError("engine in one pass (\(format)) differs from the reference: \(d)")
    }

    // Chunks cut at line starts, each parsed in the format of the whole into its own harvest,
    // absorbed with line offsets.
    let parts = 2 + size % 3
    let chunked = Harvest(classifier: classifier, now: now)
    chunked.beginInput(source: "fuzz", file: "input")
    var linesBefore = 0
    for (i, range) in chunkRanges(UnsafeBufferPointer(start: data, count: size), parts: parts).enumerated() {
        let part = i == 0 ? chunked : Harvest(classifier: classifier, now: now)
        if i > 0 { part.beginInput(source: "fuzz", file: "input") }
        let lines = parse(fd, format: format, range: range, into: part).lines
        if i > 0 { chunked.absorb(part, lineOffset: linesBefore) }
        linesBefore += lines
    }
    if let d = reference.firstDifference(from: chunked) {
        fatalError("engine in \(parts) chunks (\(format)) differs from the reference: \(d)")
    }
    checkHitLists(chunked, UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// The state's hit lists (`HitList`) for this input's hosts: each host's night, ordered by
/// `PairOrder`, encodes to a list that decodes to the same hits; merged into a stored list of
/// the same addresses (older and newer times, every other one left out) the walk gives what the
/// definition (`HitList.merged`) gives. The input's own bytes, read as a stored list, are
/// refused or decode to a list in order that re-encodes to itself.
private func checkHitLists(_ harvest: Harvest, _ input: UnsafeRawBufferPointer) {
    harvest.reading { state in
        let pairs = PairOrder(state)
        pairs.withKeys { keys in
            var group = keys.host(at: 0)
            var encoded: [UInt8] = []
            var merged: [UInt8] = []
            while !group.isEmpty {
                let night: [HitList.Hit] = group.map { k in
                    let h = keys.hits(k)
                    return HitList.Hit(
                        address: Array(keys.address(k)), first: h.first, last: h.last,
                        lastNonVerifier: h.lastNonVerifier)
                }
                func hit(_ k: Int) -> HitList.Night {
                    let h = keys.hits(group.lowerBound + k)
                    return (keys.address(group.lowerBound + k), h.first, h.last, h.lastNonVerifier)
                }
                do {
                    _ = try HitList.merge(stored: nil, count: group.count, night: hit, into: &encoded)
                    guard try HitList.decode(encoded) == night else {
                        fatalError(
                            "hit list of \(String(decoding: keys.ip(group.lowerBound), as: UTF8.self)) does not round-trip"
                        )
                    }
                    let stored = night.enumerated().compactMap { i, h -> HitList.Hit? in
                        guard i % 2 == 0 else { return nil }
                        return HitList.Hit(
                            address: h.address, first: h.first &+ (i % 4 == 0 ? 1 : -1), last: h.last &- 1,
                            lastNonVerifier: i % 3 == 0 ? nil : h.last)
                    }
                    let storedValue = HitList.encode(stored)
                    let changed = try storedValue.withUnsafeBytes {
                        try HitList.merge(stored: $0, count: group.count, night: hit, into: &merged)
                    }
                    let want = try HitList.decode(HitList.encode(HitList.merged(stored, night)))
                    if changed {
                        guard try HitList.decode(merged) == want else {
                            fatalError("hit list merge differs from the definition")
                        }
                    } else {
                        guard stored == want else { fatalError("hit list merge missed a change") }
                    }
                } catch {
                    fatalError("a hit list the engine wrote is refused: \(error)")
                }
                group = keys.host(at: group.upperBound)
            }
        }
    }
    if let hits = try? HitList.decode(Array(input)) {
        guard (try? HitList.decode(HitList.encode(hits))) == hits else {
            fatalError("a decoded hit list does not re-encode")
        }
    }
}

/// Parses the input file (all of it, read from the start, or `range` with `pread`).
private func parse(
    _ fd: Int32, format: SourceFormat, range: Range<Int64>?, linesExpire: () -> Void = {},
    _ handler: (RawRecord) -> Void
) -> ParseReport {
    if range == nil { lseek(fd, 0, SEEK_SET) }
    var parser = DumpParser(source: "fuzz", format: format, now: now, logTimeZone: TimeZone(identifier: "UTC")!)
    do {
        return try parser.parse(fd: fd, name: "input", range: range, linesExpire: linesExpire, handler)
    } catch {
        fatalError("parser threw on a file: \(error)")
    }
}

/// Parses into an engine harvest as `ClassifyJob` does: it keeps pointers into the parser's
/// buffer until `linesExpire`, which drains it.
private func parse(_ fd: Int32, format: SourceFormat, range: Range<Int64>?, into harvest: Harvest) -> ParseReport {
    let expire = { harvest.drain() }
    return parse(fd, format: format, range: range, linesExpire: expire) { harvest.add($0) }
}

/// `ClassifyJob.chunkRanges` on bytes in memory: `parts` ranges, each starting at a line start.
private func chunkRanges(_ bytes: UnsafeBufferPointer<UInt8>, parts: Int) -> [Range<Int64>] {
    var cuts = [0]
    for k in 1..<parts {
        let pos = bytes.count * k / parts
        guard pos > cuts.last!, let nl = bytes[pos...].firstIndex(of: 10), nl + 1 < bytes.count else { continue }
        if nl + 1 > cuts.last! { cuts.append(nl + 1) }
    }
    cuts.append(bytes.count)
    return (0..<(cuts.count - 1)).map { Int64(cuts[$0])..<Int64(cuts[$0 + 1]) }
}
