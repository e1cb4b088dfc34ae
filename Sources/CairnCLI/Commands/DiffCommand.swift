import ArgumentParser
import Determinism
import Foundation
import Tracker

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
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
        let tracker = try store.open()
        let d = try tracker.diff(try tracker.resolve(a), try tracker.resolve(b))
        if json {
            Terminal.line(
                JSONValue.object([
                    "a": .string(d.a), "b": .string(d.b),
                    "config": .object(
                        Dictionary(uniqueKeysWithValues: d.config.map { ($0.key, ["a": $0.a ?? .null, "b": $0.b ?? .null]) })),
                    "metrics": .object(
                        Dictionary(
                            uniqueKeysWithValues: d.metrics.map {
                                ($0.key, ["a": $0.finalA.map(JSONValue.number) ?? .null, "b": $0.finalB.map(JSONValue.number) ?? .null])
                            })),
                    "first_divergence_epoch": .object(
                        Dictionary(
                            uniqueKeysWithValues: d.metrics.compactMap { m in
                                m.firstDifferentEpoch.map { (m.key, JSONValue.number(Double($0))) }
                            })),
                    "checkpoints_identical": .bool(d.checkpointsIdentical),
                ]).canonical)
            return
        }
        func f(_ v: Double?) -> String { v.map { Table.decimal($0) } ?? "-" }
        var lines = ["a  \(d.a)", "b  \(d.b)", "", d.config.isEmpty ? "config: identical" : "config"]
        for c in d.config { lines.append("  \(c.key)  \(c.a.map(Table.cell) ?? "-")  →  \(c.b.map(Table.cell) ?? "-")") }
        lines += ["", "metrics (final)      a       b       b−a"]
        for m in d.metrics {
            let delta = m.finalA.flatMap { a in m.finalB.map { String(format: "%+.4f", $0 - a) } } ?? "-"
            lines.append(
                "  \(m.key.padding(toLength: 16, withPad: " ", startingAt: 0)) \(f(m.finalA))  \(f(m.finalB))  \(delta)  "
                    + (m.firstDifferentEpoch.map { "first differs at epoch \($0)" } ?? "identical at every epoch"))
        }
        let ca = d.finalCheckpointA.map { String($0.prefix(16)) }
        let cb = d.finalCheckpointB.map { String($0.prefix(16)) }
        lines += [
            "",
            d.checkpointsIdentical
                ? "final checkpoints: identical (\(ca!))" : "final checkpoints: differ (\(ca ?? "none") vs \(cb ?? "none"))",
        ]
        Terminal.line(lines.joined(separator: "\n"))
    }
}
