import ArgumentParser

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Plan a sweep, skip runs that already have a result, and run the rest, each in its own process.",
        discussion: """
            Every run is recorded in the store (runs/ by default) with its metrics, checkpoints and log. \
            Running a sweep again trains nothing that already completed (or diverged: the same spec \
            diverges the same way); interrupted or failed runs are run again, from the end of the last \
            epoch they completed. Runs another cairn is training are followed until they finish, and \
            taken over if it dies. Ctrl-C stops launching and ends the running runs (a second Ctrl-C \
            kills them); run the same command to resume. Exit 0 means every run has a result.

            With --executor slurm (or the sweep file's executor block) the runs are Slurm job \
            arrays, one task per run; the store, the data and this cairn must be on a filesystem \
            the nodes share. Ctrl-C cancels the tasks; --detach leaves them queued, and the same \
            command later re-attaches to them, submitting nothing twice.

            A sweep file's early_terminate (W&B's hyperband rule, or mode: brackets for Hyperband) \
            pauses runs at its bands or rungs and stops the ones behind, the same ones at any \
            --workers; a stopped run is a result, and a sweep that needs more of its epochs resumes it.

            Examples:
              cairn sweep sweeps/quickstart.yaml
              cairn sweep sweeps/quickstart.yaml --workers 1 --retries 2 --timeout 10m
              cairn sweep sweeps/fashion-lr-width.yaml --set train.epochs=3 --json
              cairn sweep sweeps/fashion-budget-brackets.yaml
              cairn sweep sweeps/fashion-lr-width.yaml --executor slurm --partition gpu --timeout 30m --detach
            """)

    @Argument(help: "A sweep file (or an experiment file, with --set values to sweep).") var file: String
    @OptionGroup var options: ScheduleOptions

    func run() throws { try SweepSession(file: file, options: options).run() }
}
