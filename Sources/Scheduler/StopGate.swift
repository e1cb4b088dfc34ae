import Planner
import Tracker
import Vocabulary

/// Early termination's decisions over what the index knows: every planned run's status and
/// its history of the sweep's metric, handed to the plan's rule (`Stopping.Rule`), which is
/// a pure function of them.
public struct StopGate: Sendable {
    public let rule: Stopping.Rule
    let position: [String: Int]

    public init(rule: Stopping.Rule) {
        self.rule = rule
        position = Dictionary(rule.hashes.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The run's place in the plan (runs outside it go last).
    func order(_ hash: String) -> Int { position[hash] ?? Int.max }

    /// Each run's state as the rule sees it.
    /// `failedEnded`: whether a failed run counts as ended (false when this invocation is
    /// about to run the failed ones again).
    public func states(_ tracker: Tracker, failedEnded: Bool = true) throws -> [Stopping.RunState] {
        let records = Dictionary(try tracker.runs(rule.hashes).map { ($0.hash, $0) }, uniquingKeysWith: { a, _ in a })
        let history = try tracker.history(runs: rule.hashes, keys: [rule.metric])
        let sign = rule.goal.maximizes ? -1.0 : 1.0
        return rule.hashes.map { hash in
            let points = (history[hash]?[rule.metric] ?? []).filter { $0.scope == .epoch }
            let epochs = points.map(\.epoch).max() ?? 0
            var values = [Double](repeating: .infinity, count: epochs)
            for p in points where p.epoch >= 1 { values[p.epoch - 1] = p.value.map { $0 * sign } ?? .infinity }
            let status = records[hash]?.status
            return Stopping.RunState(
                epochs: epochs, values: values, ended: status == .completed || status == .diverged || (failedEnded && status == .failed))
        }
    }

    public func decisions(_ tracker: Tracker, failedEnded: Bool = true) throws -> [String: Stopping.Decision] {
        Dictionary(zip(rule.hashes, rule.decide(try states(tracker, failedEnded: failedEnded))), uniquingKeysWith: { a, _ in a })
    }
}
