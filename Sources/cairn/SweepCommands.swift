import ArgumentParser
import Determinism
import Engine
import Foundation
import Planner
import Scheduler
import Tracker

/// Options shared by `sweep` and `run`.
struct ScheduleOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override or sweep a key (train.lr=0.1 or train.lr=0.1,0.01). Repeatable.", valueName: "key=value"))
    var overrides: [String] = []
    @Option(help: "Runs at once (default: the number of cores).") var workers: Int?
    @Option(help: "Times to retry a run whose process fails (exits non-zero, is killed or times out).") var retries = 0
    @Option(help: ArgumentHelp("Longest a run's process may take: 90, 90s, 10m, 2h. It gets SIGTERM, then SIGKILL.", valueName: "duration"))
    var timeout: String?
    @Option(help: ArgumentHelp("Directory of the IDX files for fashion-mnist or mnist.", valueName: "dir")) var dataDir: String?
    @Flag(help: "Train again runs that already have a result.") var rerun = false
    @Flag(help: "Plan and report what would run; start nothing.") var dryRun = false
    @Flag(help: "End stdout with one JSON object of the results, on its own line.") var json = false
    @OptionGroup var store: StoreOptions

    func timeoutSeconds() throws -> Double? {
        guard let t = timeout else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (u, f) in units where t.hasSuffix(u) {
            if let v = Double(t.dropLast(u.count)), v > 0 { return v * f }
        }
        if let v = Double(t), v > 0 { return v }
        throw Failure.badInput("--timeout \(t): expected a duration such as 90, 90s, 10m or 2h")
    }
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Plan a sweep, skip runs that already have a result, and run the rest, each in its own process.",
        discussion: """
            Every run is recorded in the store (runs/ by default) with its metrics, checkpoints and log. \
            Running a sweep again trains nothing that already completed (or diverged: the same spec \
            diverges the same way); interrupted or failed runs are run again. Ctrl-C stops launching \
            and ends the running runs (a second Ctrl-C kills them); run the same command to resume.

            Examples:
              cairn sweep sweeps/quickstart.yaml
              cairn sweep sweeps/quickstart.yaml --workers 1 --retries 2 --timeout 10m
              cairn sweep sweeps/fashion-lr-width.yaml --set train.epochs=3 --json
            """)

    @Argument(help: "A sweep file (or an experiment file, with --set values to sweep).") var file: String
    @OptionGroup var options: ScheduleOptions

    func run() throws { try SweepDriver(file: file, options: options).run() }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "One tracked run of an experiment, through the scheduler (its own process, recorded in the store).",
        discussion: """
            Examples:
              cairn run experiments/quickstart.yaml
              cairn run experiments/quickstart.yaml --set train.lr=0.003 --json
            """)

    @Argument(help: "The experiment file.") var experiment: String
    @OptionGroup var options: ScheduleOptions

    func run() throws {
        try guarded {
            do { _ = try Experiment.load(experiment, overrides: options.overrides) } catch let e as ConfigErrors {
                throw Failure.badInput(e.errors.map(\.description).joined(separator: "\nerror: "))
            }
        }
        try SweepDriver(file: experiment, options: options).run()
    }
}

/// `cairn exec <hash>`: what the scheduler starts for each run.
struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train one recorded run (the scheduler starts this; not for people).", shouldDisplay: false)
    @Argument var hash: String
    @Option var attempt = 1
    @Option var dataDir: String?
    @OptionGroup var store: StoreOptions

    /// The scheduler's own command line (`exec HASH [--attempt N] [--store DIR] [--data-dir DIR]`),
    /// run without ArgumentParser; false for anything else, which then goes the usual way.
    static func fastPath(_ args: [String]) throws -> Bool {
        guard let hash = args.first, !hash.hasPrefix("-") else { return false }
        var attempt = 1, store: String?, dataDir: String?
        var i = 1
        while i + 1 < args.count {
            switch args[i] {
            case "--attempt": guard let n = Int(args[i + 1]) else { return false }; attempt = n
            case "--store": store = args[i + 1]
            case "--data-dir": dataDir = args[i + 1]
            default: return false
            }
            i += 2
        }
        guard i == args.count else { return false }
        try perform(hash: hash, attempt: attempt, store: store, dataDir: dataDir)
        return true
    }

    func run() throws { try Exec.perform(hash: hash, attempt: attempt, store: store.directory, dataDir: dataDir) }

    static func perform(hash: String, attempt: Int, store directory: String?, dataDir: String?) throws {
        do {
            let tracker = try StoreOptions.open(directory)
            // The scheduler passes whole hashes (a missing run is reported by `execute`).
            let full = hash.count == 64 ? hash : try tracker.resolve(hash)
            let status = try RunProcess.execute(hash: full, store: tracker, attempt: attempt,
                                                dataDirectory: dataDir ?? ProcessInfo.processInfo.environment["CAIRN_DATA_DIR"])
            print("run \(hash.prefix(12)): \(status.rawValue)")
            // The result is durable (the log is fsynced): the process ends here, without closing
            // the store's connections, stopping the lease's timer or tearing down the runtime,
            // which took 1-4 ms that the next run on this worker waited for. SQLite needs no
            // close after reads, and the lease is the scheduler's to remove.
            fflush(nil)
            _exit(0)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
