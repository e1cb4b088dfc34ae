import ArgumentParser
import Determinism
import Foundation
import Tracker
import Vocabulary

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs: the params that differ, chosen metrics (final and best), and a chart of a metric's curves.",
        discussion: """
            The table has one row per run and only the params that differ between them. Under it, \
            a line chart of one metric by epoch (--chart; default: the first metric shown) for up \
            to 8 runs: with more, the 8 best by that metric. Colours only on a terminal, and \
            never when NO_COLOR is set; each run also has its own marker.

            With --aggregate seed, runs that differ only in seeds (train.seed, data.split_seed, …) \
            are one row each: n, and mean ± standard deviation (n − 1) of each metric.

            Examples:
              cairn compare 3f2a9c1b 7d51f6a2 9990fa40
              cairn compare --sweep 8a87f2 --metric val_accuracy --metric test_loss --format markdown
              cairn compare --sweep 8a87f2 --chart val_loss
              cairn compare --sweep 8a87f2 --aggregate seed
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, markdown, csv, json }

    @Argument(help: "Runs (hashes or unique prefixes); or use --sweep.") var runs: [String] = []
    @Option(help: "All runs of this sweep (a sweep-hash prefix, or the sweep file).") var sweep: String?
    @Option(help: "A metric to show (final and best). Repeatable; default: the accuracies and losses recorded.") var metric: [String] = []
    @Option(help: "table, markdown, csv or json.") var format: Format = .table
    @Option(help: "Group runs that differ only in their seeds: n and mean ± std per group.") var aggregate: Aggregation?
    @Option(help: ArgumentHelp("The metric to chart by epoch (table format only).", valueName: "metric")) var chart: String?
    @Flag(help: "No chart under the table.") var noChart = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        let tracker = try store.open()
        guard !runs.isEmpty || sweep != nil else { throw CLIError("name runs to compare, or --sweep S") }
        let rows = try tracker.runs(
            try SweepArgument.hash(sweep).map { RunQuery(sweep: $0) } ?? RunQuery(hashes: try runs.map { try tracker.resolve($0) }))
        let metrics =
            metric.isEmpty
            ? [
                "val_accuracy", "val_rmse", "val_r2", "val_loss", "test_accuracy", "test_rmse", "test_r2", "test_loss",
                "test_worst_class_accuracy", "flops_total", "energy_joules", "energy_joules_estimate", "co2e_grams", "co2e_grams_estimate",
            ].filter { m in
                rows.contains { $0.summaries[m] != nil }
            } : metric
        if aggregate != nil {
            let groups = SeedGroup.group(rows)
            if format == .json {
                Terminal.line(SeedGroup.json(groups, metrics: metrics).canonical)
                return
            }
            let (header, cells) = SeedGroupTable.table(groups, metrics: metrics)
            Self.print(header: header, cells: cells, format: format)
            if format == .table { Terminal.line(SeedGroupTable.caption(groups, runs: rows.count)) }
            return
        }
        let keys = JSONValue.varyingKeys(rows.map(\.params))
        let header = ["run"] + keys + metrics.flatMap { [$0, "\($0).best"] }
        let cells = rows.map { r in
            [String(r.record.hash.prefix(12))] + keys.map { r.params[$0].map(Table.cell) ?? "" }
                + metrics.flatMap { m -> [String] in
                    let s = r.summaries[m]
                    return [s?.final.map { JSONValue.ecmaScriptString($0) } ?? "", s?.best.map { JSONValue.ecmaScriptString($0) } ?? ""]
                }
        }
        if format == .json {
            Terminal.line(
                JSONValue.array(
                    rows.map { r in
                        [
                            "hash": .string(r.record.hash), "params": .object(r.params.filter { keys.contains($0.key) }),
                            "metrics": .object(
                                Dictionary(
                                    uniqueKeysWithValues: metrics.map { m in
                                        (
                                            m,
                                            [
                                                "final": r.summaries[m]?.final.map(JSONValue.number) ?? .null,
                                                "best": r.summaries[m]?.best.map(JSONValue.number) ?? .null,
                                            ]
                                        )
                                    })),
                        ]
                    }
                ).canonical)
            return
        }
        Self.print(header: header, cells: cells, format: format)
        if format == .table && !noChart, let charted = chart ?? metrics.first {
            Terminal.line("")
            Terminal.line(try Self.chart(charted, of: rows, keys: keys, tracker: tracker).joined(separator: "\n"))
        }
    }

    static func print(header: [String], cells: [[String]], format: Format) {
        switch format {
        case .table, .json: Terminal.line(Table.fit(header: header, rows: cells, width: Terminal.width))
        case .markdown: Terminal.line(Table.markdown(header: header, rows: cells))
        case .csv: Terminal.line(Table.csv(header: header, rows: cells))
        }
    }

    /// The chart of one metric's curves by epoch (by step if it has no end-of-epoch values),
    /// for at most 8 runs: the best by the metric's final value when there are more.
    static func chart(_ metric: String, of rows: [RunRow], keys: [String], tracker: Tracker, limit: Int = 8) throws -> [String] {
        let maximize = Goal.of(metric).maximizes
        var picked = rows
        var title = metric
        if rows.count > limit {
            let ranked = rows.compactMap { r in r.summaries[metric]?.final.map { (row: r, key: maximize ? -$0 : $0) } }.sorted {
                $0.key < $1.key
            }
            picked = ranked.prefix(limit).map(\.row)
            title += "  (the \(picked.count) best of \(rows.count) runs)"
        }
        let history = try tracker.history(runs: picked.map(\.record.hash), keys: [metric])
        let byEpoch = picked.contains { (history[$0.record.hash]?[metric] ?? []).contains { $0.scope == .epoch } }
        let series = picked.map { r in
            let points = (history[r.record.hash]?[metric] ?? []).filter { $0.scope == (byEpoch ? .epoch : .step) }
                .compactMap { p in p.value.map { (x: Double(byEpoch ? p.epoch : p.step), y: $0) } }
            let label =
                ([String(r.record.hash.prefix(12))]
                + keys.map { k in "\(k.split(separator: ".").last!)=\(r.params[k].map(Table.cell) ?? "-")" })
                .joined(separator: "  ")
            return Chart.Series(label: label, points: points)
        }
        return Chart.render(
            title: title, xLabel: byEpoch ? "epoch" : "step", series: series, width: min(Terminal.width, 100), color: Terminal.colorsWanted)
    }
}
