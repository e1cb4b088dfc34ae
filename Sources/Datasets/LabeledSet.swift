/// Examples as one flat row-major buffer of features in [0, 1] and a label per row.
public struct LabeledSet: Sendable {
    /// `count × dimension` floats, row-major.
    public var features: [Float]
    public var labels: [Int32]
    public let dimension: Int

    public var count: Int { labels.count }

    public init(features: [Float], labels: [Int32], dimension: Int) {
        precondition(features.count == labels.count * dimension)
        self.features = features
        self.labels = labels
        self.dimension = dimension
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
        labels = kept.map { labels[$0] }
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
        return LabeledSet(features: f, labels: indices.map { labels[$0] }, dimension: d)
    }
}

/// A dataset split for training: what the trainer learns from, what it validates on each
/// epoch (absent when `validation` is 0) and what it reports test metrics on.
public struct PreparedData: Sendable {
    public let train: LabeledSet
    public let validation: LabeledSet?
    public let test: LabeledSet
    public let classes: Int
    /// SHA-256 (hex) of the dataset's canonical bytes; part of every run hash.
    public let sha256: String
}
