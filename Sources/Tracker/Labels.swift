import Foundation
import GRDB

extension Tracker {
    /// Adds and removes tags of runs, in one transaction. A tag is a short label without
    /// spaces (so it reads in a listing and in `--where 'tag = "…"'`).
    package func tag(runs hashes: [String], add: [String] = [], remove: [String] = []) throws {
        for name in add where !Tracker.isTagName(name) {
            throw StoreError("\"\(name)\" is not a tag: use letters, digits and . _ - / (1 to 64 characters)")
        }
        try db.write { db in
            for hash in hashes {
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM run WHERE hash = ?", arguments: [hash]) else {
                    throw StoreError("no run \(hash) in the store")
                }
                for name in add { try db.execute(sql: "INSERT OR IGNORE INTO tag (runId, name) VALUES (?, ?)", arguments: [id, name]) }
                for name in remove { try db.execute(sql: "DELETE FROM tag WHERE runId = ? AND name = ?", arguments: [id, name]) }
            }
        }
    }

    /// Sets (or, with nil, clears) a run's note.
    package func setNote(run hash: String, _ note: String?) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE run SET note = ? WHERE hash = ?", arguments: [note, hash])
            if db.changesCount == 0 { throw StoreError("no run \(hash) in the store") }
        }
    }

    package func tags(run hash: String) throws -> [String] {
        try db.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM tag WHERE runId = (SELECT id FROM run WHERE hash = ?) ORDER BY name", arguments: [hash])
        }
    }

    package static func isTagName(_ s: String) -> Bool {
        (1...64).contains(s.count)
            && s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-/".unicodeScalars.contains($0) }
    }
}
