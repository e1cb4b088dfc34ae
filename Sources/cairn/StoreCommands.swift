import ArgumentParser
import Determinism
import Foundation
import Planner
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
        abstract: "Export runs: params and summary metrics (csv, json), full metric histories (jsonl), or a bundle for another store.",
        discussion: """
            A bundle (--bundle FILE) holds the runs' records, event logs and checkpoint objects in \
            one gzip file; `cairn import FILE` adds them to another store, verifying every hash, \
            and `cairn reproduce <hash>` then works there from the hash alone.

            Examples:
              cairn export --format csv > runs.csv
              cairn export --format json --where 'val_accuracy > 0.9'
              cairn export --format jsonl --sweep 8a87f2 > histories.jsonl
              cairn export --format csv --sweep 8a87f2 --aggregate seed
              cairn export --bundle best.cairn 3f2a9c1b 7d51f6a2
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, jsonl }

    @Argument(help: "Runs to export (hashes or unique prefixes); default: all, or those --sweep and --where select.")
    var runs: [String] = []
    @OptionGroup var store: StoreOptions
    @Option(help: "csv or json: one row per run with params and each metric's final, min and max; jsonl: one line per run with every metric point.")
    var format: Format = .csv
    @Option(help: "Only runs of this sweep (a sweep-hash prefix).") var sweep: String?
    @Option(name: .customLong("where"), help: ArgumentHelp("Only runs matching this filter, e.g. 'train.lr < 0.01 and val_accuracy > 0.9'.", valueName: "expr"))
    var filter: String?
    @Option(help: "Group runs that differ only in their seeds: n, mean and std of each metric's final value (csv, json).")
    var aggregate: Aggregation?
    @Option(help: ArgumentHelp("Write the runs and their objects into this bundle file instead.", valueName: "file")) var bundle: String?

    func run() throws {
        try guarded {
            let tracker = try store.open()
            let rows: [RunRow]
            do {
                let hashes = runs.isEmpty ? nil : try runs.map { try StoreOptions.resolve($0, in: tracker) }
                rows = try tracker.runs(RunQuery(sweep: sweep, filter: filter, hashes: hashes))
            } catch let e as Filter.ParseError {
                throw Failure.badInput(e.description)
            } catch let e as Tracker.StoreError {
                throw Failure.badInput(e.description)
            }
            if let bundle {
                guard aggregate == nil else { throw Failure.badInput("--aggregate does not apply to a bundle: it moves runs as they are") }
                let bytes: [UInt8]
                do { bytes = try tracker.exportBundle(runs: rows.map(\.record.hash)) } catch let e as Tracker.StoreError {
                    throw Failure.badInput(e.description)
                }
                try writeAtomically(bytes, to: bundle)  // a failure to write exits 1 with its reason
                Terminal.line("wrote \(rows.count) run\(rows.count == 1 ? "" : "s") to \(bundle) (\(bytes.count) bytes); add them to another store with: cairn import \(bundle)")
                return
            }
            if aggregate != nil {
                let groups = SeedGroup.group(rows)
                let metrics = Set(rows.flatMap { $0.summaries.filter { $0.value.kind == "model" }.keys }).sorted()
                switch format {
                case .jsonl: throw Failure.badInput("--aggregate gives one row per group: use --format csv or json")
                case .json: Terminal.line(SeedGroup.json(groups, metrics: metrics).canonical)
                case .csv:
                    let keys = Set(groups.flatMap(\.params.keys)).sorted()
                    var lines = [(keys + ["n"] + metrics.flatMap { ["\($0).mean", "\($0).std", "\($0).n"] }).map(Export.csvField).joined(separator: ",")]
                    for g in groups {
                        var fields = keys.map { g.params[$0].map(Export.csvValue) ?? "" } + [String(g.runs.count)]
                        for m in metrics {
                            let s = g.final(m)
                            fields += [s.map { JSONValue.ecmaScriptString($0.mean) } ?? "", s?.std.map { JSONValue.ecmaScriptString($0) } ?? "", s.map { String($0.n) } ?? "0"]
                        }
                        lines.append(fields.map(Export.csvField).joined(separator: ","))
                    }
                    Terminal.line(lines.joined(separator: "\n"))
                }
                return
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
                    fields += paramKeys.map { r.params[$0].map(Export.csvValue) ?? "" }
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

    /// A param in a CSV cell: strings bare, anything else as JSON.
    static func csvValue(_ v: JSONValue) -> String { if case .string(let s) = v { return s }; return v.canonical }

    static func json(_ r: RunRow) -> JSONValue {
        ["hash": .string(r.record.hash), "name": .string(r.record.name), "status": .string(r.record.status.rawValue),
         "params": .object(r.params), "tags": .array(r.tags.map(JSONValue.string)), "note": r.record.note.map(JSONValue.string) ?? .null,
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

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the runs of a bundle (made by `cairn export --bundle`) to this store, verifying every hash.",
        discussion: """
            Every object's bytes are checked against its name and every run's config against its \
            hash before anything is written; a bundle that fails a check adds nothing. Runs the \
            store already has as results are left as they are.

            Example (on the other machine):
              cairn import best.cairn
              cairn reproduce 3f2a9c1b
            """)

    @Argument(help: "The bundle file.") var file: String
    @OptionGroup var store: StoreOptions
    @Flag(help: "Print the result as one JSON object.") var json = false

    func run() throws {
        try guarded {
            guard let data = FileManager.default.contents(atPath: file) else { throw Failure.badInput("\(file): cannot read it") }
            let tracker = try store.open()
            let result: RunBundle.ImportResult
            do {
                result = try tracker.importBundle([UInt8](data), origin: file) { record in
                    RunSpec.hash(storedConfig: record.config, datasetSHA256: record.datasetSHA256, numericsVersion: record.numericsVersion) == record.hash
                }
            } catch let e as Tracker.StoreError { throw Failure.badInput(e.description) }
            if json {
                Terminal.line(JSONValue.object(["imported": .array(result.imported.map(JSONValue.string)), "present": .array(result.present.map(JSONValue.string)),
                                                "objects": .number(Double(result.objects))]).canonical)
                return
            }
            for h in result.imported { Terminal.line("imported  \(h)") }
            for h in result.present { Terminal.line("present   \(h)  (already in \(store.path))") }
            Terminal.line("\(result.imported.count) run\(result.imported.count == 1 ? "" : "s") imported, \(result.present.count) already present, \(result.objects) object\(result.objects == 1 ? "" : "s") added")
            if let first = result.imported.first { Terminal.line("reproduce one with: cairn reproduce \(first.prefix(12))") }
        }
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove runs from the store's index, with their event logs and outputs.",
        discussion: """
            Checkpoint objects may be shared between runs, so they stay until `cairn gc --apply` \
            finds them unreferenced. A removed run planned again (by a sweep) trains afresh. \
            Runs that are queued or running cannot be removed.

            Examples:
              cairn rm 3f2a9c1b
              cairn rm 3f2a9c1b 7d51f6a2 && cairn gc --apply
            """)

    @Argument(help: "Runs to remove (hashes or unique prefixes).") var runs: [String]
    @OptionGroup var store: StoreOptions
    @Flag(help: "Print the removed hashes as one JSON array.") var json = false

    func run() throws {
        try guarded {
            let tracker = try store.open()
            // Every name is resolved before anything is removed: one bad prefix removes nothing.
            let hashes = try runs.map { try StoreOptions.resolve($0, in: tracker) }
            for r in try tracker.runs(hashes) where r.status == .running || r.status == .queued {
                throw Failure.badInput("run \(r.hash.prefix(12)) is \(r.status.rawValue); stop its sweep first (Ctrl-C), then remove it")
            }
            try tracker.remove(runs: hashes)
            if json { Terminal.line(JSONValue.array(hashes.map(JSONValue.string)).canonical); return }
            for h in hashes { Terminal.line("removed  \(h)") }
            Terminal.line("\(hashes.count) run\(hashes.count == 1 ? "" : "s") removed; their checkpoint objects stay until `cairn gc --apply`")
        }
    }
}

struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label a run with tags and a note; without names, show its tags and note.",
        discussion: """
            Tags are short names (letters, digits, . _ - /); find tagged runs with \
            `cairn ls --where 'tag = "baseline"'`. A note is free text, shown by `cairn show`.

            Examples:
              cairn tag 3f2a9c1b baseline paper-fig-2
              cairn tag 3f2a9c1b --note "best lr before the warm-up change"
              cairn tag 3f2a9c1b --remove paper-fig-2
              cairn tag 3f2a9c1b
            """)

    @Argument(help: "The run (hash or unique prefix).") var hash: String
    @Argument(help: "Tags to add.") var names: [String] = []
    @Option(help: ArgumentHelp("A tag to remove. Repeatable.", valueName: "name")) var remove: [String] = []
    @Option(help: "Set the run's note (an empty string clears it).") var note: String?
    @Flag(help: "Print the run's tags and note as one JSON object.") var json = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        try guarded {
            let tracker = try store.open()
            let hash = try StoreOptions.resolve(self.hash, in: tracker)
            do {
                if !names.isEmpty || !remove.isEmpty { try tracker.tag(runs: [hash], add: names, remove: remove) }
                if let note { try tracker.setNote(run: hash, note.isEmpty ? nil : note) }
            } catch let e as Tracker.StoreError { throw Failure.badInput(e.description) }
            let tags = try tracker.tags(run: hash), current = try tracker.run(hash)?.note
            if json {
                Terminal.line(JSONValue.object(["hash": .string(hash), "tags": .array(tags.map(JSONValue.string)),
                                                "note": current.map(JSONValue.string) ?? .null]).canonical)
                return
            }
            Terminal.line("\(hash.prefix(12))  tags: \(tags.isEmpty ? "(none)" : tags.joined(separator: ", "))")
            if let current { Terminal.line("              note: \(current)") }
        }
    }
}
