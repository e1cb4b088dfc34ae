import Foundation
import Testing

@testable import Engine

/// The engine against an independent NumPy implementation (Fixtures/make_mlp_fixture.py,
/// run once; its output committed): forward logits, loss, every gradient, and the weights
/// after three Adam steps, within 1e-5 relative.
@Suite struct ReferenceFixtureTests {
    struct Fixture: Decodable {
        let sizes: [Int]
        let batch: Int
        let lr: Double
        let x: [Double]
        let labels: [Int32]
        let params: [String: [Double]]
        let logits: [Double]
        let loss: Double
        let grads: [String: [Double]]
        let after_3_adam_steps: [String: [Double]]
    }

    static func load() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "mlp_adam", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func makeModel(_ f: Fixture) -> MLP {
        let model = MLP(
            config: ModelConfig(hidden: Array(f.sizes.dropFirst().dropLast()), activation: .tanh),
            inputDim: f.sizes[0], classes: f.sizes.last!, maxBatch: f.batch, path: .simd)
        for t in model.tensors { model.loadTorchLayout(t, f.params[t.name]!.map(Float.init), into: model.params) }
        for (i, v) in f.x.enumerated() { model.input[i] = Float(v) }
        return model
    }

    func relative(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? 0
    }

    @Test func forwardAndBackwardMatchNumPy() throws {
        let f = try Self.load()
        let model = makeModel(f)
        let logits = model.forward(b: f.batch, dropoutKey: nil)
        let mine = (0..<f.logits.count).map { Double(logits[$0]) }
        #expect(relative(mine, f.logits) < 1e-5)
        let loss = f.labels.withUnsafeBufferPointer { model.loss(labels: $0.baseAddress!, b: f.batch, backward: true) }
        #expect(abs(Double(loss) - f.loss) / f.loss < 1e-5)
        for t in model.tensors {
            let g = model.torchLayout(t, from: model.grads).map(Double.init)
            #expect(relative(g, f.grads[t.name]!) < 1e-5, "gradient of \(t.name)")
        }
    }

    @Test func threeAdamStepsMatchNumPy() throws {
        let f = try Self.load()
        let model = makeModel(f)
        let opt = Optimizer(config: TrainConfig(optimizer: .adam, lr: f.lr), count: model.parameterCount)
        for _ in 0..<3 {
            model.forward(b: f.batch, dropoutKey: nil)
            _ = f.labels.withUnsafeBufferPointer { model.loss(labels: $0.baseAddress!, b: f.batch, backward: true) }
            opt.update(model.params, model.grads, lr: f.lr)
        }
        for t in model.tensors {
            let p = model.torchLayout(t, from: model.params).map(Double.init)
            #expect(relative(p, f.after_3_adam_steps[t.name]!) < 1e-5, "\(t.name) after 3 Adam steps")
        }
    }
}
