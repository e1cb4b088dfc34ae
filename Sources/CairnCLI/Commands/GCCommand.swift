import ArgumentParser
import Determinism
import Foundation
import Planner
import Tracker
import Vocabulary

struct GCCommand: ParsableCommand {
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
        let (objects, bytes) = try store.open().gc(apply: apply)
        if json {
            Terminal.line(
                JSONValue.object([
                    "applied": .bool(apply), "objects": .array(objects.map { .string($0) }),
                    "bytes": .number(Double(bytes)),
                ]).canonical)
            return
        }
        for o in objects { Terminal.line("\(apply ? "removed" : "would remove")  \(o)") }
        Terminal.line(
            "\(objects.count) unreferenced objects, \(bytes) bytes\(apply || objects.isEmpty ? "" : " (run with --apply to remove them)")")
    }
}
