import ArgumentParser
import Determinism
import Foundation
import Planner
import Tracker
import Vocabulary

struct RemoveCommand: ParsableCommand {
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
        let tracker = try store.open()
        // Every name is resolved before anything is removed: one bad prefix removes nothing.
        let hashes = try runs.map { try tracker.resolve($0) }
        for r in try tracker.runs(hashes) where r.status == .running || r.status == .queued {
            throw CLIError("run \(r.hash.prefix(12)) is \(r.status.rawValue); stop its sweep first (Ctrl-C), then remove it")
        }
        try tracker.remove(runs: hashes)
        if json {
            Terminal.line(JSONValue.array(hashes.map(JSONValue.string)).canonical)
            return
        }
        for h in hashes { Terminal.line("removed  \(h)") }
        Terminal.line("\(hashes.count) run\(hashes.count == 1 ? "" : "s") removed; their checkpoint objects stay until `cairn gc --apply`")
    }
}
