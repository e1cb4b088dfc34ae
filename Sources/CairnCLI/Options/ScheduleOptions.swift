import ArgumentParser
import Planner

/// Options shared by `sweep` and `run`.
struct ScheduleOptions: ParsableArguments {
    @OptionGroup var overrides: OverrideOptions
    @Option(help: "Runs at once (default: the number of cores). Local only: on Slurm the queue and --array-throttle pace the runs.")
    var workers: Int?
    @Option(help: "Times to retry a run whose process fails (exits non-zero, is killed or times out).") var retries = 0
    @Option(
        help: ArgumentHelp(
            "Longest a run's process may take: 90, 90s, 10m, 2h. It gets SIGTERM, then SIGKILL. With Slurm: sbatch --time, per run (default: executor.time).",
            valueName: "duration"))
    var timeout: TimeLimit?
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var data: DataOptions
    @Flag(help: "Train again runs that already have a result.") var rerun = false
    @Flag(help: "Plan and report what would run; start nothing.") var dryRun = false
    @Flag(help: "End stdout with one JSON object of the results, on its own line.") var json = false
    @OptionGroup var cluster: ExecutorOptions
    @OptionGroup var store: StoreOptions
}

extension ExecutorBlock.Kind: ExpressibleByArgument {}

/// `--executor` and how runs are submitted to Slurm; each overrides the sweep file's
/// `executor:` block (see `ExecutorBlock`).
struct ExecutorOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            """
            Where runs train: local (processes on this machine) or slurm (job arrays on the cluster, each run a task \
            running `cairn exec`; the store, the data and this cairn binary must be on a filesystem the nodes share). \
            Default: the sweep file's executor.type, else local.
            """, valueName: "local|slurm"))
    var executor: ExecutorBlock.Kind?
    @Option(help: ArgumentHelp("Slurm partition (default: executor.partition, else the cluster's default).", valueName: "name"))
    var partition: String?
    @Option(
        name: .customLong("array-throttle"),
        help: ArgumentHelp("At most K runs of a job array at once (sbatch --array=…%K; default: executor.throttle).", valueName: "K"))
    var throttle: Int?
    @Option(
        name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp("One more sbatch argument, repeatable: --sbatch-arg=--qos=long.", valueName: "arg"))
    var sbatchArguments: [String] = []
    @Flag(help: "With Slurm: submit, print the job ids and exit. Run the same command again to follow the jobs and report.")
    var detach = false

    func validate() throws {
        if let throttle, throttle < 1 { throw ValidationError("--array-throttle must be at least 1, not \(throttle)") }
    }

    /// The options that mean something only to Slurm, as given.
    var slurmOnly: [String] {
        (partition != nil ? ["--partition"] : []) + (throttle != nil ? ["--array-throttle"] : [])
            + (sbatchArguments.isEmpty ? [] : ["--sbatch-arg"]) + (detach ? ["--detach"] : [])
    }
}
