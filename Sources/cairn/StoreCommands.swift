import ArgumentParser
import Determinism
import Foundation
import Tracker

/// `--store`, shared by every command that reads or writes a store.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"), help: ArgumentHelp("The store directory (default: $CAIRN_STORE, else runs).", valueName: "dir"))
    var directory: String?

    var path: String { StoreOptions.path(directory) }

    func open() throws -> Tracker { try StoreOptions.open(directory) }

    static func path(_ directory: String?) -> String { directory ?? ProcessInfo.processInfo.environment["CAIRN_STORE"] ?? "runs" }

    /// The run a hash or prefix names; an unknown or ambiguous one is bad input.
    static func resolve(_ prefix: String, in tracker: Tracker) throws -> String {
        do { return try tracker.resolve(prefix) } catch let e as Tracker.StoreError { throw Failure.badInput(e.description) }
    }

    static func open(_ directory: String?) throws -> Tracker {
        do { return try Tracker(directory: path(directory)) } catch let e as Tracker.StoreError {
            throw Failure(message: e.description, code: 1)
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the store: re-hash every object and check every reference.",
        discussion: """
            Reports missing and corrupt objects with the runs they affect, objects no run references \
            (remove them with `cairn gc --apply`), and SQLite's integrity check. Exits 1 if anything \
            is wrong.

            Example:
              cairn verify --store runs
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        try guarded {
            let report = try store.open().verify()
            if json {
                Terminal.line(JSONValue.object([
                    "ok": .bool(report.ok), "objects_checked": .number(Double(report.checked)), "integrity": .string(report.integrity),
                    "missing": .object(report.missing.mapValues { .array($0.map { .string($0) }) }),
                    "corrupt": .object(report.corrupt.mapValues { .array($0.map { .string($0) }) }),
                    "orphaned": .array(report.orphaned.map { .string($0) }),
                ]).canonical)
            } else {
                Terminal.line("checked \(report.checked) referenced objects; index integrity: \(report.integrity)")
                for (o, runs) in report.missing.sorted(by: { $0.key < $1.key }) {
                    Terminal.line("MISSING  object \(o) (runs \(runs.map { String($0.prefix(12)) }.joined(separator: ", ")))")
                }
                for (o, runs) in report.corrupt.sorted(by: { $0.key < $1.key }) {
                    Terminal.line("CORRUPT  object \(o) (runs \(runs.map { String($0.prefix(12)) }.joined(separator: ", ")))")
                }
                if !report.orphaned.isEmpty { Terminal.line("\(report.orphaned.count) objects no run references (cairn gc --apply removes them)") }
                Terminal.line(report.ok ? "ok" : "FAILED")
            }
            if !report.ok { throw ExitCode(1) }
        }
    }
}

struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove objects no run references (a dry run unless --apply).",
        discussion: """
            Objects stay after `cairn rm` removes runs from the index; gc finds them. Without \
            --apply it only lists what it would remove.

            Example:
              cairn gc            # what would go
              cairn gc --apply    # remove it
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "Remove the objects (default: only list them).") var apply = false
    @Flag(help: "Print the result as one JSON object.") var json = false

    func run() throws {
        try guarded {
            let (objects, bytes) = try store.open().gc(apply: apply)
            if json {
                Terminal.line(JSONValue.object(["applied": .bool(apply), "objects": .array(objects.map { .string($0) }),
                                                "bytes": .number(Double(bytes))]).canonical)
                return
            }
            for o in objects { Terminal.line("\(apply ? "removed" : "would remove")  \(o)") }
            Terminal.line("\(objects.count) unreferenced objects, \(bytes) bytes\(apply || objects.isEmpty ? "" : " (run with --apply to remove them)")")
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export runs: params and summary metrics (csv, json) or full metric histories (jsonl).",
        discussion: """
            Examples:
              cairn export --format csv > runs.csv
              cairn export --format json --where 'val_accuracy > 0.9'
              cairn export --format jsonl --sweep 8a87f2 > histories.jsonl
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, jsonl }

    @OptionGroup var store: StoreOptions
    @Option(help: "csv or json: one row per run with params and each metric's final, min and max; jsonl: one line per run with every metric point.")
    var format: Format = .csv
    @Option(help: "Only runs of this sweep (a sweep-hash prefix).") var sweep: String?
    @Option(name: .customLong("where"), help: ArgumentHelp("Only runs matching this filter, e.g. 'train.lr < 0.01 and val_accuracy > 0.9'.", valueName: "expr"))
    var filter: String?

    func run() throws {
        try guarded {
            let tracker = try store.open()
            let rows: [RunRow]
            do { rows = try tracker.runs(RunQuery(sweep: sweep, filter: filter, sort: nil)) } catch let e as Filter.ParseError {
                throw Failure.badInput(e.description)
            }
            switch format {
            case .json: Terminal.line(JSONValue.array(rows.map(Export.json)).canonical)
            case .jsonl:
                let history = try tracker.history(runs: rows.map(\.record.hash))
                for r in rows {
                    var o = Export.json(r)
                    if case .object(var members) = o {
                        members["history"] = .object((history[r.record.hash] ?? [:]).mapValues { points in
                            .array(points.map { ["scope": .string($0.scope), "step": .number(Double($0.step)), "epoch": .number(Double($0.epoch)),
                                                 "value": $0.value.map { .number($0) } ?? .null] })
                        })
                        o = .object(members)
                    }
                    Terminal.line(o.canonical)
                }
            case .csv:
                let paramKeys = Set(rows.flatMap(\.params.keys)).sorted()
                let metricKeys = Set(rows.flatMap(\.summaries.keys)).sorted()
                var lines = [(["hash", "name", "status"] + paramKeys + metricKeys.flatMap { ["\($0).final", "\($0).min", "\($0).max"] })
                    .map(Export.csvField).joined(separator: ",")]
                for r in rows {
                    var fields = [r.record.hash, r.record.name, r.record.status.rawValue]
                    fields += paramKeys.map { r.params[$0].map { if case .string(let s) = $0 { return s }; return $0.canonical } ?? "" }
                    for k in metricKeys {
                        let s = r.summaries[k]
                        fields += [s?.final, s?.min, s?.max].map { $0.map { JSONValue.ecmaScriptString($0) } ?? "" }
                    }
                    lines.append(fields.map(Export.csvField).joined(separator: ","))
                }
                Terminal.line(lines.joined(separator: "\n"))
            }
        }
    }

    static func json(_ r: RunRow) -> JSONValue {
        ["hash": .string(r.record.hash), "name": .string(r.record.name), "status": .string(r.record.status.rawValue),
         "params": .object(r.params),
         "metrics": .object(r.summaries.mapValues { s in
             ["final": s.final.map { .number($0) } ?? .null, "min": s.min.map { .number($0) } ?? .null,
              "max": s.max.map { .number($0) } ?? .null, "kind": .string(s.kind)]
         })]
    }

    /// RFC 4180 quoting.
    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

/// What the scheduler does after a run's process ends; by hand, it recovers a store whose
/// scheduler died. Not for everyday use.
struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest every run's event log into the index (the scheduler does this itself).",
        shouldDisplay: false)

    @OptionGroup var store: StoreOptions
    @Option(help: .hidden) var batchLines = 50_000

    func run() throws {
        try guarded {
            let (runs, events) = try store.open().ingestAll(batchLines: batchLines)
            Terminal.line("ingested \(events) events of \(runs) runs")
        }
    }
}
