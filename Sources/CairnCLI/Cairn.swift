import ArgumentParser
import Foundation

/// The `cairn` command: every subcommand is its own file under `Commands/`, errors become
/// messages and exit codes in `ErrorReport`, and terminal concerns live under `Terminal/`.
public struct Cairn: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "Reproducible experiment tracking and hyperparameter sweeps, with bit-for-bit deterministic training.",
        discussion: """
            Describe a model and its training in an experiment file (YAML), and Cairn trains it on its own \
            deterministic SIMD engine: the same file gives the same bytes, on any machine.

            Start here:
              cairn train experiments/quickstart.yaml
              cairn sweep sweeps/quickstart.yaml
              cairn ls --sort val_accuracy --limit 5
              cairn compare --sweep <sweep hash>
              cairn reproduce <run hash>
            """,
        subcommands: [
            SweepCommand.self, RunCommand.self, TrainCommand.self, PlanCommand.self, ListCommand.self, ShowCommand.self,
            CompareCommand.self, DiffCommand.self, ReproduceCommand.self, TagCommand.self, RemoveCommand.self,
            VerifyCommand.self, GCCommand.self, ExportCommand.self, ImportCommand.self, ExecCommand.self, IngestCommand.self,
            UICommand.self,
        ])

    public init() {}

    /// Parses and runs the command line; never returns.
    public static func run(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        do {
            var command = try parseQuickly(arguments) ?? parseAsRoot(arguments)
            try command.run()
            fflush(nil)
            Foundation.exit(0)
        } catch {
            ErrorReport.exit(for: error)
        }
    }

    /// The subcommand named first, parsed by its own declaration alone: ArgumentParser then
    /// reflects over that one command rather than all of them, which is most of a short
    /// process's parsing time (`cairn exec` starts once per run, `cairn ls` many times a
    /// minute). It accepts exactly what that declaration accepts — it is the same parser — and
    /// anything it does not take (help, an error, no subcommand) goes the full way, so
    /// messages read the same. A test holds the two to the same results.
    static func parseQuickly(_ arguments: [String]) -> ParsableCommand? {
        guard let name = arguments.first,
            let type = configuration.subcommands.first(where: { $0._commandName == name }),
            !arguments.contains(where: { ["-h", "--help", "-help", "help", "--version", "--experimental-dump-help"].contains($0) })
        else { return nil }
        return try? type.parseAsRoot(Array(arguments.dropFirst()))
    }
}

extension CommandLine {
    /// This executable's absolute path, for starting `cairn exec`.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
