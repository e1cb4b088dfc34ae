import ArgumentParser
import Determinism
import Foundation
import Tracker

/// `--aggregate seed`: runs that differ only in their seeds, as one group each, with n and
/// mean ± standard deviation of each metric.
///
/// A seed is any param whose last name is `seed` or ends in `_seed` (`train.seed`,
/// `data.split_seed`): they change which random numbers a run draws, not what it is. The
/// deviation is the sample standard deviation (divided by n − 1), the usual one for "how much
/// does this vary from seed to seed"; a group of one run has none. Runs without a value for a
/// metric (failed ones) are left out of that metric's figures, which then say how many counted.
enum Aggregation: String, ExpressibleByArgument, CaseIterable { case seed }

struct SeedGroup {
    /// The params the group's runs share (every param but the seeds).
    let params: [String: JSONValue]
    let runs: [RunRow]

    struct Stats: Equatable {
        let n: Int
        let mean: Double
        /// nil for a single value.
        let std: Double?

        init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let n = values.count, mean = values.reduce(0, +) / Double(n)
            self.n = n
            self.mean = mean
            std = n > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot() : nil
        }

        var text: String { String(format: "%.4f", mean) + (std.map { String(format: " ± %.4f", $0) } ?? "") }
        var json: JSONValue { ["n": .number(Double(n)), "mean": .number(mean), "std": std.map(JSONValue.number) ?? .null] }
    }

    func final(_ metric: String) -> Stats? { Stats(runs.compactMap { $0.summaries[metric]?.final }) }
    func best(_ metric: String) -> Stats? { Stats(runs.compactMap { $0.summaries[metric]?.best(maximize: Metric.maximized(metric)) }) }

    static func isSeed(_ key: String) -> Bool {
        let leaf = key.split(separator: ".").last.map(String.init) ?? key
        return leaf == "seed" || leaf.hasSuffix("_seed")
    }

    /// Groups in the order their first run appears in `rows`.
    static func group(_ rows: [RunRow]) -> [SeedGroup] {
        var order: [String] = [], members: [String: [RunRow]] = [:], shared: [String: [String: JSONValue]] = [:]
        for r in rows {
            let params = r.params.filter { !isSeed($0.key) }
            let key = JSONValue.object(params).canonical
            if members[key] == nil { order.append(key); shared[key] = params }
            members[key, default: []].append(r)
        }
        return order.map { SeedGroup(params: shared[$0]!, runs: members[$0]!) }
    }

    /// Groups as a table: n, the params that vary between groups, each metric's final and best
    /// as mean ± std.
    static func table(_ groups: [SeedGroup], metrics: [String]) -> (header: [String], rows: [[String]]) {
        let keys = Table.varying(groups.map(\.params))
        let header = ["n"] + keys.map { String($0.split(separator: ".").last!) } + metrics.flatMap { [$0, "\($0).best"] }
        let rows = groups.map { g in
            [String(g.runs.count)] + keys.map { g.params[$0].map(Table.cell) ?? "" }
                + metrics.flatMap { m in [g.final(m), g.best(m)].map { s in s.map { $0.text + ($0.n < g.runs.count ? " [\($0.n)]" : "") } ?? "-" } }
        }
        return (header, rows)
    }

    /// The line under a table of groups.
    static func caption(_ groups: [SeedGroup], runs: Int) -> String {
        "\(groups.count) group\(groups.count == 1 ? "" : "s") of \(runs) runs (mean ± std over seeds)"
    }

    static func json(_ groups: [SeedGroup], metrics: [String]) -> JSONValue {
        .array(groups.map { g in
            ["params": .object(g.params), "n": .number(Double(g.runs.count)), "runs": .array(g.runs.map { .string($0.record.hash) }),
             "metrics": .object(Dictionary(uniqueKeysWithValues: metrics.map { m in
                 (m, ["final": g.final(m)?.json ?? .null, "best": g.best(m)?.json ?? .null])
             }))]
        })
    }
}

enum Metric {
    /// Losses are minimised; everything else (accuracies) maximised.
    static func maximized(_ name: String) -> Bool { !name.hasSuffix("loss") }
}
