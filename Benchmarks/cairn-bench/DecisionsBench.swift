import ArgumentParser
import Datasets
import Determinism
import Engine
import Foundation

/// What recording a run's decisions costs the seed model (784→256→10, Adam, Fashion-MNIST,
/// batch 64, 5,000 validation images): one epoch's time, against the extra time evaluation
/// takes to build the confusion matrices, calibration bins and their metrics — measured as
/// `Trainer.evaluate` (with the report) minus the same forward passes, losses and argmaxes
/// without it, on the validation and test sets, best of several repetitions, in one run.
struct DecisionsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions", abstract: "The overhead of confusion matrices and calibration on the seed model's epoch.")

    @Option(help: "Directory of Fashion-MNIST's IDX files.") var dataDir: String = Datasets.defaultFashionMNISTDirectory
    @Option(help: "Repetitions of each evaluation timing (the best is kept).") var repeats = 5
    @Flag(help: "End with one JSON object on its own line.") var json = false

    func run() throws {
        let data = try Datasets.prepare(DataConfig(dataset: .fashionMNIST, validation: 5000), directory: dataDir)
        let trainer = Trainer(
            model: ModelConfig(hidden: [256]), train: TrainConfig(optimizer: .adam, lr: 0.001, batchSize: 64, epochs: 1, seed: 0),
            data: data)
        var epoch = 0.0
        _ = trainer.run { if case let .epochEnd(_, m) = $0 { epoch = m.epochSeconds } }
        let clock = ContinuousClock()
        func best(_ body: () -> Void) -> Double {
            (0..<repeats).map { _ in
                let t = clock.now
                body()
                return seconds(clock.now - t)
            }.min()!
        }
        let sets = [data.validation!, data.test]
        let with = best {
            for s in sets { _ = trainer.evaluate(s).report.metrics("test") }
        }
        let without = best {
            for s in sets { _ = plainEvaluation(trainer.model, s, classes: data.classes) }
        }
        let extra = max(0, with - without)
        print(
            String(
                format: "epoch %.3f s; evaluation of %d rows %.4f s with the report, %.4f s without: +%.4f s per epoch (%.2f%% of it)",
                epoch, sets.reduce(0) { $0 + $1.count }, with, without, extra, 100 * extra / epoch))
        emit(
            [
                "epoch_seconds": .number(epoch), "evaluation_seconds_with_report": .number(with),
                "evaluation_seconds_without_report": .number(without), "overhead_fraction": .number(extra / epoch),
            ], json: json)
    }

    /// Evaluation as it was before the report: forward, loss and argmax per row.
    func plainEvaluation(_ model: MLP, _ set: LabeledSet, classes: Int) -> Int {
        var correct = 0
        var start = 0
        set.features.withUnsafeBufferPointer { f in
            set.labels.withUnsafeBufferPointer { l in
                while start < set.count {
                    let b = min(512, set.count - start)
                    model.forward(b: b, rows: MatrixRows(f.baseAddress! + start * set.dimension, ld: set.dimension), dropoutKey: nil)
                    _ = model.loss(labels: l.baseAddress! + start, b: b, backward: false)
                    let logits = model.logits
                    for r in 0..<b {
                        var top = 0
                        for j in 1..<classes where logits[r * classes + j] > logits[r * classes + top] { top = j }
                        if top == Int(l[start + r]) { correct += 1 }
                    }
                    start += b
                }
            }
        }
        return correct
    }
}
