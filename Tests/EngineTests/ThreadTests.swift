import Datasets
import Determinism
import Synchronization
import Testing

@testable import Engine

#if canImport(Glibc)
    import Glibc
#endif

/// Deterministic threads: a team splits work only along independent outputs, so training
/// at 1, 2 and 4 threads writes the same bytes.
@Suite struct ThreadTests {
    /// Every optimizer, with and without dropout and weight decay; batch sizes that leave a
    /// partial last batch (90 training rows); layers big enough to be split (`minimumSplit`)
    /// and wide enough that 4 threads each get whole tiles of columns, or of rows.
    static let configs: [(ModelConfig, TrainConfig)] = [
        (
            ModelConfig(hidden: [136], activation: .relu, initialization: .he),
            TrainConfig(optimizer: .adam, lr: 0.01, batchSize: 26, epochs: 2, seed: 1)
        ),
        (
            ModelConfig(hidden: [144, 40], activation: .relu, initialization: .he, dropout: 0.25),
            TrainConfig(optimizer: .adamw, lr: 0.01, batchSize: 32, epochs: 2, seed: 2, weightDecay: 0.05)
        ),
        (
            ModelConfig(hidden: [131], activation: .gelu, initialization: .xavier, dropout: 0.1),
            TrainConfig(optimizer: .sgd, lr: 0.05, batchSize: 17, epochs: 2, seed: 3, weightDecay: 0.01, momentum: 0.9, nesterov: true)
        ),
        (
            ModelConfig(hidden: [128], activation: .tanh, initialization: .torch),
            TrainConfig(optimizer: .sgd, lr: 0.1, batchSize: 64, epochs: 2, seed: 4)
        ),
        (
            ModelConfig(hidden: [160], activation: .relu, initialization: .heUniform),
            TrainConfig(
                optimizer: .rmsprop, lr: 0.003, batchSize: 40, epochs: 2, seed: 5, weightDecay: 0.01, momentum: 0.5, centered: true,
                clipGradNorm: 0.5)
        ),
    ]

    @Test(arguments: configs.indices)
    func identicalBytesAtOneTwoAndFourThreads(config: Int) throws {
        let data = try tinyData(features: 200)
        let (m, t) = Self.configs[config]
        let one = Engine.train(model: m, train: t, data: data, runHash: "test", threads: 1)
        #expect(one.status == .completed)
        for threads in [2, 4] {
            let many = Engine.train(model: m, train: t, data: data, runHash: "test", threads: threads)
            #expect(many.finalCheckpoint == one.finalCheckpoint, "\(threads) threads")
            #expect(many.epochs == one.epochs, "\(threads) threads")
            // And with every job split however small: the gather, the loss, the last layer.
            let all = Trainer(model: m, train: t, data: data, runHash: "test", team: Team(threads: threads, minimumSplit: 0)).run()
            #expect(all.finalCheckpoint == one.finalCheckpoint, "\(threads) threads, every job split")
            #expect(all.epochs == one.epochs, "\(threads) threads, every job split")
        }
    }

    /// The engine benchmark times a step's GEMMs alone between steps, on the model's own
    /// buffers (`MLP.runStepGemms`): they must leave nothing a later step reads, for every
    /// optimizer, with dropout, two hidden layers, clipping, and at 1 and 2 threads.
    @Test(arguments: configs.indices)
    func theStepsGemmsRunBetweenStepsChangeNoByte(config: Int) throws {
        let data = try tinyData(features: 200)
        var (m, t) = Self.configs[config]
        t.logEvery = 1
        for threads in [1, 2] {
            let plain = Trainer(model: m, train: t, data: data, runHash: "test", team: Team(threads: threads)).run()
            let probed = Trainer(model: m, train: t, data: data, runHash: "test", team: Team(threads: threads))
            var between = 0
            let result = probed.run {
                guard case .trainLoss = $0 else { return }
                probed.model.runStepGemms(b: t.batchSize)
                between += 1
            }
            #expect(between == probed.stepsPerEpoch * t.epochs)
            #expect(result.finalCheckpoint == plain.finalCheckpoint, "\(threads) threads")
            #expect(result.epochs == plain.epochs, "\(threads) threads")
        }
    }

    /// The team really runs parts on other threads (else the test above proves nothing).
    @Test func partsRunOnDistinctThreads() {
        let team = Team(threads: 4)
        let ids = Mutex<Set<UInt>>([])
        team.run(4) { _ in
            let me = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(bitPattern: UInt(pthread_self()))))
            ids.withLock { _ = $0.insert(me) }
        }
        #expect(ids.withLock { $0.count } == 4)
        // And a team is reusable: many jobs in a row, each part once.
        let counts = Mutex<[Int]>(Array(repeating: 0, count: 7))
        for _ in 0..<200 { team.run(7) { p in counts.withLock { $0[p] += 1 } } }
        #expect(counts.withLock { $0 } == Array(repeating: 200, count: 7))
    }

    /// A GEMM split between 3 threads (by columns, or by rows when there are few columns)
    /// equals the single-threaded one, start and finish included.
    @Test(arguments: [(64, 200, 30), (350, 10, 40), (7, 300, 70), (130, 47, 30)])
    func splitGemmEqualsOneThread(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = uniforms(m * k, seed: 1)
        let b = uniforms(k * n, seed: 2)
        let bias = uniforms(n, seed: 3)
        let team = Team(threads: 3)
        func product(_ team: Team) -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    bias.withUnsafeBufferPointer { biasp in
                        c.withUnsafeMutableBufferPointer { cp in
                            team.splitGemm(
                                m: m, n: n, k: k, a: MatrixRows(ap.baseAddress!, ld: k), b: bp.baseAddress!, ldb: n, c: cp.baseAddress!,
                                ldc: n, start: .row(biasp.baseAddress!), finish: .relu)
                        }
                    }
                }
            }
            return c
        }
        #expect(product(team).map(\.bitPattern) == product(.single).map(\.bitPattern))
    }
}
