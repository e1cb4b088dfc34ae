import ArgumentParser
import Determinism
import Foundation
import Planner
import Tracker
import Vocabulary

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
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
        let tracker = try store.open()
        let hash = try tracker.resolve(self.hash)
        if !names.isEmpty || !remove.isEmpty { try tracker.tag(runs: [hash], add: names, remove: remove) }
        if let note { try tracker.setNote(run: hash, note.isEmpty ? nil : note) }
        let tags = try tracker.tags(run: hash)
        let current = try tracker.run(hash)?.note
        if json {
            Terminal.line(
                JSONValue.object([
                    "hash": .string(hash), "tags": .array(tags.map(JSONValue.string)),
                    "note": current.map(JSONValue.string) ?? .null,
                ]).canonical)
            return
        }
        Terminal.line("\(hash.prefix(12))  tags: \(tags.isEmpty ? "(none)" : tags.joined(separator: ", "))")
        if let current { Terminal.line("              note: \(current)") }
    }
}
