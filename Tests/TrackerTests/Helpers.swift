import Codecs
import Determinism
import Foundation
import TestSupport
import Vocabulary

@testable import Tracker

func planned(_ i: Int, lr: Double = 0.01, optimizer: String = "adam", hidden: [Int] = [32]) -> RunEntry {
    let params: [String: JSONValue] = [
        "train.lr": .number(lr), "train.optimizer": .string(optimizer),
        "model.hidden": .array(hidden.map { .number(Double($0)) }), "train.nesterov": .bool(i % 2 == 0),
    ]
    return TestRun(
        hash: sha256Hex([Array("run \(i)".utf8)]), name: "t\(i)", canonicalSpec: JSONValue.object(params).canonical, params: params)
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
    .metrics(.init(scope: .epoch, step: epoch * 10, epoch: epoch, kind: .model, values: values))
}
