import Codecs
import Datasets
import Determinism
import Foundation
import Testing

@testable import Engine

/// The determinism contract of DESIGN.md, as tests: same config ⇒ same bytes; SIMD path =
/// scalar path; resumed = uninterrupted; and one pinned hash per numerics version.
@Suite struct DeterminismContractTests {
    /// Configurations covering every optimizer, schedule, activation, dropout and clipping.
    static let configs: [(ModelConfig, TrainConfig)] = [
        (
            ModelConfig(hidden: [40], activation: .relu, initialization: .he),
            TrainConfig(optimizer: .adam, lr: 0.01, batchSize: 16, epochs: 3, seed: 1, logEvery: 2)
        ),
        (
            ModelConfig(hidden: [33, 17], activation: .gelu, initialization: .xavier, dropout: 0.2),
            TrainConfig(
                optimizer: .sgd, lr: 0.05, batchSize: 13, epochs: 3, seed: 2, momentum: 0.9, nesterov: true,
                schedule: .step, stepSize: 1, gamma: 0.5)
        ),
        (
            ModelConfig(hidden: [20], activation: .tanh, initialization: .torch),
            TrainConfig(
                optimizer: .rmsprop, lr: 0.003, batchSize: 32, epochs: 3, seed: 3, weightDecay: 0.01, momentum: 0.5,
                centered: true, schedule: .cosine, minLR: 0.0005, warmupSteps: 3, clipGradNorm: 0.5)
        ),
        (
            ModelConfig(hidden: [24], activation: .sigmoid, initialization: .heUniform),
            TrainConfig(optimizer: .adamw, lr: 0.02, batchSize: 7, epochs: 3, seed: 4)
        ),
        // ReLU before dropout: its forward pass fused into the GEMM, its backward pass not.
        (
            ModelConfig(hidden: [37, 19], activation: .relu, initialization: .he, dropout: 0.3),
            TrainConfig(optimizer: .adamw, lr: 0.01, batchSize: 11, epochs: 3, seed: 5, weightDecay: 0.1)
        ),
    ]

    func train(_ i: Int, path: KernelPath = .simd, data: PreparedData) -> TrainResult {
        let (m, t) = Self.configs[i]
        return Engine.train(model: m, train: t, data: data, runHash: "test", path: path)
    }

    @Test(arguments: configs.indices)
    func sameConfigSameBytes(config: Int) throws {
        let data = try tinyData()
        let a = train(config, data: data)
        let b = train(config, data: data)
        #expect(a.status == .completed)
        #expect(a.finalCheckpoint == b.finalCheckpoint)
        #expect(a.epochs == b.epochs)
    }

    @Test(arguments: configs.indices)
    func simdPathEqualsScalarPath(config: Int) throws {
        let data = try tinyData()
        let simd = train(config, path: .simd, data: data)
        let scalar = train(config, path: .scalar, data: data)
        #expect(simd.finalCheckpoint == scalar.finalCheckpoint)
        #expect(simd.epochs == scalar.epochs)
    }

    @Test(arguments: configs.indices)
    func resumedFromAnyEpochEqualsUninterrupted(config: Int) throws {
        let data = try tinyData()
        let (m, t) = Self.configs[config]
        var checkpoints: [Int: [UInt8]] = [:]
        let full = Engine.train(
            model: m, train: t, checkpoint: CheckpointConfig(every: 1, best: "val_loss"), data: data,
            runHash: "test"
        ) { event in
            if case .checkpoint(let c) = event { checkpoints[c.epoch] = c.bytes }
        }
        #expect(checkpoints.count == t.epochs)
        for epoch in 1..<t.epochs {
            let trainer = Trainer(model: m, train: t, data: data, runHash: "test")
            try trainer.restore(checkpoint: try #require(checkpoints[epoch]))
            let resumed = trainer.run()
            #expect(resumed.finalCheckpoint == full.finalCheckpoint, "resumed after epoch \(epoch)")
            #expect(resumed.epochs == Array(full.epochs.dropFirst(epoch)), "metrics after epoch \(epoch)")
        }
    }

    /// The one deliberate hard-coded hash: a change of numerics must update it in the same
    /// commit as `Engine.numericsVersion`. CI also checks that a baseline-CPU build of the
    /// engine reproduces it.
    @Test func goldenCheckpointHash() throws {
        #expect(Engine.numericsVersion == 2)
        let data = try tinyData()
        let result = train(0, data: data)
        #expect(sha256Hex([result.finalCheckpoint]) == "f82c1857d30558625467fd48a53fea18b81a76d5a10a0dbb9d193a0f28deb42f")
    }

    @Test func divergenceStopsTheRun() throws {
        let data = try tinyData()
        var events: [TrainEvent] = []
        let r = Engine.train(
            model: ModelConfig(hidden: [16]), train: TrainConfig(optimizer: .sgd, lr: 1e38, batchSize: 8, epochs: 5),
            data: data
        ) { events.append($0) }
        #expect(r.status == .diverged)
        #expect(events.contains { if case .diverged = $0 { return true } else { return false } })
        #expect(r.epochs.count < 5)
    }

    @Test func metricsFollowTheNamingTable() throws {
        let data = try tinyData()
        let r = train(0, data: data)
        let keys = try #require(r.final).values.map(\.key)
        #expect(
            Array(keys.prefix(8)) == [
                "train_loss", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
                "test_accuracy_class_0", "test_accuracy_class_1", "test_accuracy_class_2",
            ])
        // Each split's decisions: 4 figures, 3 per class, 3 × 3 confusion cells, 16 × 3 calibration bins.
        for split in ["val", "test"] {
            let own = keys.filter { $0.hasPrefix(split + "_") && !["loss", "accuracy"].contains($0.dropFirst(split.count + 1)) }
                .filter { !$0.hasPrefix("test_accuracy_class_") }
            #expect(own.count == 4 + 3 * 3 + 9 + 16 * 3, "\(split)")
            #expect(own.prefix(4) == ["\(split)_macro_f1", "\(split)_worst_class_accuracy", "\(split)_class_accuracy_gap", "\(split)_ece"])
            #expect(own.contains("\(split)_confusion_2_1") && own.contains("\(split)_calibration_bin_15_confidence"))
        }
        #expect(
            Array(keys.suffix(8)) == [
                "flops_forward", "flops_backward", "flops_elementwise", "flops_optimizer", "flops_evaluation", "flops_total",
                "parameter_bytes", "optimizer_state_bytes",
            ])
        let noValidation = try tinyData(validation: 0)
        let r2 = Engine.train(model: ModelConfig(hidden: [8]), train: TrainConfig(epochs: 1), data: noValidation)
        #expect(!(r2.final?.values.map(\.key) ?? []).contains { $0.hasPrefix("val_") })
    }
}

@Suite struct CheckpointFormatTests {
    @Test func layoutFollowsTheRules() throws {
        let data = try tinyData()
        let r = Engine.train(model: ModelConfig(hidden: [40]), train: TrainConfig(optimizer: .adam, epochs: 1), data: data, runHash: "abc")
        let bytes = r.finalCheckpoint
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        #expect(n % 8 == 0, "header padded to a multiple of 8")
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        #expect(header.hasPrefix(trimmed) && header.dropFirst(trimmed.count).allSatisfy { $0 == " " })
        // The header is canonical JSON: re-serialising it gives the same text.
        let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8))
        #expect(parsed.canonical == trimmed)
        let file = try SafeTensors.decode(bytes)
        #expect(
            Set(file.tensors.keys) == [
                "0.weight", "0.bias", "2.weight", "2.bias",
                "optimizer.0.weight.exp_avg", "optimizer.0.weight.exp_avg_sq",
                "optimizer.0.bias.exp_avg", "optimizer.0.bias.exp_avg_sq",
                "optimizer.2.weight.exp_avg", "optimizer.2.weight.exp_avg_sq",
                "optimizer.2.bias.exp_avg", "optimizer.2.bias.exp_avg_sq",
            ])
        #expect(file.tensors["0.weight"]?.shape == [40, 21], "PyTorch layout: (out, in)")
        #expect(file.tensors["2.weight"]?.shape == [3, 40])
        #expect(file.metadata["run_hash"] == "abc")
        #expect(file.metadata["numerics_version"] == "2")
        #expect(file.metadata["epoch"] == "1")
        // Data stored in ascending name order: offsets increase with the names.
        guard case .object(let entries) = parsed else {
            Issue.record("header is not an object")
            return
        }
        let starts = entries.filter { $0.key != "__metadata__" }.map { ($0.key, $0.value["data_offsets"]!) }
            .map { ($0.0, { if case .array(let a) = $0 { return a[0].doubleValue! } else { return -1 } }($0.1)) }
        let byName = starts.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }.map(\.1)
        #expect(byName == byName.sorted())
    }

    @Test func roundTrip() throws {
        let tensors = [
            SafeTensors.Tensor(name: "b", shape: [2], values: [1, -2]),
            SafeTensors.Tensor(name: "a", shape: [1, 3], values: [0.5, .infinity, -0.0]),
        ]
        let file = try SafeTensors.decode(SafeTensors.encode(tensors, metadata: ["k": "v"]))
        #expect(file.tensors["a"]?.values.map(\.bitPattern) == tensors[1].values.map(\.bitPattern))
        #expect(file.tensors["b"] == tensors[0])
        #expect(file.metadata == ["k": "v"])
    }

    @Test func restoreRefusesAnotherModel() throws {
        let data = try tinyData()
        let r = Engine.train(model: ModelConfig(hidden: [8]), train: TrainConfig(epochs: 1), data: data)
        let other = Trainer(model: ModelConfig(hidden: [9]), train: TrainConfig(epochs: 2), data: data)
        #expect(throws: Trainer.RestoreError.self) { try other.restore(checkpoint: r.finalCheckpoint) }
        let sgd = Trainer(model: ModelConfig(hidden: [8]), train: TrainConfig(optimizer: .sgd, epochs: 2), data: data)
        #expect(throws: Trainer.RestoreError.self) { try sgd.restore(checkpoint: r.finalCheckpoint) }
    }
}
