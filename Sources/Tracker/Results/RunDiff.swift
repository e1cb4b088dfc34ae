import Determinism
import Foundation
import Vocabulary

/// Two runs side by side: the config keys that differ, each model metric's final values and
/// the first epoch where they differ, and whether the final checkpoints are the same bytes.
///
///     let d = try tracker.diff("3f2a…", "7d51…")
///     d.config["train.lr"]           // (a: 0.01, b: 0.03)
///     d.metrics[0].firstDifferentEpoch
public struct RunDiff: Sendable {
    public struct Metric: Sendable, Equatable {
        public let key: String
        /// The value at each run's last epoch.
        public let finalA: Double?
        public let finalB: Double?
        /// The first epoch at which the two differ (bit for bit); nil when identical at every epoch.
        public let firstDifferentEpoch: Int?
    }

    public let a: String
    public let b: String
    /// Config keys (flattened, sorted) whose values differ, with both values.
    public let config: [(key: String, a: JSONValue?, b: JSONValue?)]
    /// End-of-epoch model metrics, sorted by key (per-class accuracies left out).
    public let metrics: [Metric]
    public let finalCheckpointA: String?
    public let finalCheckpointB: String?
    public var checkpointsIdentical: Bool { finalCheckpointA != nil && finalCheckpointA == finalCheckpointB }
}

extension Tracker {
    public func diff(_ a: String, _ b: String) throws -> RunDiff {
        let rows = try runs([a, b])
        guard rows.count == 2 else { throw StoreError("no run \(rows.first?.hash == a ? b : a) in \(directory)") }
        let pa = (try? JSONValue.parse(Array(rows[0].config.utf8)))?.flattened ?? [:]
        let pb = (try? JSONValue.parse(Array(rows[1].config.utf8)))?.flattened ?? [:]
        let config = Set(pa.keys).union(pb.keys).sorted().filter { pa[$0] != pb[$0] }.map { (key: $0, a: pa[$0], b: pb[$0]) }
        let history = try history(runs: [a, b])
        func epochs(_ h: String) -> [String: [Int: Double]] {
            (history[h] ?? [:]).compactMapValues { points in
                let e = points.filter { $0.scope == .epoch && $0.kind == .model }
                return e.isEmpty ? nil : Dictionary(e.compactMap { p in p.value.map { (p.epoch, $0) } }, uniquingKeysWith: { a, _ in a })
            }
        }
        let ea = epochs(a)
        let eb = epochs(b)
        let metrics = Set(ea.keys).union(eb.keys).sorted().filter { !MetricName.isPerClass($0) }.map { key in
            let xa = ea[key] ?? [:]
            let xb = eb[key] ?? [:]
            return RunDiff.Metric(
                key: key, finalA: xa.keys.max().flatMap { xa[$0] }, finalB: xb.keys.max().flatMap { xb[$0] },
                firstDifferentEpoch: Set(xa.keys).union(xb.keys).sorted().first { xa[$0]?.bitPattern != xb[$0]?.bitPattern })
        }
        func final(_ h: String) throws -> String? { try checkpoints(run: h).last { $0.kinds.contains(.final) }?.object }
        return RunDiff(a: a, b: b, config: config, metrics: metrics, finalCheckpointA: try final(a), finalCheckpointB: try final(b))
    }
}
