import Foundation

/// Where a store keeps each thing, without opening its index: what a run's own process needs
/// (it never opens SQLite, so it can run on any host that sees these files).
///
///     runs/cairn.sqlite          the index (the scheduler's; a run's process never opens it)
///     runs/specs/<hash>.json     a run's spec, its `RunIdentity` bytes (written before it starts)
///     runs/events/<hash>.jsonl   a run's event log
///     runs/logs/<hash>.log       a run's stdout and stderr
///     runs/leases/<hash>.lease   who holds a run
///     runs/objects/ab/cdef….gz   objects
package struct StoreLayout: Sendable {
    package let directory: String

    package init(directory: String) { self.directory = directory }

    package static let folders = ["events", "logs", "objects", "leases", "specs"]

    package var index: String { "\(directory)/cairn.sqlite" }
    package var objects: String { "\(directory)/objects" }
    package func spec(_ hash: String) -> String { "\(directory)/specs/\(hash).json" }
    package func eventLog(_ hash: String) -> String { "\(directory)/events/\(hash).jsonl" }
    package func log(_ hash: String) -> String { "\(directory)/logs/\(hash).log" }
    package func lease(_ hash: String) -> String { "\(directory)/leases/\(hash).lease" }

    /// Makes the folders a run's process writes into (not the index).
    package func create() throws {
        for sub in [""] + Self.folders.map({ "/" + $0 }) {
            try FileManager.default.createDirectory(atPath: directory + sub, withIntermediateDirectories: true)
        }
    }
}
