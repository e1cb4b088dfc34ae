import Vocabulary

/// What a classifier's decisions on one split were, exactly: the integer confusion matrix
/// (rows: the true class, columns: the predicted one) and the calibration bins of its top-label
/// confidence. Everything derived from them — per-class precision, recall and F1, macro-F1,
/// worst-class accuracy, the best-to-worst gap, expected calibration error — is computed from
/// these counts alone, so it is as deterministic as they are.
public struct ClassificationReport: Sendable, Equatable {
    public static let calibrationBins = 15

    public let classes: Int
    public let bins: Int
    /// classes × classes, row-major.
    public private(set) var confusion: [Int]
    /// Per bin: rows, rows predicted correctly, and the sum of their confidences (in row
    /// order). Bin k holds confidences c with k/B ≤ c < (k+1)/B (B = 15 bins unless told),
    /// as torchmetrics bins them (`bucketize(right=True) − 1`); one more bin holds c = 1 exactly.
    public private(set) var binCount: [Int]
    public private(set) var binCorrect: [Int]
    public private(set) var binConfidence: [Double]

    public init(classes: Int, bins: Int = ClassificationReport.calibrationBins) {
        self.classes = classes
        self.bins = bins
        confusion = [Int](repeating: 0, count: classes * classes)
        binCount = [Int](repeating: 0, count: bins + 1)
        binCorrect = binCount
        binConfidence = [Double](repeating: 0, count: bins + 1)
    }

    public mutating func add(truth: Int, predicted: Int, confidence: Float) {
        confusion[truth * classes + predicted] += 1
        var bin = 0
        while bin < bins && Float(bin + 1) / Float(bins) <= confidence { bin += 1 }
        binCount[bin] += 1
        if truth == predicted { binCorrect[bin] += 1 }
        binConfidence[bin] += Double(confidence)
    }

    public var rows: Int { confusion.reduce(0, +) }
    func truthTotal(_ k: Int) -> Int { (0..<classes).reduce(0) { $0 + confusion[k * classes + $1] } }
    func predictedTotal(_ k: Int) -> Int { (0..<classes).reduce(0) { $0 + confusion[$1 * classes + k] } }

    /// scikit-learn's definitions, with 0 where a denominator is 0 (`zero_division=0`).
    public func precision(_ k: Int) -> Double {
        let p = predictedTotal(k)
        return p == 0 ? 0 : Double(confusion[k * classes + k]) / Double(p)
    }
    public func recall(_ k: Int) -> Double {
        let t = truthTotal(k)
        return t == 0 ? 0 : Double(confusion[k * classes + k]) / Double(t)
    }
    public func f1(_ k: Int) -> Double {
        let p = precision(k)
        let r = recall(k)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// The mean F1 over the classes that occur as a truth or a prediction (scikit-learn's macro average).
    public var macroF1: Double {
        let present = (0..<classes).filter { truthTotal($0) > 0 || predictedTotal($0) > 0 }
        return present.isEmpty ? 0 : present.reduce(0.0) { $0 + f1($1) } / Double(present.count)
    }

    /// The lowest and highest accuracy (recall) over the classes that occur in the split.
    public var worstClassAccuracy: Double { (0..<classes).filter { truthTotal($0) > 0 }.map(recall).min() ?? 0 }
    public var classAccuracyGap: Double {
        let r = (0..<classes).filter { truthTotal($0) > 0 }.map(recall)
        return (r.max() ?? 0) - (r.min() ?? 0)
    }

    /// Expected calibration error (L1, top-label): Σ over bins of |correct − confidence sum|, over the rows.
    public var expectedCalibrationError: Double {
        let n = rows
        guard n > 0 else { return 0 }
        return (0..<binCount.count).reduce(0.0) { $0 + abs(Double(binCorrect[$1]) - binConfidence[$1]) } / Double(n)
    }

    /// The report as model metrics of `split` (`test`, `val`): the derived figures, then the
    /// per-class ones, the confusion matrix's cells and the calibration bins.
    public func metrics(_ split: String) -> [ModelMetrics.Metric] {
        var m: [ModelMetrics.Metric] = [
            .init(key: "\(split)_macro_f1", value: macroF1), .init(key: "\(split)_worst_class_accuracy", value: worstClassAccuracy),
            .init(key: "\(split)_class_accuracy_gap", value: classAccuracyGap), .init(key: "\(split)_ece", value: expectedCalibrationError),
        ]
        for k in 0..<classes {
            m += [
                .init(key: MetricName.perClass(split, "precision", k), value: precision(k)),
                .init(key: MetricName.perClass(split, "recall", k), value: recall(k)),
                .init(key: MetricName.perClass(split, "f1", k), value: f1(k)),
            ]
        }
        for t in 0..<classes {
            for p in 0..<classes {
                m.append(.init(key: MetricName.confusionCell(split, truth: t, predicted: p), value: Double(confusion[t * classes + p])))
            }
        }
        for b in 0..<binCount.count {
            m += [
                .init(key: MetricName.calibrationBin(split, b, "count"), value: Double(binCount[b])),
                .init(key: MetricName.calibrationBin(split, b, "correct"), value: Double(binCorrect[b])),
                .init(key: MetricName.calibrationBin(split, b, "confidence"), value: binConfidence[b]),
            ]
        }
        return m
    }
}
