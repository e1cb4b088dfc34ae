import Tracker

/// How a run's attempts read: each one and the epoch it started from.
enum AttemptText {
    /// `#1 from scratch, #2 from epoch 3 (host)`.
    static func each(_ attempts: [AttemptRecord]) -> String {
        attempts.map { a in
            "#\(a.attempt) " + (a.resumedFromEpoch == 0 ? "from scratch" : "from epoch \(a.resumedFromEpoch)")
                + (a.host.map { " on \($0)" } ?? "")
        }.joined(separator: ", ")
    }

    /// `2 (from 0, 3)`: how many, and the epoch each started from.
    static func short(_ attempts: [AttemptRecord]) -> String {
        "\(attempts.count) (from \(attempts.map { String($0.resumedFromEpoch) }.joined(separator: ", ")))"
    }
}
