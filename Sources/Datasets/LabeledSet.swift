#if canImport(Glibc)
    import Glibc
#endif

/// Examples as one flat row-major buffer of features and, per row, a class label
/// (classification) or `outputs` target values (regression).
public struct LabeledSet: Sendable {
    /// `count × dimension` floats, row-major.
    public var features: [Float]
    /// Classification: a class index per row (empty for regression).
    public var labels: [Int32]
    /// Regression: `count × outputs` targets, row-major (empty for classification).
    public var targets: [Float]
    public let dimension: Int
    /// Regression: values to predict per row; 0 for classification.
    public let outputs: Int
    /// A group index per row (the data set's `group` column), or empty.
    public var groups: [Int32] = []

    public var count: Int { outputs == 0 ? labels.count : targets.count / outputs }

    public init(features: [Float], labels: [Int32], dimension: Int) {
        precondition(features.count == labels.count * dimension)
        self.features = features
        self.labels = labels
        self.targets = []
        self.dimension = dimension
        self.outputs = 0
    }

    public init(features: [Float], targets: [Float], outputs: Int, dimension: Int) {
        precondition(outputs >= 1 && targets.count % outputs == 0 && features.count == targets.count / outputs * dimension)
        self.features = features
        self.labels = []
        self.targets = targets
        self.dimension = dimension
        self.outputs = outputs
    }

    /// Keeps only the rows at `kept` (ascending), in place: rows only move towards the front,
    /// so a large set is never held twice (a copy of Fashion-MNIST's training rows costs
    /// 170 MB of fresh pages).
    public mutating func keep(ascending kept: [Int]) {
        let d = dimension
        features.withUnsafeMutableBufferPointer { f in
            for (row, i) in kept.enumerated() where row != i {
                precondition(row < i, "keep(ascending:) takes ascending row indices")
                (f.baseAddress! + row * d).update(from: f.baseAddress! + i * d, count: d)  // whole rows apart: no overlap
            }
        }
        features.removeLast(features.count - kept.count * d)
        if !groups.isEmpty { groups = kept.map { groups[$0] } }
        if outputs == 0 {
            labels = kept.map { labels[$0] }
        } else {
            let k = outputs
            targets = kept.flatMap { targets[($0 * k)..<($0 * k + k)] }
        }
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledSet {
        // Row by row with memcpy.
        let d = dimension
        let f = [Float](unsafeUninitializedCapacity: indices.count * d) { out, count in
            features.withUnsafeBufferPointer { src in
                for (row, i) in indices.enumerated() {
                    (out.baseAddress! + row * d).update(from: src.baseAddress! + i * d, count: d)
                }
            }
            count = indices.count * d
        }
        var out =
            outputs == 0
            ? LabeledSet(features: f, labels: indices.map { labels[$0] }, dimension: d)
            : LabeledSet(
                features: f, targets: indices.flatMap { targets[($0 * outputs)..<($0 * outputs + outputs)] }, outputs: outputs, dimension: d
            )
        if !groups.isEmpty { out.groups = indices.map { groups[$0] } }
        return out
    }
}

/// What a model learns to do with a data set.
public enum Task: String, Sendable, CaseIterable {
    /// Predict a class: softmax cross-entropy, accuracy.
    case classification
    /// Predict numbers: a linear output, mean squared error; RMSE, MAE and R².
    case regression
}

/// A dataset split for training: what the trainer learns from, what it validates on each
/// epoch (absent when `validation` is 0) and what it reports test metrics on.
public struct PreparedData: Sendable {
    public let train: LabeledSet
    public let validation: LabeledSet?
    public let test: LabeledSet
    /// Classification: the number of classes (0 for regression).
    public let classes: Int
    /// SHA-256 (hex) of the dataset's canonical bytes; part of every run hash.
    public let sha256: String
    public var task: Task = .classification
    /// The class labels in index order, as the data names them (empty for the built-in sets).
    public var classNames: [String] = []
    /// Regression with a scaled target: the model predicts `(y − shift) / scale` per output;
    /// metrics are reported in the original units. Empty: no scaling.
    public var targetShift: [Double] = []
    public var targetScale: [Double] = []
    /// The groups of `data.group`, in index order (empty: none).
    public var groupNames: [String] = []
    /// A file data set's files, as read (empty for the built-in sets).
    public var files: [DataFile] = []

    public init(train: LabeledSet, validation: LabeledSet?, test: LabeledSet, classes: Int, sha256: String) {
        self.train = train
        self.validation = validation
        self.test = test
        self.classes = classes
        self.sha256 = sha256
    }

    /// The model's output width: the classes, or the regression targets per row.
    public var outputs: Int { task == .regression ? train.outputs : classes }
}

/// Asks the kernel to back a fresh, still untouched buffer with 2 MB pages as it is first
/// written. Training reads its minibatches' rows from anywhere in the set, and with 4 KB pages
/// a large set (Fashion-MNIST's training images are 188 MB as floats) costs a TLB miss and a
/// page walk for nearly every row: backed by huge pages, copying a minibatch took 20–40% less
/// time here. Before the first write it costs nothing (asking later, and collapsing pages
/// already there, took 0.4 s for those 188 MB). A hint only: where the kernel does not take
/// it, nothing changes, and no value ever does.
func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
        let huge = 1 << 21
        guard let base = buffer.baseAddress, buffer.count >= 2 * huge else { return }
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, MADV_HUGEPAGE)
    #endif
}
