import Vocabulary

/// Metrics that measure the model: deterministic, compared bit for bit by `reproduce`.
public struct ModelMetrics: Sendable, Equatable {
    public let epoch: Int
    public let step: Int
    /// In a fixed order: train_loss, [val_loss, val_accuracy,] test_loss, test_accuracy,
    /// test_accuracy_class_<k>…
    public let values: [Metric]

    public struct Metric: Sendable, Equatable {
        public let key: String
        public let value: Double
    }

    public subscript(key: String) -> Double? { values.first { $0.key == key }?.value }
}

/// Metrics that measure the machine: kept apart, never compared.
public struct MachineMetrics: Sendable, Equatable {
    public let epoch: Int
    public let step: Int
    public let epochSeconds: Double
    public let samplesPerSecond: Double
    public let peakRSSBytes: Int

    public var values: [ModelMetrics.Metric] {
        [
            .init(key: "epoch_seconds", value: epochSeconds), .init(key: "samples_per_second", value: samplesPerSecond),
            .init(key: "peak_rss_bytes", value: Double(peakRSSBytes)),
        ]
    }
}

/// A checkpoint the run keeps, and why.
public struct CheckpointEvent: Sendable {
    public let epoch: Int
    public let step: Int
    public let kinds: Set<CheckpointKind>
    /// safetensors bytes.
    public let bytes: [UInt8]
}

public enum TrainEvent: Sendable {
    /// The batch loss, every `log_every` steps.
    case trainLoss(epoch: Int, step: Int, value: Double)
    case epochEnd(ModelMetrics, MachineMetrics)
    case checkpoint(CheckpointEvent)
    /// The full state at an epoch's end (the bytes of a checkpoint there): what a run resumes
    /// from. Only when asked for, and not after the last epoch (its final checkpoint is that).
    case epochState(epoch: Int, step: Int, bytes: [UInt8])
    /// The loss became NaN or infinite: the run stops here.
    case diverged(epoch: Int, step: Int, loss: Double)
}

public struct TrainResult: Sendable {
    public enum Status: String, Sendable { case completed, diverged }
    public let status: Status
    /// The last epoch's model metrics (nil if the run diverged in its first epoch).
    public let final: ModelMetrics?
    public let epochs: [ModelMetrics]
    public let machine: [MachineMetrics]
    /// safetensors bytes of the final state (also of a diverged run: its last good epoch).
    public let finalCheckpoint: [UInt8]
}
