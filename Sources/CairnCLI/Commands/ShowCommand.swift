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
        let detail = try RunDetail(tracker, run: try tracker.resolve(hash))
        if json {
            Terminal.line(detail.json.canonical)
            return
        }
        let (row, history, checkpoints, provenance, attempts, dataFiles) = (
            detail.row, detail.history, detail.checkpoints, detail.provenance, detail.attempts, detail.dataFiles
        )
        let full = row.record.hash
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
