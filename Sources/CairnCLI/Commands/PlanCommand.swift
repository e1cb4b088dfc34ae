import ArgumentParser
import Determinism
import Engine
import Foundation
import Planner

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "List the runs a sweep (or an experiment) expands into, with their hashes. Starts nothing.",
        discussion: """
            A sweep file uses Weights & Biases' vocabulary: method (grid or random), metric, run_cap, \
            seed, and parameters with value / values / distribution. Parameters address the \
            experiment by dotted keys (train.lr) or nested parameters: blocks. Each run is named by \
            the SHA-256 of its resolved spec: plan the same sweep anywhere and get the same hashes.

            Examples:
              cairn plan sweeps/quickstart.yaml
              cairn plan experiments/quickstart.yaml --set train.lr=0.1,0.01 --set train.seed='range(0,3)'
              cairn plan sweeps/fashion-lr-width.yaml --json | python3 -m json.tool
            """)

    @Argument(help: "A sweep file, or an experiment file (a plan of one run, or a grid over --set values).")
    var file: String

    @OptionGroup var overrides: OverrideOptions

    @Option(help: "Refuse plans with more runs than this (a grid's count is checked before anything is built).")
    var maxRuns = Planner.defaultMaxRuns

    @OptionGroup var data: DataOptions

    @Flag(help: "Print one JSON object: sweep_hash, count and every run with its params and full spec.")
    var json = false

    func run() throws {
        let plan: Plan
        do { plan = try Planner.plan(file: file, overrides: overrides.values, maxRuns: maxRuns, dataDirectory: data.option) } catch let e
            as Planner.TooManyRuns
        {
            throw CLIError("\(file): \(e.description)")
        }
        for w in plan.warnings { Terminal.warn(w) }
        if json {
            let runs: [JSONValue] = plan.runs.map { r in
                [
                    "hash": .string(r.hash), "name": .string(r.name),
                    "params": .object(r.params.filter { plan.varyingKeys.contains($0.key) }), "spec": r.spec.json,
                ]
            }
            var out: [String: JSONValue] = [
                "sweep_hash": .string(plan.sweepHash), "count": .number(Double(plan.runs.count)),
                "numerics_version": .number(Double(Engine.numericsVersion)), "runs": .array(runs),
            ]
            if let bound = plan.gridUpperBound { out["grid_points"] = .number(Double(bound)) }
            if let d = plan.runs.first?.datasetSHA256 { out["dataset_sha256"] = .string(d) }
            if let rule = plan.stopping { out["early_termination"] = StopText.json(rule) }
            if let search = plan.search {
                out["bayes"] = [
                    "model": .string(search.model.rawValue), "batch": .number(Double(search.batch)), "run_cap": .number(Double(search.cap)),
                    "rounds": .number(Double(search.rounds)), "round": .number(0),
                ]
            }
            Terminal.line(JSONValue.object(out).canonical)
            return
        }
        var head = "\(file)  sweep \(plan.sweepHash.prefix(12))\n\(plan.runs.count) run\(plan.runs.count == 1 ? "" : "s")"
        if let bound = plan.gridUpperBound, bound != plan.runs.count {
            head += " (grid of \(bound) points; duplicates collapsed\(plan.sweep?.runCap.map { ", run_cap \($0)" } ?? ""))"
        }
        if let search = plan.search {
            head =
                "\(file)  sweep \(plan.sweepHash.prefix(12))\nbayes (\(search.model.rawValue)\(search.multivariate ? ", multivariate" : "")): "
                + "run_cap \(search.cap) in \(search.rounds) round\(search.rounds == 1 ? "" : "s") of \(search.batch)\n"
                + "round 0 (\(plan.runs.count) run\(plan.runs.count == 1 ? "" : "s")) below; later rounds depend on the results of the rounds before them"
        }
        if let rule = plan.stopping { head += "\n" + StopText.plan(rule).joined(separator: "\n") }
        Terminal.line(head + "\n")
        let header = ["run"] + plan.varyingKeys
        let rows = plan.runs.map { r in [String(r.hash.prefix(12))] + plan.varyingKeys.map { r.params[$0].map(Table.cell) ?? "" } }
        Terminal.line(Table.render(header: header, rows: rows))
    }
}
