import Vocabulary

/// How a classifier's decisions differ between the groups of a sensitive column (a data set's
/// `data.group`), as Fairlearn's `MetricFrame` defines it: per group the accuracy and — for a
/// binary task, class 1 being the positive one — the true-positive rate, false-positive rate
/// and selection rate; then for each, the difference and ratio between groups (max − min,
/// min / max) and to the overall value (the largest |group − overall|, the smallest of
/// group/overall and overall/group). Counted in integers, so as deterministic as the
/// predictions.
public struct GroupReport: Sendable, Equatable {
    public let groups: Int
    public let binary: Bool
    /// Per group: rows, correct, true positives, positives (truth 1), false positives,
    /// negatives (truth 0), predicted positive.
    var rows, correct, tp, positives, fp, negatives, selected: [Int]

    public init(groups: Int, classes: Int) {
        self.groups = groups
        binary = classes == 2
        rows = [Int](repeating: 0, count: groups)
        (correct, tp, positives, fp, negatives, selected) = (rows, rows, rows, rows, rows, rows)
    }

    public mutating func add(group g: Int, truth: Int, predicted: Int) {
        rows[g] += 1
        if truth == predicted { correct[g] += 1 }
        if truth == 1 { positives[g] += 1 } else { negatives[g] += 1 }
        if predicted == 1 {
            selected[g] += 1
            if truth == 1 { tp[g] += 1 } else { fp[g] += 1 }
        }
    }

    static func rate(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
    static func sum(_ v: [Int]) -> Int { v.reduce(0, +) }

    /// (name, per-group values, overall value) for each figure.
    public var figures: [(name: String, byGroup: [Double], overall: Double)] {
        let all = (0..<groups)
        var f = [("accuracy", all.map { Self.rate(correct[$0], rows[$0]) }, Self.rate(Self.sum(correct), Self.sum(rows)))]
        if binary {
            f += [
                ("true_positive_rate", all.map { Self.rate(tp[$0], positives[$0]) }, Self.rate(Self.sum(tp), Self.sum(positives))),
                ("false_positive_rate", all.map { Self.rate(fp[$0], negatives[$0]) }, Self.rate(Self.sum(fp), Self.sum(negatives))),
                ("selection_rate", all.map { Self.rate(selected[$0], rows[$0]) }, Self.rate(Self.sum(selected), Self.sum(rows))),
            ]
        }
        return f
    }

    /// Fairlearn's aggregates over the groups that occur in the split.
    public static func aggregates(_ byGroup: [Double], overall: Double) -> (
        difference: Double, ratio: Double, toOverall: Double, ratioToOverall: Double
    ) {
        guard let lo = byGroup.min(), let hi = byGroup.max() else { return (0, 1, 0, 1) }
        func ratio(_ a: Double, _ b: Double) -> Double { a == b ? 1 : b == 0 ? 0 : a / b }
        return (
            hi - lo, ratio(lo, hi), byGroup.map { abs($0 - overall) }.max()!,
            byGroup.map { min(ratio($0, overall), ratio(overall, $0)) }.min()!
        )
    }

    public func metrics(_ split: String) -> [ModelMetrics.Metric] {
        var m: [ModelMetrics.Metric] = []
        let present = (0..<groups).filter { rows[$0] > 0 }
        for (name, byGroup, overall) in figures {
            let a = Self.aggregates(present.map { byGroup[$0] }, overall: overall)
            m += [
                .init(key: "\(split)_\(name)_group_difference", value: a.difference),
                .init(key: "\(split)_\(name)_group_ratio", value: a.ratio),
                .init(key: "\(split)_\(name)_overall_difference", value: a.toOverall),
                .init(key: "\(split)_\(name)_overall_ratio", value: a.ratioToOverall),
            ]
            for g in 0..<groups { m.append(.init(key: MetricName.perGroup(split, g, name), value: byGroup[g])) }
        }
        return m
    }
}
