import ArgumentParser
import Foundation
import TrapkeeperCore

@main
struct Trapkeeper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trapkeeper",
        abstract: "Harvest spamtraps from spamd greylists and publish them with the hosts that hit them.",
        discussion: """
            trapkeeper run fetches the greylist dumps and spamd logs the config names, finds the spamtrap \
            addresses of your domains, and publishes spamtraps.txt, traplist.pf, traplist.spamd and the pages \
            spamtraps.html, hosts.html and callbacks.html in publish_dir. Run it nightly from cron or from \
            the trapkeeper.timer systemd unit. Under cron a successful run prints nothing.

            Exit status: 0 every source fetched and parsed, lists published; 1 could not run (config error, \
            valid-address list missing, empty or much smaller than last run, state unreadable), nothing \
            published; 3 some sources failed, lists published from the rest (when every source failed, \
            nothing is rewritten); 4 a safety guard refused to publish, the previous lists stay (re-run \
            with --force if the change is real); 75 another run holds the lock.
            """,
        subcommands: [
            Run.self, Collect.self, Classify.self, Publish.self, Explain.self, Callbacks.self, Status.self, Delist.self,
            Relist.self, NearMisses.self, Aggregate.self,
        ])
}

struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "The TOML config file.")
    var config: String

    @Option(name: .long, help: "Current time as epoch seconds (re-processing, tests).")
    var now: Int64?

    var time: Int64 { now ?? Int64(Date().timeIntervalSince1970) }
}

/// Runs a command body and turns failures into the exit codes of cli.md.
func execute(_ body: () throws -> ExitStatus) throws {
    // A file-size limit (ulimit -f) must fail the write that crosses it — a named error, the
    // published set left whole — not kill the process with SIGXFSZ in the middle of a publish.
    signal(SIGXFSZ, SIG_IGN)
    keepFreedMemoryForTheRun()
    let status: ExitStatus
    do {
        status = try body()
    } catch let f as JobFailure {
        Console.error("trapkeeper: \(f.message)")
        throw ExitCode(f.status.rawValue)
    } catch let e as StoreError {
        Console.error("trapkeeper: \(e)")
        throw ExitCode(ExitStatus.cannotRun.rawValue)
    } catch let e as ConfigError {
        Console.error("trapkeeper: config error: \(e)")
        throw ExitCode(ExitStatus.cannotRun.rawValue)
    }
    if status != .ok { throw ExitCode(status.rawValue) }
}

/// Opens the workspace and prints its warnings (list entries outside the configured domains) on
/// stderr: every command that reads the lists says so, under cron too.
func openWorkspace(_ common: CommonOptions) throws -> Workspace {
    let ws = try Workspace.open(configPath: common.config)
    for w in ws.warnings { Console.error("trapkeeper: warning: \(w)") }
    return ws
}

/// Runs a command that publishes (`run`, `publish`, `delist`, `relist`) like `execute`, then
/// writes `metrics_file` (when configured and `metrics` is set: not for dry runs) whatever the
/// outcome — unless another run held the lock (exit 75): that run writes its own.
func executePublishing(_ common: CommonOptions, metrics: Bool, _ body: (Workspace) throws -> ExitStatus) throws {
    let started = Date()
    var config: Config?
    var workspace: Workspace?
    var status = ExitStatus.cannotRun
    defer {
        if metrics, status != .locked, let config {
            let run = RunMetrics.Run(exitCode: status, started: started, finished: Date())
            for w in RunMetrics.write(config: config, workspace: workspace, run: run) {
                Console.error("trapkeeper: warning: \(w)")
            }
        }
    }
    try execute {
        do {
            do {
                config = try Config.load(path: common.config)
            } catch let e as ConfigError {
                throw JobFailure(.cannotRun, "config error: \(e)")
            }
            let ws = try Workspace.open(config: config!)
            for w in ws.warnings { Console.error("trapkeeper: warning: \(w)") }
            workspace = ws
            status = try body(ws)
            return status
        } catch let f as JobFailure {
            status = f.status
            throw f
        }
    }
}

/// Opens the workspace (taking the run lock when the command writes), runs `body`, and maps
/// failures to exit codes like `execute`.
func withWorkspace(_ common: CommonOptions, locked: Bool, _ body: (Workspace) throws -> ExitStatus) throws {
    try execute {
        let ws = try openWorkspace(common)
        let lock = locked ? try RunLock(statePath: ws.config.statePath) : nil
        return try withExtendedLifetime(lock) { try body(ws) }
    }
}

/// Large results parked here are not freed one object at a time before the process exits
/// (freeing a 500 000-entry plan costs more than the OS reclaiming the pages).
nonisolated(unsafe) var keptUntilExit: [Any] = []

enum Console {
    static let isTerminal = isatty(2) == 1

    static func error(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    static func out(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    static func reporter(verbose: Bool = false) -> Reporter {
        let progress = isTerminal || verbose
        return Reporter(
            warn: { error($0) },
            progress: { s in if progress { error(s) } })
    }
}
