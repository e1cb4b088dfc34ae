import Determinism
import Tracker

/// Seed groups (`--aggregate seed`) as a terminal table.
enum SeedGroupTable {
    static func text(_ s: SeedGroup.Stats) -> String { Table.decimal(s.mean) + (s.std.map { " ± " + Table.decimal($0) } ?? "") }

    /// n, the params that vary between groups, each metric's final and best as mean ± std.
    static func table(_ groups: [SeedGroup], metrics: [String]) -> (header: [String], rows: [[String]]) {
        let keys = JSONValue.varyingKeys(groups.map(\.params))
        let header = ["n"] + keys.map { String($0.split(separator: ".").last!) } + metrics.flatMap { [$0, "\($0).best"] }
        let rows = groups.map { g in
            [String(g.runs.count)] + keys.map { g.params[$0].map(Table.cell) ?? "" }
                + metrics.flatMap { m in
                    [g.final(m), g.best(m)].map { s in s.map { text($0) + ($0.n < g.runs.count ? " [\($0.n)]" : "") } ?? "-" }
                }
        }
        return (header, rows)
    }

    /// The line under a table of groups.
    static func caption(_ groups: [SeedGroup], runs: Int) -> String {
        "\(groups.count) group\(groups.count == 1 ? "" : "s") of \(runs) runs (mean ± std over seeds)"
    }
}
