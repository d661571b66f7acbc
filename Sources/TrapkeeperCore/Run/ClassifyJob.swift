import Foundation

/// One input of a classify run: a file and the source it came from.
public struct ClassifyInput: Sendable {
    public var source: String
    public var path: String
    public var format: SourceFormat
    public init(source: String, path: String, format: SourceFormat) {
        self.source = source
        self.path = path
        self.format = format
    }
}

/// Parses inputs, classifies every line into a `Harvest`, and (unless dry-run) merges it into
/// the state in one transaction.
public enum ClassifyJob {
    public struct Outcome {
        public var reports: [ParseReport]
        public var harvest: Harvest
    }

    public static func run(
        _ inputs: [ClassifyInput], workspace ws: Workspace, now: Int64, dryRun: Bool, reporter: Reporter
    ) throws -> Outcome {
        let harvest = Harvest(classifier: ws.classifier, now: now)
        var reports: [ParseReport] = []
        for input in inputs {
            var parser = DumpParser(source: input.source, format: input.format, now: now, logTimeZone: ws.config.logTimeZone)
            let file = input.path
            let report: ParseReport
            harvest.beginInput(source: input.source, file: file)
            do {
                report = try parser.parse(path: input.path) { record in
                    harvest.add(record)
                }
            } catch let e as ParseError {
                throw JobFailure(.cannotRun, e.description)
            }
            for line in report.rejectLines { reporter.warn(line) }
            if report.rejected > report.firstRejects.count {
                reporter.warn("source '\(input.source)': \(file): \(report.rejected) lines rejected in all (first \(report.firstRejects.count) shown)")
            }
            reporter.progress(report.description)
            reports.append(report)
        }
        for m in harvest.malformedExamples { reporter.warn(m) }
        if !dryRun {
            try ws.store.merge(harvest)
        }
        return Outcome(reports: reports, harvest: harvest)
    }
}

/// Plans, guards and writes the published lists, then records what was published.
public enum PublishJob {
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
            keepPreviousHosts: keepPreviousHosts)
        let verdict = PublicationGuard(config: ws.config.guards).check(plan)
        for w in verdict.warnings { reporter.warn("warning: \(w)") }
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
            try Publisher(config: ws.config).write(plan)
        } catch let e as PublishError {
            throw JobFailure(.cannotRun, "cannot publish: \(e)")
        } catch let e as ConfigError {
            throw JobFailure(.cannotRun, "config error: \(e)")
        }
        try ws.store.recordPublished(
            traps: Set(plan.traps), hosts: Set(plan.hosts.map(\.description)), audit: plan.audit, at: now)
        return Outcome(plan: plan, guardVerdict: verdict, written: true)
    }
}
