import ArgumentParser
import Determinism
import Foundation
import Planner
import Tracker
import Vocabulary

/// What the scheduler does after a run's process ends; by hand, it recovers a store whose
/// scheduler died. Not for everyday use.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest every run's event log into the index (the scheduler does this itself).",
        shouldDisplay: false)

    @OptionGroup var store: StoreOptions
    @Option(help: .hidden) var batchLines = 50_000

    func run() throws {
        let (runs, events) = try store.open().ingestAll(batchLines: batchLines)
        Terminal.line("ingested \(events) events of \(runs) runs")
    }
}
