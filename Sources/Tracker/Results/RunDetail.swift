import Determinism
import Foundation
import Vocabulary

/// One run in full: its listed row, metric histories, checkpoints, provenance, attempts and
/// data files. `cairn show` renders it for a terminal; `show --json` and the dashboard's run
/// page read the same `json`.
///
///     let d = try RunDetail(tracker, run: try tracker.resolve("3f2a9c"))
///     d.checkpoints.last?.object
package struct RunDetail: Sendable {
    package let row: RunRow
    package let history: [String: [MetricPoint]]
    package let checkpoints: [CheckpointRecord]
    package let provenance: Provenance?
    package let attempts: [AttemptRecord]
    package let dataFiles: [DataManifest.File]
    package let logPath: String

    /// `hash` is a full hash (see `Tracker.resolve`); `histories` picks the metrics whose
    /// histories it reads (all of them unless told: a page of curves needs no per-class ones,
    /// nine tenths of the points).
    package init(_ tracker: Tracker, run hash: String, histories: ((String) -> Bool)? = nil) throws {
        guard let row = try tracker.runs(RunQuery(hashes: [hash])).first else { throw Tracker.StoreError("no run \(hash)") }
        self.row = row
        let keys = histories.map { row.summaries.keys.filter($0).sorted() }
        history = try tracker.history(runs: [hash], keys: keys)[hash] ?? [:]
        checkpoints = try tracker.checkpoints(run: hash)
        provenance = try tracker.provenance(run: hash)
        attempts = try tracker.attempts(run: hash)
        dataFiles = try tracker.layout.readDataManifest(row.record.datasetSHA256)?.files ?? []
        logPath = tracker.logPath(hash)
    }

    /// The run as one JSON object: the listing's fields (`run`), the canonical spec
    /// (`config`), checkpoints, data files, provenance and attempts.
    package var json: JSONValue {
        var o: [String: JSONValue] = ["run": RunExport.json(row)]
        if case .object(let config)? = try? JSONValue.parse(Array(row.record.config.utf8)) { o["config"] = .object(config) }
        o["checkpoints"] = .array(
            checkpoints.map {
                [
                    "object": .string($0.object), "step": .number(Double($0.step)), "epoch": .number(Double($0.epoch)),
                    "kinds": .string($0.kindsLabel), "raw_size": .number(Double($0.rawSize)), "stored_size": .number(Double($0.storedSize)),
                ]
            })
        o["log"] = .string(logPath)
        o["data_set_sha256"] = .string(row.record.datasetSHA256)
        o["data_files"] = .array(
            dataFiles.map {
                [
                    "role": .string($0.role), "sha256": .string($0.sha256), "bytes": .number(Double($0.bytes)), "path": .string($0.path),
                    "stored": .bool($0.stored),
                ]
            })
        if let p = provenance { o["provenance"] = p.json }
        o["attempts"] = .array(
            attempts.map { a in
                [
                    "attempt": .number(Double(a.attempt)), "resumed_from_epoch": .number(Double(a.resumedFromEpoch)),
                    "host": a.host.map(JSONValue.string) ?? .null,
                ]
            })
        return .object(o)
    }
}
