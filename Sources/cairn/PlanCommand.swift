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

    @Option(name: .customLong("set"), help: ArgumentHelp("Override or sweep a key: train.lr=0.1, train.lr=0.1,0.01, train.seed='range(0,3)', model.activation='choice(relu,tanh)'. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Refuse plans with more runs than this (a grid's count is checked before anything is built).")
    var maxRuns = Planner.defaultMaxRuns

    @Option(help: ArgumentHelp("Directory of the IDX files for fashion-mnist or mnist (default: $CAIRN_DATA_DIR, else /usr/share/datasets/fashion-mnist).", valueName: "dir"))
    var dataDir: String?

    @Flag(help: "Print one JSON object: sweep_hash, count and every run with its params and full spec.")
    var json = false

    func run() throws {
        try guarded {
            let plan: Plan
            do {
                plan = try Planner.plan(file: file, overrides: overrides, maxRuns: maxRuns,
                                        dataDirectory: dataDir ?? ProcessInfo.processInfo.environment["CAIRN_DATA_DIR"])
            } catch let e as ConfigErrors {
                throw Failure.badInput(e.errors.map(\.description).joined(separator: "\nerror: "))
            } catch let e as Planner.TooManyRuns {
                throw Failure.badInput("\(file): \(e.description)")
            }
            for w in plan.warnings { FileHandle.standardError.write(Data((w + "\n").utf8)) }
            if json {
                let runs: [JSONValue] = plan.runs.map { r in
                    ["hash": .string(r.hash), "name": .string(r.name),
                     "params": .object(r.params.filter { plan.varyingKeys.contains($0.key) }), "spec": r.spec.json]
                }
                var out: [String: JSONValue] = ["sweep_hash": .string(plan.sweepHash), "count": .number(Double(plan.runs.count)),
                                                "numerics_version": .number(Double(Engine.numericsVersion)), "runs": .array(runs)]
                if let bound = plan.gridUpperBound { out["grid_points"] = .number(Double(bound)) }
                if let d = plan.runs.first?.datasetSHA256 { out["dataset_sha256"] = .string(d) }
                Terminal.line(JSONValue.object(out).canonical)
                return
            }
            var head = "\(file)  sweep \(plan.sweepHash.prefix(12))\n\(plan.runs.count) run\(plan.runs.count == 1 ? "" : "s")"
            if let bound = plan.gridUpperBound, bound != plan.runs.count {
                head += " (grid of \(bound) points; duplicates collapsed\(plan.sweep?.runCap.map { ", run_cap \($0)" } ?? ""))"
            }
            Terminal.line(head + "\n")
            let header = ["run"] + plan.varyingKeys
            let rows = plan.runs.map { r in [String(r.hash.prefix(12))] + plan.varyingKeys.map { r.params[$0].map(Table.cell) ?? "" } }
            Terminal.line(Table.render(header: header, rows: rows))
        }
    }
}

/// Plain aligned text tables for the terminal.
enum Table {
    /// The keys whose values are not the same in every one of `params`, sorted.
    static func varying(_ params: [[String: JSONValue]]) -> [String] {
        guard let first = params.first else { return [] }
        var keys = Set<String>()
        for p in params { for k in p.keys { keys.insert(k) } }
        return keys.sorted().filter { k in let v = first[k]; return params.contains { $0[k] != v } }
    }

    /// `v` with `places` decimals, as `String(format: "%.4f", v)` but without Foundation's
    /// formatter (a listing prints thousands). Display only: a value exactly halfway between
    /// two such numbers may round the other way.
    static func decimal(_ v: Double, places: Int = 4) -> String {
        let unit = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000][min(max(places, 0), 6)]
        guard v.isFinite, v.magnitude < 1e12 else { return String(format: "%.\(places)f", v) }
        let scaled = Int64((v.magnitude * Double(unit)).rounded())
        let fraction = String(scaled % Int64(unit))
        return (v < 0 && scaled != 0 ? "-" : "") + String(scaled / Int64(unit))
            + (places > 0 ? "." + String(repeating: "0", count: places - fraction.count) + fraction : "")
    }

    static func cell(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.canonical
    }

    /// Like `render`, dropping columns from the right (never the first two) until the table
    /// fits `width`, and saying so.
    static func fit(header: [String], rows: [[String]], width: Int) -> String {
        let widths = columnWidths(header: header, rows: rows)
        var keep = header.count
        while keep > 2 && widths.prefix(keep).reduce(2 * keep, +) > width { keep -= 1 }
        let table = render(header: header, rows: rows, widths: Array(widths.prefix(keep)))
        return keep == header.count ? table : table + "\n  (\(header.count - keep) columns do not fit in \(width): \(header.suffix(header.count - keep).joined(separator: ", ")); widen the terminal or use --json)"
    }

    static func render(header: [String], rows: [[String]]) -> String {
        render(header: header, rows: rows, widths: columnWidths(header: header, rows: rows))
    }

    /// Each column's width in characters (measured once per cell: a thousand-row table is
    /// printed in a few milliseconds).
    static func columnWidths(header: [String], rows: [[String]]) -> [Int] {
        var widths = header.map(\.count)
        for row in rows { for (c, cell) in row.enumerated() where c < widths.count { widths[c] = max(widths[c], cell.count) } }
        return widths
    }

    /// The first `widths.count` columns, padded; no trailing spaces.
    static func render(header: [String], rows: [[String]], widths: [Int]) -> String {
        var out = ""
        func line(_ cells: [String]) {
            var text = "  "
            for c in widths.indices {
                let cell = c < cells.count ? cells[c] : ""
                text += cell
                if c < widths.count - 1 { text += String(repeating: " ", count: widths[c] - cell.count + 2) }
            }
            while text.last == " " { text.removeLast() }
            out += text
            out += "\n"
        }
        line(header)
        for row in rows { line(row) }
        out.removeLast()
        return out
    }
}
