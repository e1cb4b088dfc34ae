import Determinism
import Foundation
import Tracker
import Vocabulary

/// A fresh directory under the system's temporary directory, with `files` (relative path →
/// text) written into it; returns its path.
public func scratch(_ files: [String: String] = [:], label: String = "scratch") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files {
        let path = "\(dir)/\(name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    return dir
}

/// A new, empty store in a scratch directory.
public func freshStore() throws -> Tracker {
    try Tracker(directory: try scratch(label: "store") + "/runs")
}

/// A run to record, as a planner would hand it over (numerics version 2, data set "d").
package func TestRun(hash: String, name: String, canonicalSpec: String, params: [String: JSONValue]) -> RunEntry {
    RunEntry(hash: hash, name: name, canonicalSpec: canonicalSpec, numericsVersion: 2, datasetSHA256: "d", params: params)
}

/// Appends events to a run's log, as a run's process would.
package func append(_ tracker: Tracker, _ hash: String, _ events: [RunEvent]) throws {
    let path = tracker.eventLogPath(hash)
    if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try h.seekToEnd()
    for e in events { try h.write(contentsOf: e.line()) }
    try h.close()
}

package func epochMetrics(_ epoch: Int, _ values: [String: Double?]) -> RunEvent {
    .metrics(.init(scope: .epoch, step: epoch * 10, epoch: epoch, kind: .model, values: values))
}
