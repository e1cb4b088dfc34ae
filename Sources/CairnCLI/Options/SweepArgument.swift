import Foundation
import Planner

/// What `--sweep S` names: a sweep-hash prefix, or a sweep (or experiment) file's path, which
/// is planned to find its hash — the sweep that file records when it runs.
///
///     SweepArgument.hash("8a87f2")                  // "8a87f2"
///     SweepArgument.hash("sweeps/quickstart.yaml")  // "8a87f2ea0bfd…"
enum SweepArgument {
    static func hash(_ s: String?, dataDirectory: String? = nil) throws -> String? {
        guard let s else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: s, isDirectory: &isDirectory), !isDirectory.boolValue else { return s }
        return try Planner.plan(file: s, dataDirectory: dataDirectory).sweepHash
    }
}
