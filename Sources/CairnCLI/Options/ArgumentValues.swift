import ArgumentParser
import Tracker

/// A length of time on the command line: 90, 90s, 10m, 2h, 500ms.
struct TimeLimit: ExpressibleByArgument, Sendable {
    let seconds: Double

    init?(argument: String) {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (u, f) in units where argument.hasSuffix(u) {
            guard let v = Double(argument.dropLast(u.count)), v > 0 else { return nil }
            seconds = v * f
            return
        }
        guard let v = Double(argument), v > 0 else { return nil }
        seconds = v
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
