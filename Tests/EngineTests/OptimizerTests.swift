import Testing

@testable import Engine

/// The first three steps of each optimizer against PyTorch's documented update rules,
/// evaluated by hand (a calculator in double precision) for one parameter p₀ = 1 and the
/// gradients 0.5, −0.25, 0.125. Each case runs on 17 identical elements, so both the SIMD
/// body and the scalar tail of the update are checked.
@Suite struct OptimizerTests {
    static let gradients: [Float] = [0.5, -0.25, 0.125]

    func run(_ config: TrainConfig) -> [[Float]] {
        let n = 17
        let opt = Optimizer(config: config, count: n)
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let g = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer {
            p.deallocate()
            g.deallocate()
        }
        p.initialize(repeating: 1, count: n)
        return OptimizerTests.gradients.map { grad in
            g.initialize(repeating: grad, count: n)
            opt.update(p, g, lr: config.lr)
            return Array(UnsafeBufferPointer(start: p, count: n))
        }
    }

    func expectSteps(_ config: TrainConfig, _ expected: [Double], _ label: String) {
        let steps = run(config)
        for (t, (values, want)) in zip(steps, expected).enumerated() {
            #expect(Set(values.map(\.bitPattern)).count == 1, "\(label) step \(t + 1): SIMD lanes and tail differ")
            #expect(abs(Double(values[0]) - want) <= 2e-6 * abs(want), "\(label) step \(t + 1): \(values[0]) vs \(want)")
        }
    }

    @Test func sgd() {
        // p = p − lr·g: 1 − 0.1·0.5 = 0.95; 0.95 + 0.025 = 0.975; 0.975 − 0.0125 = 0.9625
        expectSteps(TrainConfig(optimizer: .sgd, lr: 0.1), [0.95, 0.975, 0.9625], "sgd")
    }

    @Test func sgdMomentumDampeningWeightDecay() {
        // step 1: d = 0.5 + 0.01·1 = 0.51, buf = d (first step), p = 1 − 0.051 = 0.949
        // step 2: d = −0.25 + 0.00949, buf = 0.9·0.51 + 0.9·d = 0.242541, p = 0.9247459
        expectSteps(
            TrainConfig(optimizer: .sgd, lr: 0.1, weightDecay: 0.01, momentum: 0.9, dampening: 0.1),
            [0.949, 0.9247459, 0.89083493869], "sgd momentum")
    }

    @Test func sgdNesterov() {
        // step 1: buf = 0.5, d = 0.5 + 0.9·0.5 = 0.95, p = 0.905
        // step 2: buf = 0.45 − 0.25 = 0.2, d = −0.25 + 0.18 = −0.07, p = 0.912
        expectSteps(TrainConfig(optimizer: .sgd, lr: 0.1, momentum: 0.9, nesterov: true), [0.905, 0.912, 0.87205], "nesterov")
    }

    @Test func adam() {
        // step 1: m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25; p = 1 − 0.1·0.5/(0.5 + 1e−8) = 0.900000002
        expectSteps(TrainConfig(optimizer: .adam, lr: 0.1), [0.900000002, 0.8733662987078463, 0.8393233849166541], "adam")
    }

    @Test func adamWithL2() {
        // step 1: g = 0.5 + 0.1·1 = 0.6; the first Adam step is still lr·sign: p ≈ 0.9
        expectSteps(
            TrainConfig(optimizer: .adam, lr: 0.1, weightDecay: 0.1),
            [0.9000000016666666, 0.8544413674617625, 0.8005694720858495], "adam + weight decay")
    }

    @Test func adamW() {
        // step 1: p = 1·(1 − 0.1·0.1) = 0.99 first, then the Adam step of 0.1: 0.890000002
        expectSteps(
            TrainConfig(optimizer: .adamw, lr: 0.1, weightDecay: 0.1),
            [0.890000002, 0.8544662986878463, 0.8118787219097756], "adamw")
    }

    @Test func rmsprop() {
        // step 1: sq = 0.01·0.25 = 0.0025, avg = 0.05 + 1e−8, p = 1 − 0.01·0.5/avg ≈ 0.90000002
        expectSteps(TrainConfig(optimizer: .rmsprop, lr: 0.01), [0.900000019999996, 0.9449013374421751, 0.9228909217602068], "rmsprop")
    }

    @Test func rmspropCenteredMomentumWeightDecay() {
        // step 1: g = 0.5 + 0.05 = 0.55, sq = 0.003025, ga = 0.0055, avg = √(sq − ga²) + ε,
        // buf = g/avg, p = 1 − 0.01·buf
        expectSteps(
            TrainConfig(optimizer: .rmsprop, lr: 0.01, weightDecay: 0.05, momentum: 0.5, centered: true),
            [0.8994962368395484, 0.8843873873714573, 0.84879195231822], "rmsprop centered")
    }

    @Test func powerIsExactForSmallExponents() {
        #expect(Optimizer.power(0.9, 0) == 1)
        #expect(Optimizer.power(0.5, 10) == 1.0 / 1024)
        #expect(Optimizer.power(0.9, 3) == 0.9 * 0.9 * 0.9)
    }

    @Test func schedules() {
        let base = TrainConfig(lr: 0.1, epochs: 4)
        var step = base
        step.schedule = .step
        step.stepSize = 2
        step.gamma = 0.5
        #expect(learningRate(step, step: 0, epoch: 1, totalSteps: 40) == 0.1)
        #expect(learningRate(step, step: 0, epoch: 2, totalSteps: 40) == 0.05)
        var cosine = base
        cosine.schedule = .cosine
        cosine.minLR = 0.01
        #expect(learningRate(cosine, step: 0, epoch: 0, totalSteps: 40) == 0.1)
        #expect(abs(learningRate(cosine, step: 20, epoch: 2, totalSteps: 40) - 0.055) < 1e-15)
        #expect(abs(learningRate(cosine, step: 40, epoch: 4, totalSteps: 40) - 0.01) < 1e-15)
        var warm = base
        warm.warmupSteps = 4
        #expect(learningRate(warm, step: 0, epoch: 0, totalSteps: 40) == 0.025)
        #expect(learningRate(warm, step: 3, epoch: 0, totalSteps: 40) == 0.1)
        #expect(learningRate(warm, step: 4, epoch: 0, totalSteps: 40) == 0.1)
    }

    @Test func clippingScalesToTheMaximumNorm() {
        var g: [Float] = [3, 4]
        let norm = g.withUnsafeMutableBufferPointer { clipGradients($0.baseAddress!, count: 2, maxNorm: 1) }
        #expect(norm == 5)
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
        var small: [Float] = [0.3, 0.4]
        small.withUnsafeMutableBufferPointer { _ = clipGradients($0.baseAddress!, count: 2, maxNorm: 1) }
        #expect(small == [0.3, 0.4])
    }
}
