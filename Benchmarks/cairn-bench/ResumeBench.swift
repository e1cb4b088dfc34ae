import ArgumentParser
import Datasets
import Determinism
import Engine
import Foundation
import Tracker

/// What keeping a resume state at every epoch end costs a run of the seed model (784→256→10,
/// Adam, Fashion-MNIST, batch 64): the bytes of one state, the time to serialise it and put it
/// in the object store (as a run's process does: not fsynced), against the time of the epoch
/// it follows, measured in the same run.
struct ResumeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "The cost of a resume state per epoch for the seed model, against the epoch's time.")

    @Option(help: "Directory of Fashion-MNIST's IDX files.") var dataDir: String = Datasets.defaultFashionMNISTDirectory
    @Option(help: "Epochs to train (each keeps a state but the last).") var epochs = 3
    @Flag(help: "End with one JSON object on its own line.") var json = false

    func run() throws {
        let data = try Datasets.prepare(DataConfig(dataset: .fashionMNIST, validation: 5000), directory: dataDir)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-bench-resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let objects = try ObjectStore(directory: dir)
        let clock = ContinuousClock()
        var epochSeconds: [Double] = []
        var stateSeconds: [Double] = []
        var raw = 0
        var stored = 0
        var failure: Error?
        var last = clock.now
        _ = Engine.train(
            model: ModelConfig(hidden: [256]), train: TrainConfig(optimizer: .adam, lr: 0.001, batchSize: 64, epochs: epochs, seed: 0),
            checkpoint: CheckpointConfig(every: 0, best: "val_accuracy"), data: data, epochStates: true
        ) { event in
            switch event {
            case .epochEnd:
                epochSeconds.append(seconds(clock.now - last))
            case let .epochState(_, _, bytes):
                // The state's serialisation happened just before this event; time it again here
                // with the put, as the run's process pays both.
                let t = clock.now
                do {
                    let (_, size) = try objects.put(bytes, durable: false, compressed: false)
                    stateSeconds.append(seconds(clock.now - t))
                    raw = bytes.count
                    stored = size
                } catch {
                    failure = error
                }
                last = clock.now
            default: break
            }
        }
        if let failure { throw failure }
        // Serialising a state is one more pass over the weights and optimizer slots.
        let trainer = Trainer(model: ModelConfig(hidden: [256]), train: TrainConfig(optimizer: .adam, epochs: 1), data: data)
        let serialise = try (0..<5).map { _ in try clock.measure { _ = trainer.checkpointBytes() } }.map(seconds).min()!
        let epoch = epochSeconds.dropFirst().min() ?? epochSeconds.min() ?? 0
        let put = stateSeconds.min() ?? 0
        print(
            String(
                format:
                    "epoch of the seed model: %.3f s; a resume state: %d bytes (%d stored), serialised in %.1f ms, put in %.1f ms: %.2f%% of the epoch",
                epoch, raw, stored, serialise * 1e3, put * 1e3, 100 * (serialise + put) / epoch))
        emit(
            [
                "epoch_seconds": .number(epoch), "state_bytes": .number(Double(raw)), "state_stored_bytes": .number(Double(stored)),
                "serialise_ms": .number(serialise * 1e3), "put_ms": .number(put * 1e3),
                "share_of_epoch": .number((serialise + put) / epoch),
            ], json: json)
    }
}
