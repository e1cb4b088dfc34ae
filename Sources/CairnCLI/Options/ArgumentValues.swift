import ArgumentParser
import Tracker
import Vocabulary

/// A length of time on the command line: 90, 90s, 10m, 2h, 500ms.
struct TimeLimit: ExpressibleByArgument, Sendable {
    let seconds: Double

    init?(argument: String) {
        guard let s = DurationText.seconds(argument) else { return nil }
        seconds = s
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension RunStatus: ExpressibleByArgument {
    /// `--status`: the message names the value and every status.
    static func parse(_ text: String) throws -> RunStatus {
        guard let v = RunStatus(rawValue: text) else {
            throw ValidationError("--status \(text): expected one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}

/// `--aggregate seed`: runs that differ only in their seeds as one row per group.
enum Aggregation: String, ExpressibleByArgument, CaseIterable { case seed }
