import ArgumentParser
import Determinism
import Foundation
import Tracker
import Vocabulary

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List runs: short hash, status, the params that vary, final and best metrics.",
        discussion: """
            Examples:
              cairn ls
              cairn ls --sweep 8a87f2 --sort val_accuracy --limit 5
              cairn ls --sort val_loss --order desc
              cairn ls --where 'train.lr < 0.01 and val_accuracy >= 0.9' --status completed --json
              cairn ls --where 'tag = "baseline"'
              cairn ls --sweep 8a87f2 --aggregate seed --sort val_accuracy
            """)

    @Option(help: "Only runs of this sweep (a sweep-hash prefix, or the sweep file).") var sweep: String?
    @Option(
        help: ArgumentHelp(
            "Only runs with this status (planned, queued, running, completed, failed, diverged, interrupted, paused, stopped). Repeatable.",
            valueName: "status"), transform: RunStatus.parse)
    var status: [RunStatus] = []
    @Option(name: .customLong("where"), help: ArgumentHelp("A filter, e.g. 'train.lr < 0.01 and val_accuracy >= 0.85'.", valueName: "expr"))
    var filter: String?
    @Option(help: "Sort by a param or metric (metrics: best first by their goal; losses are minimised).") var sort: String?
    @Option(help: ArgumentHelp("With --sort: asc or desc, instead of best first.", valueName: "order")) var order: SortOrder?
    @Option(help: "At most this many runs.") var limit: Int?
    @Option(help: "Group runs that differ only in their seeds (one line per group: n, mean ± std).") var aggregate: Aggregation?
    @Flag(help: "Print the runs as one JSON array.") var json = false
    @OptionGroup var store: StoreOptions

    static let shownMetrics = RunExport.listedMetrics

    func run() throws {
        let tracker = try store.open()
        let descending =
            order.map { $0 == .desc } ?? sort.map(RunQuery.descendingByDefault) ?? false
        // The table needs only the params that vary and the metrics it shows; JSON has everything.
        let table = !json && aggregate == nil
        let rows = try tracker.runs(
            RunQuery(
                sweep: try SweepArgument.hash(sweep), statuses: status, filter: filter, sort: sort, descending: descending, limit: limit,
                params: table ? .varying : .all, metrics: json ? nil : Set(Self.shownMetrics + (sort.map { [$0] } ?? [])), configs: json))
        let metrics = Self.shownMetrics.filter { m in rows.contains { $0.summaries[m] != nil } }
        if aggregate != nil {
            var groups = SeedGroup.group(rows)
            if let sort, rows.contains(where: { $0.summaries[sort] != nil }) { groups = SeedGroup.sorted(groups, by: sort) }
            if json {
                Terminal.line(SeedGroup.json(groups, metrics: metrics).canonical)
                return
            }
            let (header, cells) = SeedGroupTable.table(groups, metrics: metrics)
            Terminal.line(Table.fit(header: header, rows: cells, width: Terminal.width))
            Terminal.line(SeedGroupTable.caption(groups, runs: rows.count))
            return
        }
        if json {
            Terminal.line(JSONValue.array(rows.map(RunExport.json)).canonical)
            return
        }
        // Only the params that vary across the listed runs.
        let keys = JSONValue.varyingKeys(rows.map(\.params))
        let tagged = rows.contains { !$0.tags.isEmpty }
        let checked = rows.contains { $0.reproduction != nil }
        var header = ["run", "status"] + keys.map { String($0.split(separator: ".").last!) }
        for m in metrics { header += [m, "best"] }
        header.append("time")
        if checked { header.append("reproduction") }
        if tagged { header.append("tags") }
        let goals = metrics.map(Goal.of)
        let cells = rows.map { r -> [String] in
            var cells = [String(r.record.hash.prefix(12)), r.record.status.rawValue] + keys.map { r.params[$0].map(Table.cell) ?? "" }
            for (m, goal) in zip(metrics, goals) {
                let s = r.summaries[m]
                cells += [s?.final.map { Table.decimal($0) } ?? "-", s?.best(goal).map { Table.decimal($0) } ?? "-"]
            }
            let seconds = r.record.startedAt.flatMap { start in r.record.finishedAt.map { $0.timeIntervalSince(start) } }
            cells.append(seconds.map { Table.decimal($0, places: 1) + "s" } ?? "-")
            if checked { cells.append(r.reproduction?.badge ?? "") }
            if tagged { cells.append(r.tags.joined(separator: ",")) }
            return cells
        }
        Terminal.line(Table.fit(header: header, rows: cells, width: Terminal.width))
        Terminal.line("\(rows.count) run\(rows.count == 1 ? "" : "s")")
        for line in StopText.lines(rows) { Terminal.line(line) }
    }
}

enum SortOrder: String, ExpressibleByArgument, CaseIterable { case asc, desc }
