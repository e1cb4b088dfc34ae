import ArgumentParser
import Determinism
import Foundation
import Tracker
import Vocabulary

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
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
        let tracker = try store.open()
        let full = try tracker.resolve(hash)
        guard let row = try tracker.runs(RunQuery(hashes: [full])).first else { throw CLIError("no run \(full)", code: 1) }
        let history = try tracker.history(runs: [full])[full] ?? [:]
        let checkpoints = try tracker.checkpoints(run: full)
        let provenance = try tracker.provenance(run: full)
        let attempts = try tracker.attempts(run: full)
        let dataFiles = try tracker.layout.readDataManifest(row.record.datasetSHA256)?.files ?? []
        if json {
            var o: [String: JSONValue] = ["run": RunExport.json(row)]
            if case .object(let config)? = try? JSONValue.parse(Array(row.record.config.utf8)) { o["config"] = .object(config) }
            o["checkpoints"] = .array(
                checkpoints.map {
                    [
                        "object": .string($0.object), "step": .number(Double($0.step)), "epoch": .number(Double($0.epoch)),
                        "kinds": .string($0.kindsLabel), "raw_size": .number(Double($0.rawSize)),
                        "stored_size": .number(Double($0.storedSize)),
                    ]
                })
            o["log"] = .string(tracker.logPath(full))
            o["data_set_sha256"] = .string(row.record.datasetSHA256)
            o["data_files"] = .array(
                dataFiles.map {
                    [
                        "role": .string($0.role), "sha256": .string($0.sha256), "bytes": .number(Double($0.bytes)),
                        "path": .string($0.path),
                        "stored": .bool($0.stored),
                    ]
                })
            if let p = provenance { o["provenance"] = p.json }
            o["attempts"] = .array(
                attempts.map { a in
                    [
                        "attempt": .number(Double(a.attempt)), "resumed_from_epoch": .number(Double(a.resumedFromEpoch)),
                        "host": a.host.map(JSONValue.string) ?? .null,
                    ]
                })
            Terminal.line(JSONValue.object(o).canonical)
            return
        }
        let r = row.record
        var lines = ["run \(r.hash)", "  name      \(r.name)", "  status    \(r.status.rawValue)  (attempts \(r.attempts))"]
        if attempts.count > 1 || attempts.contains(where: { $0.resumedFromEpoch > 0 }) {
            lines.append("  attempts  " + AttemptText.each(attempts))
        }
        if let checked = row.reproduction { lines.append("  checked   " + checked.sentence) }
        if !row.tags.isEmpty { lines.append("  tags      \(row.tags.joined(separator: ", "))") }
        if let note = r.note { lines.append("  note      " + note.replacingOccurrences(of: "\n", with: "\n            ")) }
        if let why = StopText.reason(r) {
            lines.append("  stopped   " + why)
        } else if let e = r.error {
            lines.append("  error     " + e.replacingOccurrences(of: "\n", with: "\n            "))
        }
        if let p = provenance {
            lines.append(
                "  cairn     \(p.cairnVersion), numerics version \(p.numericsVersion), Swift \(p.swiftVersion)\(p.gitCommit.map { ", commit \($0.prefix(12))" } ?? "")"
            )
            lines.append("  machine   \(p.host), \(p.cpu), \(p.os)")
        }
        if let s = r.startedAt {
            lines.append("  started   \(s)\(r.finishedAt.map { ", took \(String(format: "%.1f", $0.timeIntervalSince(s))) s" } ?? "")")
        }
        lines.append("\nconfig")
        for (k, v) in row.params.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(k.padding(toLength: 24, withPad: " ", startingAt: 0)) \(Table.cell(v))")
        }
        lines.append("\ndata set  \(r.datasetSHA256)")
        for f in dataFiles {
            let copy = f.stored ? "stored copy kept" : "no stored copy (store_copy: false)"
            lines.append(
                "  \(f.role.padding(toLength: 18, withPad: " ", startingAt: 0)) \(f.sha256.prefix(12))  \(f.bytes) bytes  \(f.path)  (\(copy))"
            )
        }
        lines.append("\nmetrics                    final      best   curve")
        for (k, s) in row.summaries.sorted(by: { $0.key < $1.key }) where !MetricName.isPerClass(k) && !CostAndDecisions.isCost(k) {
            let points = (history[k] ?? []).filter { $0.scope == .epoch }.compactMap(\.value)
            // Machine metrics (seconds, samples/s, memory) have no "best".
            let f = s.final.map { String(format: abs($0) >= 1e5 ? "%9.3g" : "%9.4f", $0) } ?? "        -"
            let b = s.kind == .model ? s.best.map { String(format: "%9.4f", $0) } ?? "        -" : "        -"
            lines.append("  \(k.padding(toLength: 22, withPad: " ", startingAt: 0)) \(f) \(b)   \(Sparkline.render(points))")
        }
        let names = CostAndDecisions.Names(tracker, checkpoints: checkpoints)
        lines += CostAndDecisions.decisions(
            row.summaries, names: { names.list("classes", count: $0) }, groupNames: { names.list("groups", count: $0) })
        lines += CostAndDecisions.cost(row.summaries)
        lines.append("\ncheckpoints")
        for c in checkpoints {
            lines.append(
                "  epoch \(c.epoch) step \(c.step)  \(c.kindsLabel.padding(toLength: 11, withPad: " ", startingAt: 0)) \(c.object)  \(c.rawSize) → \(c.storedSize) bytes"
            )
        }
        lines.append("\nlog  \(tracker.logPath(full))")
        if r.status == .failed, let text = try? String(contentsOfFile: tracker.logPath(full), encoding: .utf8) {
            lines += text.split(separator: "\n").suffix(10).map { "  | " + $0 }
        }
        Terminal.line(lines.joined(separator: "\n"))
    }
}
