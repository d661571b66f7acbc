import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One input of a classify run: a file and the source it came from.
public struct ClassifyInput: Sendable {
    public var source: String
    public var path: String
    public var format: SourceFormat
    /// The file name messages and evidence give (default: `path`); a fetched body is parsed
    /// where it landed but named after where it is kept.
    public var name: String
    public init(source: String, path: String, format: SourceFormat, name: String? = nil) {
        self.source = source
        self.path = path
        self.format = format
        self.name = name ?? path
    }
}

/// Parses inputs, classifies every line into a `Harvest`, and (unless dry-run) merges it into
/// the state in one transaction.
public enum ClassifyJob {
    public struct Outcome {
        public var reports: [ParseReport]
        public var harvest: Harvest
    }

    /// - preparsed: inputs already parsed on their own (the nightly run parses each fetched body
    ///   once, to judge it), by source name; they are merged instead of parsed again.
    public static func run(
        _ inputs: [ClassifyInput], workspace ws: Workspace, now: Int64, dryRun: Bool, reporter: Reporter,
        preparsed: [String: (harvest: Harvest, report: ParseReport)] = [:]
    ) throws -> Outcome {
        tkTick("classify: start")
        // The stored rows the merge compares with are read while the dumps are parsed.
        let stored = dryRun || !ws.store.readAheadEnabled ? nil : ws.store.readAhead()
        let harvest = Harvest(classifier: ws.classifier, now: now, keepsPairs: !dryRun)
        var reports: [ParseReport] = []
        for input in inputs {
            let file = input.name
            let report: ParseReport
            if let p = preparsed[input.source] {
                harvest.absorb(p.harvest, lineOffset: 0)
                report = p.report
            } else {
                report = try parseInput(input, into: harvest, workspace: ws, now: now)
            }
            for line in report.rejectLines { reporter.warn(line) }
            if report.rejected > report.firstRejects.count {
                reporter.warn(
                    "source '\(input.source)': \(file): \(report.rejected) lines rejected in all, \(report.senderRejected) of them records whose helo/sender/recipient could not be read (first \(report.firstRejects.count) shown)"
                )
            }
            reporter.progress(report.description)
            reports.append(report)
        }
        for m in harvest.malformedExamples { reporter.warn(m) }
        tkTick("classify: parsed and classified")
        if !dryRun {
            for w in try ws.store.merge(harvest, readAhead: stored) { reporter.warn(w) }
            try ws.store.pruneHistory(before: now - Int64(ws.config.historyDays) * 86_400)
        }
        tkTick("classify: merged into the state")
        return Outcome(reports: reports, harvest: harvest)
    }
}

extension ClassifyJob {
    /// Files at least this large are split into chunks parsed on all cores.
    public static let parallelThreshold: Int64 = 16 << 20

    static func parseInput(
        _ input: ClassifyInput, into harvest: Harvest, workspace ws: Workspace, now: Int64,
        parallelThreshold: Int64 = ClassifyJob.parallelThreshold, parts: Int? = nil
    ) throws -> ParseReport {
        let file = input.path
        harvest.beginInput(source: input.source, file: input.name)
        var st = stat()
        let size: Int64 =
            file != "-" && stat(file, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : 0
        let cores = parts ?? min(8, ProcessInfo.processInfo.activeProcessorCount)
        guard size >= parallelThreshold, cores > 1 else {
            var parser = DumpParser(
                source: input.source, format: input.format, now: now, logTimeZone: ws.config.logTimeZone)
            do {
                let fd: Int32 = file == "-" ? 0 : open(file, O_RDONLY)
                guard fd >= 0 else {
                    throw ParseError(
                        source: input.source, file: input.name,
                        message: "cannot open: \(String(cString: strerror(errno)))")
                }
                defer { if fd != 0 { close(fd) } }
                // One exclusive access to the harvest for the whole parse. At `linesExpire` the
                // parser is about to reuse the bytes its records point into: the harvest applies
                // the records it still holds (RawRecord's contract).
                return try harvest.filling { state in
                    try parser.parse(
                        fd: fd, name: input.name, requireFinalNewline: file == "-",
                        linesExpire: { state.drain() }, { state.add($0) })
                }
            } catch let e as ParseError {
                throw JobFailure(.cannotRun, e.description)
            }
        }
        let format = input.format == .auto ? DumpParser.detectFormat(path: file) : input.format
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else {
            throw JobFailure(
                .cannotRun, "source '\(input.source)': \(file): cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let ranges = chunkRanges(fd: fd, size: size, parts: cores)
        let harvests = (0..<ranges.count).map { i in
            i == 0 ? harvest : Harvest(classifier: ws.classifier, now: now, keepsPairs: harvest.keepsPairs)
        }
        for h in harvests.dropFirst() { h.beginInput(source: input.source, file: input.name) }
        // Each chunk numbers its lines from 1; merging shifts its line numbers (evidence,
        // rejects, probes) by the lines of the chunks before it, so the result is exactly one
        // pass's. Chunks start at line starts, so a chunk's lines are its own.
        let results = ChunkResults(count: ranges.count)
        let zone = ws.config.logTimeZone
        DispatchQueue.concurrentPerform(iterations: ranges.count) { i in
            var parser = DumpParser(source: input.source, format: format, now: now, logTimeZone: zone)
            results.set(
                i,
                Result {
                    try harvests[i].filling { state in  // as in the one-chunk case above
                        try parser.parse(
                            fd: fd, name: input.name, range: ranges[i], linesExpire: { state.drain() },
                            { state.add($0) })
                    }
                })
        }
        tkTick("classify: chunks parsed")
        var report = try results.get(0)
        report.format = format
        var linesBefore = report.lines
        for i in 1..<ranges.count {
            let r = try results.get(i)
            harvest.absorb(harvests[i], lineOffset: linesBefore)
            report.absorb(r, lineOffset: linesBefore)
            linesBefore += r.lines
        }
        return report
    }

    /// Splits a file into `parts` byte ranges that each start at a line start.
    static func chunkRanges(fd: Int32, size: Int64, parts: Int) -> [Range<Int64>] {
        var cuts: [Int64] = [0]
        var probe = [UInt8](repeating: 0, count: 65536)
        for k in 1..<parts {
            var pos = size * Int64(k) / Int64(parts)
            guard pos > cuts.last! else { continue }
            // advance to just after the next newline
            var found = false
            while pos < size && !found {
                let n = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(pos)) }
                if n <= 0 { break }
                if let i = probe[0..<n].firstIndex(of: 10) {
                    pos += Int64(i - 0) + 1
                    found = true
                } else {
                    pos += Int64(n)
                }
            }
            if found && pos < size { cuts.append(pos) }
        }
        cuts.append(size)
        return (0..<(cuts.count - 1)).map { cuts[$0]..<cuts[$0 + 1] }
    }

    /// The parse report (or error) of each chunk, set by the chunks' threads.
    ///
    /// `@unchecked Sendable`: mutable state shared by threads. It holds because every access
    /// to `results` takes `lock`.
    final class ChunkResults: @unchecked Sendable {
        private var results: [Result<ParseReport, Error>?]
        private let lock = NSLock()
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ r: Result<ParseReport, Error>) {
            lock.lock()
            results[i] = r
            lock.unlock()
        }
        func get(_ i: Int) throws -> ParseReport {
            lock.lock()
            let result = results[i]!
            lock.unlock()
            do {
                return try result.get()
            } catch let e as ParseError {
                throw JobFailure(.cannotRun, e.description)
            }
        }
    }
}

/// Plans, guards and writes the published lists, then records what was published.
public enum PublishJob {
    /// A publish of its own, as `trapkeeper publish` and the commands that change what is listed
    /// (`delist`, `relist`) run it: recorded as a run, the valid list checked, the guards applied,
    /// and the hosts of a source that is down kept (`Workspace.sourcesInOutage`). The caller
    /// holds the run lock.
    public static func republish(
        workspace ws: Workspace, command: String, now: Int64, force: Bool, dryRun: Bool, reporter: Reporter
    ) throws -> Outcome {
        let runID = try ws.store.beginRun(command: command, now: now)
        do {
            try ws.checkValidListSize(runID: runID)
            let down = try ws.sourcesInOutage()
            if !down.isEmpty {
                reporter.progress(
                    "sources down since their last fetch: \(down.joined(separator: ", ")); every host published last time stays published"
                )
            }
            let o = try run(
                workspace: ws, now: now, force: force, keepPreviousHosts: !down.isEmpty, dryRun: dryRun,
                reporter: reporter)
            try ws.store.finishRun(
                id: runID, exitCode: 0, traps: o.plan.traps.count, hosts: o.plan.hosts.count, validCount: nil,
                message: nil)
            return o
        } catch let f as JobFailure {
            try? ws.store.finishRun(
                id: runID, exitCode: Int(f.status.rawValue), traps: nil, hosts: nil, validCount: nil, message: f.message
            )
            throw f
        }
    }

    public struct Outcome {
        public var plan: PublishPlan
        public var guardVerdict: PublicationGuard.Verdict
        public var written: Bool
    }

    public static func run(
        workspace ws: Workspace, now: Int64, force: Bool, keepPreviousHosts: Bool, dryRun: Bool, reporter: Reporter
    ) throws -> Outcome {
        let plan = try PublishPlan.make(
            store: ws.store, classifier: ws.classifier, hostRule: ws.hostRule(now: now), now: now,
            keepPreviousHosts: keepPreviousHosts, nearMiss: ws.nearMissRule(),
            withdrawnKeepDays: ws.config.withdrawnKeepDays)
        let published: PublishedLists
        do {
            published = try PublishedLists.read(publishDir: ws.config.publishDir)
        } catch let e as PublishError {
            throw JobFailure(.cannotRun, "cannot check the published lists: \(e)")
        }
        if let first = plan.firewallOnlyTraps.first {
            reporter.warn(
                "warning: \(plan.firewallOnlyTraps.count) address(es) are SPAMTRAP entries on a firewall but not traps here, e.g. \(first.address) (\(first.rule)): spamd there still traps whoever mails them, and its TRAPPED entries may list their correspondents. Remove them on the firewalls (spamdb -T -d ADDRESS), or let the sync script do it from spamtraps-withdrawn.txt"
            )
        }
        let verdict = PublicationGuard(config: ws.config.guards).check(
            plan, published: published, stateIsNew: try !ws.store.hasPublished())
        for w in verdict.warnings { reporter.warn("warning: \(w)") }
        for w in HostListExports(config: ws.config).warnings(plan) { reporter.warn("warning: \(w)") }
        if !verdict.refusals.isEmpty && !force {
            let msg =
                verdict.refusals.map { "guard: \($0)" }.joined(separator: "\n")
                + "\nnothing published; the previous lists stay in place. Check the sources and the state (trapkeeper status), then re-run with --force if the change is real."
            throw JobFailure(.guardRefused, msg)
        }
        if !verdict.refusals.isEmpty {
            for r in verdict.refusals { reporter.warn("guard overridden by --force: \(r)") }
        }
        if dryRun {
            return Outcome(plan: plan, guardVerdict: verdict, written: false)
        }
        do {
            let site = try SiteFacts.load(store: ws.store, plan: plan, hostRule: ws.hostRule(now: now))
            try Publisher(config: ws.config).write(plan, site: site)
        } catch let e as PublishError {
            throw JobFailure(.cannotRun, "cannot publish: \(e)")
        } catch let e as ConfigError {
            throw JobFailure(.cannotRun, "config error: \(e)")
        }
        try ws.store.recordPublished(added: plan.added, removed: plan.removed, audit: plan.audit, at: now)
        try ws.store.recordNearMisses(plan.nearMisses, networks: plan.nearMissNetworks)
        return Outcome(plan: plan, guardVerdict: verdict, written: true)
    }
}
