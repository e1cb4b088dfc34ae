import ArgumentParser
import Foundation
import Scheduler
import Tracker

/// `--store`, for every command that reads or writes a store.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"), help: ArgumentHelp("The store directory (default: $CAIRN_STORE, else runs).", valueName: "dir"))
    var directory: String?

    /// The rule for where the store is: `--store`, else `$CAIRN_STORE`, else `runs`.
    var path: String { directory ?? ProcessInfo.processInfo.environment["CAIRN_STORE"] ?? "runs" }

    /// Opens the store. Only the commands that record runs (`sweep`, `run`, `import`) create
    /// one; for every other command a path that holds no store is bad input (a typo must not
    /// leave an empty store behind).
    func open(create: Bool = false) throws -> Tracker {
        do { return try Tracker(directory: path, create: create) } catch let e as Tracker.StoreError {
            throw CLIError(e.description, code: create || FileManager.default.fileExists(atPath: "\(path)/cairn.sqlite") ? 1 : 2)
        }
    }
}

/// `--data-dir`, for every command that loads or hashes a data set.
struct DataOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Directory of the IDX files for fashion-mnist or mnist (default: $CAIRN_DATA_DIR, else /usr/share/datasets/fashion-mnist).",
            valueName: "dir"))
    var option: String?
}

/// `--threads`, for every command that trains.
struct ThreadOptions: ParsableArguments {
    @Option(
        name: .customLong("threads"),
        help: ArgumentHelp(
            """
            Threads each run trains with (default: $CAIRN_THREADS, else as many as the cores allow). Never more than \
            cores / runs at once: a sweep of at least as many runs as cores trains each on one thread, a single run on \
            every core. It changes no result and no hash.
            """, valueName: "n"))
    var option: Int?

    func validate() throws {
        if let option, option < 1 { throw ValidationError("--threads must be at least 1, not \(option)") }
    }

    /// `--threads`, else `$CAIRN_THREADS`.
    var requested: Int? { ThreadBudget.requested(option) }
}

/// `--set`, for every command that reads an experiment.
struct OverrideOptions: ParsableArguments {
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            """
            Override a key of the experiment: train.lr=0.01, model.hidden=[128,64]. Where runs are planned (plan, sweep), \
            several values sweep it: train.lr=0.1,0.01, train.seed='range(0,3)', model.activation='choice(relu,tanh)'. Repeatable.
            """, valueName: "key=value"))
    var values: [String] = []
}
