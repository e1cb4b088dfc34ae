import ArgumentParser
import Foundation

/// The `cairn` command. Exit codes: 0 success; 1 a run or a check failed; 2 bad input of any
/// kind (config files, overrides, command-line usage); 130 interrupted.
@main
struct Cairn: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "Reproducible experiment tracking and hyperparameter sweeps, with bit-for-bit deterministic training.",
        discussion: """
            Describe a model and its training in an experiment file (YAML), and Cairn trains it on its own \
            deterministic SIMD engine: the same file gives the same bytes, on any machine.

            Start here:
              cairn train experiments/quickstart.yaml
              cairn train experiments/quickstart.yaml --set train.lr=0.01 --set model.hidden=[64,32]
              cairn plan sweeps/quickstart.yaml
            """,
        subcommands: [SweepCommand.self, RunCommand.self, Train.self, PlanCommand.self, List.self, Show.self, Compare.self, Diff.self, Reproduce.self, Tag.self, Remove.self, Verify.self, GC.self, Export.self, Import.self, Exec.self, Ingest.self])

    static func main() {
        // `cairn exec` is started once per run: parsing its fixed arguments by hand skips
        // ArgumentParser's reflection over every command, 14% of a short run's process.
        let args = Array(CommandLine.arguments.dropFirst())
        if args.first == "exec" {
            do { if try Exec.fastPath(Array(args.dropFirst())) { return } } catch { exit(withError: error) }
        }
        do {
            var command = try directCommand(args) ?? parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // Bad usage is bad input: exit 2 like a bad config file, not the parser's 64.
            if code.rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

extension Cairn {
    /// Commands people run many times a minute and that finish in milliseconds.
    static let direct: [String: ParsableCommand.Type] = ["ls": List.self, "show": Show.self, "compare": Compare.self, "diff": Diff.self]

    /// One of `direct`, parsed on its own: ArgumentParser then reflects over that command
    /// only, not all of them (4 of the ~45 ms `cairn ls` takes over 1,000 runs). Help and any
    /// parse error take the full path (nil here), so they read exactly the same.
    static func directCommand(_ args: [String]) -> ParsableCommand? {
        guard let name = args.first, let type = direct[name],
              !args.contains(where: { ["-h", "--help", "-help", "help", "--version"].contains($0) }) else { return nil }
        return try? type.parseAsRoot(Array(args.dropFirst()))
    }
}

/// A failure already explained to the user; carries the exit code.
struct Failure: Error, CustomStringConvertible {
    let message: String
    let code: Int32
    var description: String { message }

    static func badInput(_ message: String) -> Failure { Failure(message: message, code: 2) }
}

/// Runs `body`, turning known errors into one clear line on stderr and the right exit code.
func guarded(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as Failure {
        Terminal.error(e.message)
        throw ExitCode(e.code)
    } catch let e as ExitCode {
        throw e
    } catch {
        // Bad input is always reported as a Failure with code 2; anything else (a store that
        // cannot be written, a full disk) is a failure of the command: 1.
        Terminal.error(String(describing: error))
        throw ExitCode(1)
    }
}

enum Terminal {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }
    /// The terminal's width ($COLUMNS, else the tty's, else 80).
    static var width: Int {
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 20 { return c }
        var w = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 20 { return Int(w.ws_col) }
        return 80
    }

    /// One line on stdout, written at once (progress must show while a run trains).
    static func line(_ s: String) {
        FileHandle.standardOutput.write(Data((s + "\n").utf8))
    }
}
