import ArgumentParser

/// Options shared by `sweep` and `run`.
struct ScheduleOptions: ParsableArguments {
    @OptionGroup var overrides: OverrideOptions
    @Option(help: "Runs at once (default: the number of cores).") var workers: Int?
    @Option(help: "Times to retry a run whose process fails (exits non-zero, is killed or times out).") var retries = 0
    @Option(help: ArgumentHelp("Longest a run's process may take: 90, 90s, 10m, 2h. It gets SIGTERM, then SIGKILL.", valueName: "duration"))
    var timeout: TimeLimit?
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var data: DataOptions
    @Flag(help: "Train again runs that already have a result.") var rerun = false
    @Flag(help: "Plan and report what would run; start nothing.") var dryRun = false
    @Flag(help: "End stdout with one JSON object of the results, on its own line.") var json = false
    @OptionGroup var store: StoreOptions
}
