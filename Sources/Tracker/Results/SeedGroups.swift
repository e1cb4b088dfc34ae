import Determinism
import Vocabulary

/// Runs that differ only in their seeds, as one group each, with n and mean ± standard
/// deviation of each metric: `--aggregate seed` in the CLI, seed groups in the dashboard.
///
/// A seed is any param whose last name is `seed` or ends in `_seed` (`train.seed`,
/// `data.split_seed`): they change which random numbers a run draws, not what it is. The
/// deviation is the sample standard deviation (divided by n − 1), the usual one for "how much
/// does this vary from seed to seed"; a group of one run has none. Runs without a value for a
/// metric (failed ones) are left out of that metric's figures, which then say how many counted.
///
///     let groups = SeedGroup.group(try tracker.runs(RunQuery(sweep: "8a87f2")))
///     groups[0].final("val_accuracy")?.mean
public struct SeedGroup: Sendable {
    /// The params the group's runs share (every param but the seeds).
    public let params: [String: JSONValue]
    public let runs: [RunRow]

    public struct Stats: Equatable, Sendable {
        public let n: Int
        public let mean: Double
        /// nil for a single value.
        public let std: Double?

        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let n = values.count
            let mean = values.reduce(0, +) / Double(n)
            self.n = n
            self.mean = mean
            std = n > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot() : nil
        }

        public var json: JSONValue { ["n": .number(Double(n)), "mean": .number(mean), "std": std.map(JSONValue.number) ?? .null] }
    }

    public func final(_ metric: String) -> Stats? { Stats(runs.compactMap { $0.summaries[metric]?.final }) }
    public func best(_ metric: String) -> Stats? { Stats(runs.compactMap { $0.summaries[metric]?.best }) }

    public static func isSeed(_ key: String) -> Bool {
        let leaf = key.split(separator: ".").last.map(String.init) ?? key
        return leaf == "seed" || leaf.hasSuffix("_seed")
    }

    /// Groups in the order their first run appears in `rows`.
    public static func group(_ rows: [RunRow]) -> [SeedGroup] {
        var order: [String] = []
        var members: [String: [RunRow]] = [:]
        var shared: [String: [String: JSONValue]] = [:]
        for r in rows {
            let params = r.params.filter { !isSeed($0.key) }
            let key = JSONValue.object(params).canonical
            if members[key] == nil {
                order.append(key)
                shared[key] = params
            }
            members[key, default: []].append(r)
        }
        return order.map { SeedGroup(params: shared[$0]!, runs: members[$0]!) }
    }

    /// Groups sorted by the mean final value of `metric`, best first under its goal; groups
    /// without it last.
    public static func sorted(_ groups: [SeedGroup], by metric: String) -> [SeedGroup] {
        let sign = Goal.of(metric).maximizes ? -1.0 : 1.0
        // Each group's key once, not at every comparison (10,000 groups: n log n means).
        let keys = groups.map { $0.final(metric).map { $0.mean * sign } ?? .infinity }
        return groups.indices.sorted { keys[$0] < keys[$1] }.map { groups[$0] }
    }

    /// The groups as JSON: params, n, the runs' hashes, and each metric's final and best stats.
    public static func json(_ groups: [SeedGroup], metrics: [String]) -> JSONValue {
        .array(
            groups.map { g in
                [
                    "params": .object(g.params), "n": .number(Double(g.runs.count)), "runs": .array(g.runs.map { .string($0.record.hash) }),
                    "metrics": .object(
                        Dictionary(
                            uniqueKeysWithValues: metrics.map { m in
                                (m, ["final": g.final(m)?.json ?? .null, "best": g.best(m)?.json ?? .null])
                            })),
                ]
            })
    }
}
