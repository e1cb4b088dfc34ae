import Tracker

/// How a run's attempts read: each one and the epoch it started from.
enum AttemptText {
    /// `#1 from scratch, #2 from epoch 3`; with each one's host when they were not all on one.
    static func each(_ attempts: [AttemptRecord]) -> String {
        let hosts = Set(attempts.compactMap(\.host)).count > 1
        return attempts.map { a in
            "#\(a.attempt) " + (a.resumedFromEpoch == 0 ? "from scratch" : "from epoch \(a.resumedFromEpoch)")
                + (hosts ? a.host.map { " on \($0)" } ?? "" : "")
        }.joined(separator: ", ")
    }

    /// `2 (from 0, 3)`: how many, and the epoch each started from.
    static func short(_ attempts: [AttemptRecord]) -> String {
        "\(attempts.count) (from \(attempts.map { String($0.resumedFromEpoch) }.joined(separator: ", ")))"
    }
}
