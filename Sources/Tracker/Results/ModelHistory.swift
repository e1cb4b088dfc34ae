import Foundation
import Vocabulary

/// A run's model metrics (the deterministic ones) point by point: what `reproduce` compares.
public enum ModelHistory {
    public enum Comparison: Sendable, Equatable {
        /// Every point equal, bit for bit; how many were compared.
        case identical(points: Int)
        /// The first point that differs, in key then step order (nil: missing on that side).
        case differs(key: String, scope: MetricScope, step: Int, a: Double?, b: Double?)
    }

    /// Compares two histories point by point, in key then step order; equal means the same
    /// step, scope and bit pattern. Every metric of `a` (the original) must be in `b`; a metric
    /// only `b` has — one a later Cairn records, such as the compute counts — is not compared.
    public static func firstDifference(_ a: [String: [MetricPoint]], _ b: [String: [MetricPoint]]) -> Comparison {
        var compared = 0
        for key in a.keys.sorted() {
            let pa = a[key] ?? []
            let pb = b[key] ?? []
            for i in 0..<max(pa.count, pb.count) {
                let x = i < pa.count ? pa[i] : nil
                let y = i < pb.count ? pb[i] : nil
                guard let x, let y, x.step == y.step, x.scope == y.scope, x.value?.bitPattern == y.value?.bitPattern else {
                    let p = x ?? y!
                    return .differs(key: key, scope: p.scope, step: p.step, a: x?.value, b: y?.value)
                }
                compared += 1
            }
        }
        return .identical(points: compared)
    }
}

extension Tracker {
    /// A run's model metric points by key (machine metrics left out).
    public func modelHistory(run hash: String) throws -> [String: [MetricPoint]] {
        (try history(runs: [hash])[hash] ?? [:]).mapValues { $0.filter { $0.kind == .model } }.filter { !$0.value.isEmpty }
    }
}
