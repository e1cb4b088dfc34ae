import Datasets
import Testing

@testable import Engine

/// The arithmetic counted from a model's shapes, against values worked out by hand the way
/// PyTorch's `FlopCounterMode` counts matrix multiplies (2·M·N·K).
@Suite struct ComputeCountTests {
    static func mlp(_ dims: [Int], batch: Int) -> MLP {
        MLP(
            config: ModelConfig(hidden: Array(dims.dropFirst().dropLast())), inputDim: dims[0], classes: dims.last!, maxBatch: batch,
            path: .simd)
    }

    /// 784→256→128→10 at batch 64: forward 2·64·(784·256 + 256·128 + 128·10) = 30,048,256; a
    /// training step adds the weight gradients (the same again) and the input gradients of the
    /// second and third layers, 2·64·(256·128 + 128·10) = 4,358,144.
    @Test func matrixMultipliesAsFlopCounterModeCounts() {
        let m = Self.mlp([784, 256, 128, 10], batch: 64)
        #expect(m.forwardMatmulFLOPs(b: 64) == 30_048_256)
        let step = m.stepCount(b: 64, regression: false, optimizerPerParameter: 13)
        #expect(step.forward + step.backward == 64_454_656)
        #expect(step.optimizer == 13 * (784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10))
    }

    @Test(arguments: [
        // dims, batch, forward, backward
        ([4, 3], 5, 2 * 5 * 4 * 3, 2 * 5 * 4 * 3),  // no hidden layer: no input gradient at all
        ([10, 7, 5, 2], 3, 2 * 3 * (70 + 35 + 10), 2 * 3 * (70 + 35 + 10) + 2 * 3 * (35 + 10)),
    ])
    func otherShapes(_ dims: [Int], _ batch: Int, _ forward: Int, _ backward: Int) {
        let step = Self.mlp(dims, batch: batch).stepCount(b: batch, regression: false, optimizerPerParameter: 2)
        #expect(step.forward == forward && step.backward == backward)
    }

    /// An epoch is its full batches, the last partial one, and the evaluation; each epoch's
    /// `flops_total` is the run's count so far.
    @Test func anEpochAndARunsTotal() {
        let data = try! Datasets.prepare(
            DataConfig(dataset: .synthetic, validation: 6, synthetic: SyntheticConfig(features: 4, trainSize: 26, testSize: 9)))
        let t = Trainer(model: ModelConfig(hidden: [5]), train: TrainConfig(optimizer: .sgd, batchSize: 8, epochs: 2), data: data)
        let m = t.model
        // 20 training rows: two batches of 8 and one of 4.
        let full = m.stepCount(b: 8, regression: false, optimizerPerParameter: 2)
        let last = m.stepCount(b: 4, regression: false, optimizerPerParameter: 2)
        let c = t.epochCompute
        #expect(c.forward == 2 * full.forward + last.forward)
        #expect(c.backward == 2 * full.backward + last.backward)
        #expect(c.evaluation == m.forwardMatmulFLOPs(b: 15) + m.forwardElementwise(b: 15, regression: false))
        let result = t.run()
        #expect(result.epochs[0]["flops_total"] == Double(c.total))
        #expect(result.epochs[1]["flops_total"] == Double(2 * c.total))
        #expect(result.epochs[1]["parameter_bytes"] == Double(4 * (4 * 5 + 5 + 5 * 3 + 3)))
        #expect(result.epochs[1]["optimizer_state_bytes"] == 0)  // plain SGD keeps no state
    }
}
