import ArgumentParser
import Determinism
import Foundation
import Tracker

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List runs: short hash, status, the params that vary, final and best metrics.",
        discussion: """
            Examples:
              cairn ls
              cairn ls --sweep 8a87f2 --sort val_accuracy --limit 5
              cairn ls --where 'train.lr < 0.01 and val_accuracy >= 0.9' --status completed --json
              cairn ls --where 'tag = "baseline"'
              cairn ls --sweep 8a87f2 --aggregate seed --sort val_accuracy
            """)

    @Option(help: "Only runs of this sweep (a sweep-hash prefix).") var sweep: String?
    @Option(help: "Only runs with this status (planned, queued, running, completed, failed, diverged, interrupted). Repeatable.")
    var status: [String] = []
    @Option(name: .customLong("where"), help: ArgumentHelp("A filter, e.g. 'train.lr < 0.01 and val_accuracy >= 0.85'.", valueName: "expr"))
    var filter: String?
    @Option(help: "Sort by a param or metric (metrics: best first by their goal; loss is minimised).") var sort: String?
    @Option(help: "At most this many runs.") var limit: Int?
    @Option(help: "Group runs that differ only in their seeds (one line per group: n, mean ± std).") var aggregate: Aggregation?
    @Flag(help: "Print the runs as one JSON array.") var json = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        try guarded {
            let statuses = try status.map { s -> RunStatus in
                guard let v = RunStatus(rawValue: s) else {
                    throw Failure.badInput("--status \(s): expected one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return v
            }
            let tracker = try store.open()
            let descending = sort.map { Metric.maximized($0) && !["name", "hash", "status"].contains($0) } ?? false
            let rows: [RunRow]
            do {
                rows = try tracker.runs(RunQuery(sweep: sweep, statuses: statuses, filter: filter, sort: sort, descending: descending, limit: limit))
            } catch let e as Filter.ParseError {
                throw Failure.badInput(e.description)
            } catch let e as Tracker.StoreError {
                throw Failure.badInput(e.description)
            }
            let metrics = ["val_accuracy", "test_accuracy", "val_loss"].filter { m in rows.contains { $0.summaries[m] != nil } }
            if aggregate != nil {
                var groups = SeedGroup.group(rows)
                if let sort, rows.contains(where: { $0.summaries[sort] != nil }) {
                    let sign = Metric.maximized(sort) ? -1.0 : 1.0
                    groups.sort { (a, b) in (a.final(sort).map { $0.mean * sign } ?? .infinity) < (b.final(sort).map { $0.mean * sign } ?? .infinity) }
                }
                if json { Terminal.line(SeedGroup.json(groups, metrics: metrics).canonical); return }
                let (header, cells) = SeedGroup.table(groups, metrics: metrics)
                Terminal.line(Table.fit(header: header, rows: cells, width: Terminal.width))
                Terminal.line(SeedGroup.caption(groups, runs: rows.count))
                return
            }
            if json {
                Terminal.line(JSONValue.array(rows.map(Export.json)).canonical)
                return
            }
            // Only the params that vary across the listed runs.
            let keys = Table.varying(rows.map(\.params))
            let tagged = rows.contains { !$0.tags.isEmpty }
            var header = ["run", "status"] + keys.map { String($0.split(separator: ".").last!) }
            for m in metrics { header += [m, "best"] }
            header.append("time")
            if tagged { header.append("tags") }
            let table = rows.map { r -> [String] in
                var cells = [String(r.record.hash.prefix(12)), r.record.status.rawValue] + keys.map { r.params[$0].map(Table.cell) ?? "" }
                for m in metrics {
                    let s = r.summaries[m]
                    cells += [s?.final.map { Table.decimal($0) } ?? "-", s?.best(maximize: Metric.maximized(m)).map { Table.decimal($0) } ?? "-"]
                }
                let seconds = zip([r.record.startedAt], [r.record.finishedAt]).compactMap { a, b in a.flatMap { a in b.map { $0.timeIntervalSince(a) } } }.first
                cells.append(seconds.map { Table.decimal($0, places: 1) + "s" } ?? "-")
                if tagged { cells.append(r.tags.joined(separator: ",")) }
                return cells
            }
            Terminal.line(Table.fit(header: header, rows: table, width: Terminal.width))
            Terminal.line("\(rows.count) run\(rows.count == 1 ? "" : "s")")
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One run in full: config, provenance, metrics with sparklines, checkpoints, log.",
        discussion: """
            Examples:
              cairn show 3f2a9c1b
              cairn show 3f2a9c1b --json
            """)

    @Argument(help: "The run's hash, or any unique prefix of it.") var hash: String
    @Flag(help: "Print the run as one JSON object.") var json = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        try guarded {
            let tracker = try store.open()
            let full = try StoreOptions.resolve(hash, in: tracker)
            guard let row = try tracker.runs(RunQuery(hashes: [full])).first else { throw Failure(message: "no run \(full)", code: 1) }
            let history = try tracker.history(runs: [full])[full] ?? [:]
            let checkpoints = try tracker.checkpoints(run: full)
            let provenance = try tracker.provenance(run: full)
            if json {
                var o: [String: JSONValue] = ["run": Export.json(row)]
                if case .object(let config)? = try? JSONValue.parse(Array(row.record.config.utf8)) { o["config"] = .object(config) }
                o["checkpoints"] = .array(checkpoints.map { ["object": .string($0.object), "step": .number(Double($0.step)), "epoch": .number(Double($0.epoch)),
                                                             "kinds": .string($0.kinds), "raw_size": .number(Double($0.rawSize)),
                                                             "stored_size": .number(Double($0.storedSize))] })
                o["log"] = .string(tracker.logPath(full))
                if let p = provenance {
                    o["provenance"] = ["cairn_version": .string(p.cairnVersion), "numerics_version": .number(Double(p.numericsVersion)),
                                       "git_commit": p.gitCommit.map(JSONValue.string) ?? .null, "host": .string(p.host),
                                       "cpu": .string(p.cpu), "os": .string(p.os), "swift_version": .string(p.swiftVersion)]
                }
                Terminal.line(JSONValue.object(o).canonical)
                return
            }
            let r = row.record
            var lines = ["run \(r.hash)", "  name      \(r.name)", "  status    \(r.status.rawValue)  (attempts \(r.attempts))"]
            if !row.tags.isEmpty { lines.append("  tags      \(row.tags.joined(separator: ", "))") }
            if let note = r.note { lines.append("  note      " + note.replacingOccurrences(of: "\n", with: "\n            ")) }
            if let e = r.error { lines.append("  error     " + e.replacingOccurrences(of: "\n", with: "\n            ")) }
            if let p = provenance {
                lines.append("  cairn     \(p.cairnVersion), numerics version \(p.numericsVersion), Swift \(p.swiftVersion)\(p.gitCommit.map { ", commit \($0.prefix(12))" } ?? "")")
                lines.append("  machine   \(p.host), \(p.cpu), \(p.os)")
            }
            if let s = r.startedAt { lines.append("  started   \(s)\(r.finishedAt.map { ", took \(String(format: "%.1f", $0.timeIntervalSince(s))) s" } ?? "")") }
            lines.append("\nconfig")
            for (k, v) in row.params.sorted(by: { $0.key < $1.key }) { lines.append("  \(k.padding(toLength: 24, withPad: " ", startingAt: 0)) \(Table.cell(v))") }
            lines.append("\nmetrics                    final      best   curve")
            for (k, s) in row.summaries.sorted(by: { $0.key < $1.key }) where !k.hasPrefix("test_accuracy_class") {
                let points = (history[k] ?? []).filter { $0.scope == "epoch" }.compactMap(\.value)
                // Machine metrics (seconds, samples/s, memory) have no "best".
                let f = s.final.map { String(format: abs($0) >= 1e5 ? "%9.3g" : "%9.4f", $0) } ?? "        -"
                let b = s.kind == "model" ? s.best(maximize: Metric.maximized(k)).map { String(format: "%9.4f", $0) } ?? "        -" : "        -"
                lines.append("  \(k.padding(toLength: 22, withPad: " ", startingAt: 0)) \(f) \(b)   \(Sparkline.render(points))")
            }
            lines.append("\ncheckpoints")
            for c in checkpoints {
                lines.append("  epoch \(c.epoch) step \(c.step)  \(c.kinds.padding(toLength: 11, withPad: " ", startingAt: 0)) \(c.object)  \(c.rawSize) → \(c.storedSize) bytes")
            }
            lines.append("\nlog  \(tracker.logPath(full))")
            if r.status == .failed, let text = try? String(contentsOfFile: tracker.logPath(full), encoding: .utf8) {
                lines += text.split(separator: "\n").suffix(10).map { "  | " + $0 }
            }
            Terminal.line(lines.joined(separator: "\n"))
        }
    }
}

/// A curve in one line of Unicode block characters, scaled to its own range.
enum Sparkline {
    static let blocks = Array("▁▂▃▄▅▆▇█")
    static func render(_ values: [Double], width: Int = 24) -> String {
        guard let lo = values.min(), let hi = values.max(), !values.isEmpty else { return "" }
        let step = max(1, Int((Double(values.count) / Double(width)).rounded(.up)))
        let picked = stride(from: 0, to: values.count, by: step).map { values[$0] }
        return String(picked.map { v in hi == lo ? blocks[3] : blocks[Int(((v - lo) / (hi - lo) * 7).rounded())] })
    }
}
