import ArgumentParser
import Determinism
import Foundation
import Tracker

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export runs: params and summary metrics (csv, json), full metric histories (jsonl), or a bundle for another store.",
        discussion: """
            A bundle (--bundle FILE) holds the runs' records, event logs and checkpoint objects in \
            one gzip file; `cairn import FILE` adds them to another store, verifying every hash, \
            and `cairn reproduce <hash>` then works there from the hash alone. Runs on your own data             files carry where those files were; --with-data carries the files' stored copies too, so             the runs reproduce on a machine that does not have the files.

            Examples:
              cairn export --format csv > runs.csv
              cairn export --format json --where 'val_accuracy > 0.9'
              cairn export --format jsonl --sweep 8a87f2 > histories.jsonl
              cairn export --format csv --sweep 8a87f2 --aggregate seed
              cairn export --bundle best.cairn 3f2a9c1b 7d51f6a2
              cairn export --bundle iris.cairn --sweep 5c01d2 --with-data
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, jsonl }

    @Argument(help: "Runs to export (hashes or unique prefixes); default: all, or those --sweep and --where select.")
    var runs: [String] = []
    @OptionGroup var store: StoreOptions
    @Option(
        help:
            "csv or json: one row per run with params and each metric's final, min and max; jsonl: one line per run with every metric point."
    )
    var format: Format = .csv
    @Option(help: "Only runs of this sweep (a sweep-hash prefix, or the sweep file).") var sweep: String?
    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("Only runs matching this filter, e.g. 'train.lr < 0.01 and val_accuracy > 0.9'.", valueName: "expr"))
    var filter: String?
    @Option(help: "Group runs that differ only in their seeds: n, mean and std of each metric's final value (csv, json).")
    var aggregate: Aggregation?
    @Option(help: ArgumentHelp("Write the runs and their objects into this bundle file instead.", valueName: "file")) var bundle: String?
    @Flag(help: "With --bundle: include the stored copies of the runs' data files.") var withData = false

    func run() throws {
        let tracker = try store.open()
        let hashes = runs.isEmpty ? nil : try runs.map { try tracker.resolve($0) }
        let rows = try tracker.runs(RunQuery(sweep: try SweepArgument.hash(sweep), filter: filter, hashes: hashes))
        if withData && bundle == nil { throw CLIError("--with-data applies to a bundle: add --bundle FILE") }
        if let bundle {
            guard aggregate == nil else { throw CLIError("--aggregate does not apply to a bundle: it moves runs as they are") }
            let bytes = try tracker.exportBundle(runs: rows.map(\.record.hash), withData: withData)
            do { try writeAtomically(bytes, to: bundle) } catch { throw CLIError("\(error)", code: 1) }
            Terminal.line(
                "wrote \(rows.count) run\(rows.count == 1 ? "" : "s") to \(bundle) (\(bytes.count) bytes); add them to another store with: cairn import \(bundle)"
            )
            return
        }
        if aggregate != nil {
            let groups = SeedGroup.group(rows)
            let metrics = RunExport.modelMetrics(rows)
            switch format {
            case .jsonl: throw CLIError("--aggregate gives one row per group: use --format csv or json")
            case .json: Terminal.line(SeedGroup.json(groups, metrics: metrics).canonical)
            case .csv: Terminal.line(RunExport.csv(groups, metrics: metrics))
            }
            return
        }
        switch format {
        case .json: Terminal.line(JSONValue.array(rows.map(RunExport.json)).canonical)
        case .jsonl:
            for line in RunExport.jsonLines(rows, history: try tracker.history(runs: rows.map(\.record.hash))) { Terminal.line(line) }
        case .csv: Terminal.line(RunExport.csv(rows))
        }
    }
}
