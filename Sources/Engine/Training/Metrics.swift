import Vocabulary

/// Metrics that measure the model: deterministic, compared bit for bit by `reproduce`.
public struct ModelMetrics: Sendable, Equatable {
    public let epoch: Int
    public let step: Int
    /// In a fixed order: train_loss, [val_loss, val_accuracy,] test_loss, test_accuracy,
    /// test_accuracy_class_<k>…, each split's classification report (`ClassificationReport`),
    /// then the compute counts (`ComputeCount`).
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
    /// Wall time since training started (this attempt), and the process's CPU time so far.
    public var wallSeconds = 0.0
    public var cpuUserSeconds = 0.0
    public var cpuSystemSeconds = 0.0
    /// The run's energy so far (see `EnergyMeter`): measured from RAPL, or estimated.
    public var energyJoules = 0.0
    public var energyMeasured = false
    public var co2eGrams = 0.0
    /// gCO₂e per kWh the CO₂e figure used.
    public var carbonIntensity = 0.0
    /// Joules per GFLOP of the run's counted arithmetic so far.
    public var joulesPerGFLOP = 0.0

    public var values: [ModelMetrics.Metric] {
        [
            .init(key: "epoch_seconds", value: epochSeconds), .init(key: "samples_per_second", value: samplesPerSecond),
            .init(key: "peak_rss_bytes", value: Double(peakRSSBytes)), .init(key: "wall_seconds", value: wallSeconds),
            .init(key: "cpu_user_seconds", value: cpuUserSeconds),
            .init(key: "cpu_system_seconds", value: cpuSystemSeconds),
            .init(key: energyMeasured ? "energy_joules" : "energy_joules_estimate", value: energyJoules),
            .init(key: energyMeasured ? "co2e_grams" : "co2e_grams_estimate", value: co2eGrams),
            .init(key: "carbon_intensity", value: carbonIntensity),
            .init(key: energyMeasured ? "energy_joules_per_gflop" : "energy_joules_per_gflop_estimate", value: joulesPerGFLOP),
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
    public enum Status: String, Sendable {
        case completed, diverged
        /// Stopped at `Trainer.pauseAfterEpoch`, to go on later.
        case paused
    }
    public let status: Status
    /// The last epoch's model metrics (nil if the run diverged in its first epoch).
    public let final: ModelMetrics?
    public let epochs: [ModelMetrics]
    public let machine: [MachineMetrics]
    /// safetensors bytes of the final state (also of a diverged run: its last good epoch).
    public let finalCheckpoint: [UInt8]
}
