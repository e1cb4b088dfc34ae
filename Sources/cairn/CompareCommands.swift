import ArgumentParser
import Determinism
import Foundation
import Tracker

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Two runs side by side: config differences, metric deltas by epoch, whether their checkpoints match.",
        discussion: """
            Examples:
              cairn diff 3f2a9c1b 7d51f6a2
              cairn diff 3f2a9c1b 7d51f6a2 --json
            """)

    @Argument(help: "The first run (hash or unique prefix).") var a: String
    @Argument(help: "The second run (hash or unique prefix).") var b: String
    @Flag(help: "Print the differences as one JSON object.") var json = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        try guarded {
            let tracker = try store.open()
            let ha = try StoreOptions.resolve(a, in: tracker), hb = try StoreOptions.resolve(b, in: tracker)
            let rows = try tracker.runs([ha, hb])
            let pa = (try? JSONValue.parse(Array(rows[0].config.utf8)))?.flattened ?? [:]
            let pb = (try? JSONValue.parse(Array(rows[1].config.utf8)))?.flattened ?? [:]
            let keys = Set(pa.keys).union(pb.keys).sorted().filter { pa[$0] != pb[$0] }
            let history = try tracker.history(runs: [ha, hb])
            // Model metrics at epoch ends, compared epoch by epoch.
            func epochs(_ h: String) -> [String: [Int: Double]] {
                (history[h] ?? [:]).compactMapValues { points in
                    let e = points.filter { $0.scope == "epoch" && $0.kind == "model" }
                    return e.isEmpty ? nil : Dictionary(e.compactMap { p in p.value.map { (p.epoch, $0) } }, uniquingKeysWith: { a, _ in a })
                }
            }
            let ea = epochs(ha), eb = epochs(hb)
            var metricLines: [String] = [], firstDivergence: [String: JSONValue] = [:], finals: [String: JSONValue] = [:]
            for key in Set(ea.keys).union(eb.keys).sorted() where !key.hasPrefix("test_accuracy_class") {
                let xa = ea[key] ?? [:], xb = eb[key] ?? [:]
                let first = Set(xa.keys).union(xb.keys).sorted().first { xa[$0]?.bitPattern != xb[$0]?.bitPattern }
                let lastA = xa.keys.max().flatMap { xa[$0] }, lastB = xb.keys.max().flatMap { xb[$0] }
                func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
                let delta = (lastA != nil && lastB != nil) ? String(format: "%+.4f", lastB! - lastA!) : "-"
                metricLines.append("  \(key.padding(toLength: 16, withPad: " ", startingAt: 0)) \(f(lastA))  \(f(lastB))  \(delta)  "
                                   + (first.map { "first differs at epoch \($0)" } ?? "identical at every epoch"))
                if let first { firstDivergence[key] = .number(Double(first)) }
                finals[key] = ["a": lastA.map(JSONValue.number) ?? .null, "b": lastB.map(JSONValue.number) ?? .null]
            }
            let ca = try tracker.checkpoints(run: ha).filter { $0.kinds.contains("final") }.last?.object
            let cb = try tracker.checkpoints(run: hb).filter { $0.kinds.contains("final") }.last?.object
            let same = ca != nil && ca == cb
            if json {
                Terminal.line(JSONValue.object([
                    "a": .string(ha), "b": .string(hb),
                    "config": .object(Dictionary(uniqueKeysWithValues: keys.map { ($0, ["a": pa[$0] ?? .null, "b": pb[$0] ?? .null]) })),
                    "metrics": .object(finals), "first_divergence_epoch": .object(firstDivergence),
                    "checkpoints_identical": .bool(same),
                ]).canonical)
                return
            }
            var lines = ["a  \(ha)", "b  \(hb)", "", keys.isEmpty ? "config: identical" : "config"]
            for k in keys { lines.append("  \(k)  \(pa[k].map(Table.cell) ?? "-")  →  \(pb[k].map(Table.cell) ?? "-")") }
            lines += ["", "metrics (final)      a       b       b−a"] + metricLines
            lines += ["", same ? "final checkpoints: identical (\(ca!.prefix(16)))" : "final checkpoints: differ (\(ca.map { String($0.prefix(16)) } ?? "none") vs \(cb.map { String($0.prefix(16)) } ?? "none"))"]
            Terminal.line(lines.joined(separator: "\n"))
        }
    }
}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
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
    @Option(help: "All runs of this sweep (a sweep-hash prefix).") var sweep: String?
    @Option(help: "A metric to show (final and best). Repeatable; default: the accuracies and losses recorded.") var metric: [String] = []
    @Option(help: "table, markdown, csv or json.") var format: Format = .table
    @Option(help: "Group runs that differ only in their seeds: n and mean ± std per group.") var aggregate: Aggregation?
    @Option(help: ArgumentHelp("The metric to chart by epoch (table format only).", valueName: "metric")) var chart: String?
    @Flag(help: "No chart under the table.") var noChart = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        try guarded {
            let tracker = try store.open()
            guard !runs.isEmpty || sweep != nil else { throw Failure.badInput("name runs to compare, or --sweep S") }
            let rows: [RunRow]
            do {
                if let sweep {
                    rows = try tracker.runs(RunQuery(sweep: sweep))
                } else {
                    rows = try tracker.runs(RunQuery(hashes: try runs.map { try StoreOptions.resolve($0, in: tracker) }))
                }
            } catch let e as Tracker.StoreError { throw Failure.badInput(e.description) }
            let metrics = metric.isEmpty
                ? ["val_accuracy", "val_loss", "test_accuracy", "test_loss"].filter { m in rows.contains { $0.summaries[m] != nil } } : metric
            if aggregate != nil {
                let groups = SeedGroup.group(rows)
                if format == .json { Terminal.line(SeedGroup.json(groups, metrics: metrics).canonical); return }
                let (header, cells) = SeedGroup.table(groups, metrics: metrics)
                Compare.print(header: header, cells: cells, format: format)
                if format == .table { Terminal.line(SeedGroup.caption(groups, runs: rows.count)) }
                return
            }
            let keys = Table.varying(rows.map(\.params))
            let header = ["run"] + keys + metrics.flatMap { [$0, "\($0).best"] }
            let cells = rows.map { r in
                [String(r.record.hash.prefix(12))] + keys.map { r.params[$0].map(Table.cell) ?? "" }
                    + metrics.flatMap { m -> [String] in
                        let s = r.summaries[m]
                        return [s?.final.map { JSONValue.ecmaScriptString($0) } ?? "", s?.best(maximize: Metric.maximized(m)).map { JSONValue.ecmaScriptString($0) } ?? ""]
                    }
            }
            if format == .json {
                Terminal.line(JSONValue.array(rows.map { r in
                    ["hash": .string(r.record.hash), "params": .object(r.params.filter { keys.contains($0.key) }),
                     "metrics": .object(Dictionary(uniqueKeysWithValues: metrics.map { m in
                         (m, ["final": r.summaries[m]?.final.map(JSONValue.number) ?? .null,
                              "best": r.summaries[m]?.best(maximize: Metric.maximized(m)).map(JSONValue.number) ?? .null])
                     }))]
                }).canonical)
                return
            }
            Compare.print(header: header, cells: cells, format: format)
            if format == .table && !noChart, let charted = chart ?? metrics.first {
                Terminal.line("")
                Terminal.line(try Compare.chart(charted, of: rows, keys: keys, tracker: tracker).joined(separator: "\n"))
            }
        }
    }

    static func print(header: [String], cells: [[String]], format: Format) {
        switch format {
        case .table, .json: Terminal.line(Table.fit(header: header, rows: cells, width: Terminal.width))
        case .markdown:
            Terminal.line((["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
                           + cells.map { "| " + $0.joined(separator: " | ") + " |" }).joined(separator: "\n"))
        case .csv: Terminal.line(([header] + cells).map { $0.map(Export.csvField).joined(separator: ",") }.joined(separator: "\n"))
        }
    }

    /// The chart of one metric's curves by epoch (by step if it has no end-of-epoch values),
    /// for at most 8 runs: the best by the metric's final value when there are more.
    static func chart(_ metric: String, of rows: [RunRow], keys: [String], tracker: Tracker, limit: Int = 8) throws -> [String] {
        let maximize = Metric.maximized(metric)
        var picked = rows
        var title = metric
        if rows.count > limit {
            let ranked = rows.compactMap { r in r.summaries[metric]?.final.map { (row: r, key: maximize ? -$0 : $0) } }.sorted { $0.key < $1.key }
            picked = ranked.prefix(limit).map(\.row)
            title += "  (the \(picked.count) best of \(rows.count) runs)"
        }
        let history = try tracker.history(runs: picked.map(\.record.hash), keys: [metric])
        let byEpoch = picked.contains { (history[$0.record.hash]?[metric] ?? []).contains { $0.scope == "epoch" } }
        let series = picked.map { r in
            let points = (history[r.record.hash]?[metric] ?? []).filter { $0.scope == (byEpoch ? "epoch" : "step") }
                .compactMap { p in p.value.map { (x: Double(byEpoch ? p.epoch : p.step), y: $0) } }
            let label = ([String(r.record.hash.prefix(12))] + keys.map { k in "\(k.split(separator: ".").last!)=\(r.params[k].map(Table.cell) ?? "-")" })
                .joined(separator: "  ")
            return Chart.Series(label: label, points: points)
        }
        return Chart.render(title: title, xLabel: byEpoch ? "epoch" : "step", series: series, width: min(Terminal.width, 100), color: Chart.colorsWanted)
    }
}
