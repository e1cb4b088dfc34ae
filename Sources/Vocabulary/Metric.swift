/// Which way a metric is better. One rule for every metric name, used wherever a best value,
/// a sort order, a default sweep goal or a "best checkpoint" is decided.
public enum Goal: String, Sendable, CaseIterable, Codable {
    case minimize, maximize

    /// The goal of a metric, from its name: losses and errors (`train_loss`, `val_loss`, `rmse`,
    /// `mae`, calibration error `ece`, the best-to-worst class `gap`, between-group `difference`s)
    /// are minimised; everything
    /// else (accuracies, `r2`, F1) is maximised.
    ///
    ///     Goal.of("val_loss")       // .minimize
    ///     Goal.of("test_accuracy")  // .maximize
    public static func of(_ metric: String) -> Goal {
        if metric.hasSuffix("loss") { return .minimize }
        for error in ["rmse", "mae", "error", "ece", "gap", "difference"] where metric == error || metric.hasSuffix("_" + error) {
            return .minimize
        }
        return .maximize
    }

    public var maximizes: Bool { self == .maximize }

    /// Whether `a` is better than `b` under this goal (strictly).
    public func prefers(_ a: Double, over b: Double) -> Bool { self == .maximize ? a > b : a < b }
}

/// Names of the metrics the engine records, where a rule depends on them.
public enum MetricName {
    /// Per-class test accuracy: `test_accuracy_class_<k>`.
    public static let classAccuracyPrefix = "test_accuracy_class_"

    public static func classAccuracy(_ k: Int) -> String { classAccuracyPrefix + String(k) }

    /// Per-class figures of a split: `test_precision_class_3`, `val_f1_class_0`.
    public static func perClass(_ split: String, _ figure: String, _ k: Int) -> String { "\(split)_\(figure)_class_\(k)" }

    /// A cell of a split's confusion matrix (rows: the true class): `test_confusion_2_7`.
    public static func confusionCell(_ split: String, truth: Int, predicted: Int) -> String { "\(split)_confusion_\(truth)_\(predicted)" }

    /// A calibration bin's count, correct count or confidence sum: `test_calibration_bin_14_count`.
    public static func calibrationBin(_ split: String, _ bin: Int, _ what: String) -> String { "\(split)_calibration_bin_\(bin)_\(what)" }

    /// A group's figure (`data.group`): `test_group_1_accuracy`.
    public static func perGroup(_ split: String, _ group: Int, _ figure: String) -> String { "\(split)_group_\(group)_\(figure)" }

    /// Whether `name` is a per-class or per-group figure, a confusion-matrix cell or a
    /// calibration bin: detail listed apart from the other metrics (as a matrix or a table).
    public static func isPerClass(_ name: String) -> Bool {
        if name.contains("_confusion_") || name.contains("_calibration_bin_") { return true }
        // `…_class_<k>…` and `…_group_<g>…`: a component naming an index.
        let parts = name.split(separator: "_")
        return zip(parts, parts.dropFirst()).contains { ($0 == "class" || $0 == "group") && $1.allSatisfy(\.isNumber) }
    }

    /// The metric a sweep optimises when its file names none: validation accuracy (RMSE for
    /// regression) when there is a validation split, else the test set's.
    public static func defaultSweepMetric(hasValidation: Bool, regression: Bool = false) -> String {
        (hasValidation ? "val_" : "test_") + (regression ? "rmse" : "accuracy")
    }

    /// The per-epoch model metrics a run records (but the per-class accuracies), in order.
    public static func modelMetrics(hasValidation: Bool, regression: Bool = false) -> [String] {
        let kinds = regression ? ["loss", "rmse", "mae", "r2"] : ["loss", "accuracy"]
        return ["train_loss"] + (hasValidation ? kinds.map { "val_" + $0 } : []) + kinds.map { "test_" + $0 }
    }
}

/// When a metric point was taken: every `log_every` steps, or at an epoch's end.
public enum MetricScope: String, Sendable, CaseIterable, Codable {
    case step, epoch
}

/// What a metric measures: the model (deterministic, compared by `reproduce`) or the machine
/// (seconds, samples/s, memory: never compared).
public enum MetricKind: String, Sendable, CaseIterable, Codable {
    case model, machine
}

/// Why a checkpoint was kept. One checkpoint can be several at once (the best and the final).
public enum CheckpointKind: String, Sendable, CaseIterable, Codable, Comparable {
    case best, final, periodic

    public static func < (a: CheckpointKind, b: CheckpointKind) -> Bool { a.rawValue < b.rawValue }

    /// Kinds as stored in the index and shown to people: sorted names joined by commas
    /// (`best,final`).
    public static func label(_ kinds: Set<CheckpointKind>) -> String { kinds.sorted().map(\.rawValue).joined(separator: ",") }

    /// The inverse of `label`; unknown names are dropped.
    public static func parse(_ label: String) -> Set<CheckpointKind> {
        Set(label.split(separator: ",").compactMap { CheckpointKind(rawValue: String($0)) })
    }
}
