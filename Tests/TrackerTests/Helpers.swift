import Codecs
import Determinism
import Foundation
@testable import Tracker

func freshStore() throws -> Tracker {
    try Tracker(directory: FileManager.default.temporaryDirectory.appendingPathComponent("cairn-store-\(UUID().uuidString)").path)
}

func planned(_ i: Int, lr: Double = 0.01, optimizer: String = "adam", hidden: [Int] = [32]) -> Tracker.PlannedRun {
    let params: [String: JSONValue] = ["train.lr": .number(lr), "train.optimizer": .string(optimizer),
                                       "model.hidden": .array(hidden.map { .number(Double($0)) }), "train.nesterov": .bool(i % 2 == 0)]
    return .init(record: RunRecord(hash: sha256Hex([Array("run \(i)".utf8)]), name: "t\(i)", config: JSONValue.object(params).canonical,
                                   numericsVersion: 2, datasetSHA256: "d"), params: params)
}

/// Appends events to a run's log, as a run's process would.
func append(_ tracker: Tracker, _ hash: String, _ events: [RunEvent]) throws {
    let path = tracker.eventLogPath(hash)
    if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try h.seekToEnd()
    for e in events { try h.write(contentsOf: e.line()) }
    try h.close()
}

func epochMetrics(_ epoch: Int, _ values: [String: Double?]) -> RunEvent {
    .metrics(.init(scope: "epoch", step: epoch * 10, epoch: epoch, kind: "model", values: values))
}
