import Determinism
import Foundation
import Testing

@testable import Engine

/// Finite-difference checks: every parameter's gradient from `loss(backward:)` against the
/// central difference of the loss, for each activation, with and without dropout. The loss is
/// computed in Float, so the step is large and the tolerance a few percent.
@Suite struct GradientCheckTests {
    /// `regression`: the mean squared error against `classes` targets per row instead.
    func check(_ config: ModelConfig, inputDim: Int = 6, classes: Int = 4, batch: Int = 5, regression: Bool = false) {
        let model = MLP(config: config, inputDim: inputDim, classes: classes, maxBatch: batch, path: .simd)
        model.initialize(.xavier, seed: 3)
        // Non-zero biases, so every path (and ReLU's kink away from the sample points) is tested.
        for t in model.tensors where !t.transposed {
            for i in 0..<t.count { model.params[t.offset + i] = uniforms(t.count, seed: UInt64(t.offset), scale: 0.3)[i] }
        }
        let x = uniforms(batch * inputDim, seed: 7)
        for i in 0..<x.count { model.input[i] = x[i] }
        let labels: [Int32] = (0..<batch).map { Int32($0 % classes) }
        let targets = uniforms(batch * classes, seed: 11, scale: 2)
        let key: (seed: UInt64, step: UInt64) = (9, 4)
        func loss(backward: Bool) -> Double {
            regression
                ? Double(targets.withUnsafeBufferPointer { model.loss(targets: $0.baseAddress!, b: batch, backward: backward) })
                : Double(labels.withUnsafeBufferPointer { model.loss(labels: $0.baseAddress!, b: batch, backward: backward) })
        }
        func lossValue() -> Double {
            model.forward(b: batch, dropoutKey: key)
            return loss(backward: false)
        }
        model.forward(b: batch, dropoutKey: key)
        _ = loss(backward: true)
        let analytic = (0..<model.parameterCount).map { Double(model.grads[$0]) }
        var numeric: [Double] = []
        // ReLU's kink: a step of 1e-2 moves some pre-activations across zero, where the
        // difference quotient is not the derivative; 1e-3 stays on one side of every kink here.
        let h: Float = config.activation == .relu ? 1e-3 : 1e-2
        for i in 0..<model.parameterCount {
            let saved = model.params[i]
            model.params[i] = saved + h
            let up = lossValue()
            model.params[i] = saved - h
            let down = lossValue()
            model.params[i] = saved
            numeric.append((up - down) / Double(2 * h))
        }
        let err = maxRelativeError(analytic, numeric, floor: 1e-2)
        #expect(err < 0.03, "\(config.activation) dropout \(config.dropout): relative error \(err)")
    }

    @Test(arguments: ModelConfig.Activation.allCases)
    func everyActivation(activation: ModelConfig.Activation) {
        check(ModelConfig(hidden: [7, 5], activation: activation))
    }

    @Test(arguments: ModelConfig.Activation.allCases)
    func withDropout(activation: ModelConfig.Activation) {
        check(ModelConfig(hidden: [9], activation: activation, dropout: 0.3))
    }

    @Test func noHiddenLayer() {
        check(ModelConfig(hidden: []))
    }

    /// Regression: a linear output and the mean squared error, with one output and several.
    @Test(arguments: [1, 3])
    func regression(outputs: Int) {
        check(ModelConfig(hidden: [7], activation: .tanh), classes: outputs, regression: true)
        check(ModelConfig(hidden: [6, 5], activation: .relu, dropout: 0.2), classes: outputs, regression: true)
    }

    /// The loss against a value computed by hand: PyTorch's MSELoss, the mean over every element.
    @Test func regressionLossValue() {
        let pred: [Float] = [1, 2, 3, 4]
        let targets: [Float] = [0, 2, 5, 4]
        var losses = [Float](repeating: 0, count: 2)
        var d = [Float](repeating: 0, count: 4)
        let mean = meanSquaredError(pred: pred, targets: targets, b: 2, k: 2, losses: &losses, dpred: &d)
        #expect(mean == 5.0 / 4)  // (1 + 0 + 4 + 0) / 4
        #expect(losses == [0.5, 2])
        #expect(d == [0.5, 0, -1, 0])  // 2 (p − t) / 4
    }

    /// The input gradient of a Linear layer (used below every hidden layer), checked directly
    /// with the objective L = Σ out ⊙ r.
    @Test func linearInputGradient() {
        let b = 3
        let c = 5
        let oc = 4
        var x = uniforms(b * c, seed: 1)
        let w = uniforms(c * oc, seed: 2)
        let bias = uniforms(oc, seed: 3)
        let r = uniforms(b * oc, seed: 4)
        func objective(_ x: [Float]) -> Double {
            var out = [Float](repeating: 0, count: b * oc)
            x.withUnsafeBufferPointer { xp in
                linearForward(.simd, out: &out, inp: MatrixRows(xp.baseAddress!, ld: c), weight: w, bias: bias, b: b, c: c, oc: oc)
            }
            return zip(out, r).map { Double($0) * Double($1) }.reduce(0, +)
        }
        var dx = [Float](repeating: 0, count: b * c)
        var dw = [Float](repeating: 0, count: c * oc)
        var db = [Float](repeating: 0, count: oc)
        var scratch = [Float](repeating: 0, count: c * oc)
        x.withUnsafeBufferPointer { xp in
            linearBackward(
                .simd, dinp: &dx, dweight: &dw, dbias: &db, dout: r, inp: MatrixRows(xp.baseAddress!, ld: c), weight: w,
                scratch: &scratch, b: b, c: c, oc: oc)
        }
        var numeric: [Double] = []
        for i in 0..<x.count {
            let saved = x[i]
            x[i] = saved + 1e-2
            let up = objective(x)
            x[i] = saved - 1e-2
            let down = objective(x)
            x[i] = saved
            numeric.append((up - down) / 2e-2)
        }
        #expect(maxRelativeError(dx.map(Double.init), numeric) < 1e-3)
        // The bias gradient of Σ out ⊙ r is the column sum of r.
        for o in 0..<oc {
            let expected = (0..<b).map { Double(r[$0 * oc + o]) }.reduce(0, +)
            #expect(abs(Double(db[o]) - expected) < 1e-6)
        }
    }

    @Test func softmaxCrossEntropyIsStableAndCorrect() {
        // Huge logits must not overflow: the row maximum is subtracted first.
        let logits: [Float] = [1000, 0, -1000, 2, 2, 2]
        let labels: [Int32] = [0, 1]
        var losses = [Float](repeating: 0, count: 2)
        var d = [Float](repeating: 0, count: 6)
        let mean = softmaxCrossEntropy(logits: logits, labels: labels, b: 2, c: 3, losses: &losses, dlogits: &d)
        #expect(losses[0] == 0)
        #expect(abs(Double(losses[1]) - log(3.0)) < 1e-6)
        #expect(abs(Double(mean) - log(3.0) / 2) < 1e-6)
        // d = (softmax − onehot) / B
        #expect(d[0] == 0 && d[1] == 0 && d[2] == 0)
        #expect(abs(Double(d[3]) - 1.0 / 6) < 1e-7 && abs(Double(d[4]) - (1.0 / 3 - 1) / 2) < 1e-7)
    }

    /// The batch kernel (its exponentials eight at a time across rows, its gradient as one
    /// vector loop) against the definition written out one row at a time, bit for bit: class
    /// counts that rows do not pad evenly to eight, batches split between threads.
    @Test(arguments: [(1, 3), (7, 10), (64, 10), (33, 13), (256, 10), (5, 1)])
    func softmaxCrossEntropyHasTheBitsOfItsDefinition(b: Int, c: Int) {
        var rng = RandomStream(seed: UInt64(b * 100 + c), purpose: .initialization, index: 0)
        let logits = (0..<b * c).map { _ in Float(rng.nextNormal() * 8) }
        let labels = (0..<b).map { Int32($0 * 7 % c) }
        var losses = [Float](repeating: 0, count: b)
        var expected = [Float](repeating: 0, count: b)
        let start = (0..<b * c).map { Float($0 % 5) * 0.125 }
        var want = start
        for r in 0..<b {
            let row = Array(logits[r * c..<(r + 1) * c])
            let mx = row.max()!
            let e = row.map { DMath.expf($0 - mx) }
            var sum: Float = 0
            for x in e { sum += x }
            let label = Int(labels[r])
            expected[r] = (mx + DMath.logf(sum)) - row[label]
            for j in 0..<c {
                let p = e[j] / sum
                want[r * c + j] += (j == label ? p - 1 : p) / Float(b)
            }
        }
        var total: Float = 0
        for x in expected { total += x }
        for team in [Team.single, Team(threads: 3, minimumSplit: 0)] {
            var d = start
            let mean = softmaxCrossEntropy(logits: logits, labels: labels, b: b, c: c, losses: &losses, dlogits: &d, team: team)
            let lossesDiffering = zip(losses, expected).filter { $0.bitPattern != $1.bitPattern }.count
            let gradientsDiffering = zip(d, want).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(lossesDiffering == 0, "\(team.threads) threads")
            #expect(gradientsDiffering == 0, "\(team.threads) threads")
            #expect(mean.bitPattern == (total / Float(b)).bitPattern)
        }
    }
}
