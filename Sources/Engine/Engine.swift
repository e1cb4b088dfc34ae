import Datasets

/// Cairn's deterministic training engine.
///
///     let data = try Datasets.prepare(DataConfig(dataset: .digits))
///     let result = Engine.train(model: ModelConfig(hidden: [32]), train: TrainConfig(epochs: 2), data: data)
///     result.finalCheckpoint   // safetensors bytes, identical on every run
public enum Engine {
    /// Bumped whenever a change alters any numeric result (a metric value, a checkpoint byte).
    /// It is part of every run hash, so old runs are never confused with new ones.
    public static let numericsVersion = 2

    /// Trains once in this process and returns the result; events stream to `onEvent`.
    /// `epochStates` asks for the full state at every epoch end but the last (`.epochState`),
    /// which a later process can resume from.
    public static func train(
        model: ModelConfig, train: TrainConfig, checkpoint: CheckpointConfig = CheckpointConfig(),
        data: PreparedData, runHash: String = "", path: KernelPath = .simd, threads: Int = 1, epochStates: Bool = false,
        pauseAfter: Int? = nil, onEvent: (TrainEvent) -> Void = { _ in }
    ) -> TrainResult {
        let trainer = Trainer(
            model: model, train: train, checkpoint: checkpoint, data: data, runHash: runHash, path: path,
            team: threads > 1 ? Team(threads: threads) : .single)
        trainer.emitsEpochStates = epochStates
        trainer.pauseAfterEpoch = pauseAfter
        return trainer.run(onEvent: onEvent)
    }

    /// Continues training from `state` — an `.epochState` or a checkpoint this configuration
    /// wrote — with `best` the best `checkpoint.best` value seen before it; the result is
    /// byte-identical to training that never stopped. Throws if the state is not this
    /// configuration's.
    public static func train(
        model: ModelConfig, train: TrainConfig, checkpoint: CheckpointConfig = CheckpointConfig(),
        data: PreparedData, runHash: String = "", path: KernelPath = .simd, threads: Int = 1, resumingFrom state: [UInt8],
        best: Double?,
        epochStates: Bool = false, pauseAfter: Int? = nil, onEvent: (TrainEvent) -> Void = { _ in }
    ) throws -> TrainResult {
        let trainer = Trainer(
            model: model, train: train, checkpoint: checkpoint, data: data, runHash: runHash, path: path,
            team: threads > 1 ? Team(threads: threads) : .single)
        try trainer.restore(checkpoint: state, best: best)
        trainer.emitsEpochStates = epochStates
        trainer.pauseAfterEpoch = pauseAfter
        return trainer.run(onEvent: onEvent)
    }
}

/// Which implementation of the GEMM kernels to use. Both give identical bytes (tested);
/// the scalar path is the readable reference.
public enum KernelPath: Sendable {
    case simd, scalar
}
