import ArgumentParser
import Planner

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
        // One run: an override with several values is an error here, not a sweep.
        _ = try Experiment.load(experiment, overrides: options.overrides.values)
        try SweepSession(file: experiment, options: options).run()
    }
}
