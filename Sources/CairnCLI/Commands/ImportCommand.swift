import ArgumentParser
import Determinism
import Foundation
import Planner
import Tracker
import Vocabulary

struct ImportCommand: ParsableCommand {
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
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("\(file): cannot read it") }
        let tracker = try store.open(create: true)
        let result = try tracker.importBundle([UInt8](data), origin: file) { record in
            RunSpec.hash(storedConfig: record.config, datasetSHA256: record.datasetSHA256, numericsVersion: record.numericsVersion)
                == record.hash
        }
        if json {
            Terminal.line(
                JSONValue.object([
                    "imported": .array(result.imported.map(JSONValue.string)), "present": .array(result.present.map(JSONValue.string)),
                    "objects": .number(Double(result.objects)),
                ]).canonical)
            return
        }
        for h in result.imported { Terminal.line("imported  \(h)") }
        for h in result.present { Terminal.line("present   \(h)  (already in \(store.path))") }
        Terminal.line(
            "\(result.imported.count) run\(result.imported.count == 1 ? "" : "s") imported, \(result.present.count) already present, \(result.objects) object\(result.objects == 1 ? "" : "s") added"
        )
        if let first = result.imported.first { Terminal.line("reproduce one with: cairn reproduce \(first.prefix(12))") }
    }
}
