import ArgumentParser
import Codecs
import Datasets
import Determinism
import Engine
import Foundation

/// Trains the seed model (784→256→10, ReLU, Adam 1e-3) on Fashion-MNIST's 60,000 training
/// images for a few epochs per batch size and thread count, profiles where each step's time
/// goes, and measures the limits in the same run: the core's FMA peak, each GEMM shape's
/// rate, and from those the GEMM-bound cap (the step's matrix multiplies and nothing else).
struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Training speed of the seed model against its GEMM-bound cap, a per-phase profile, and the FMA peak.")

    @Option(help: "Batch sizes to train at.")
    var batch: [Int] = [64, 256]

    @Option(help: "Epochs per batch size and thread count (the fastest one's rate is reported).")
    var epochs = 2

    @Option(help: "Directory of Fashion-MNIST's IDX files.")
    var dataDir: String = Datasets.defaultFashionMNISTDirectory

    @Flag(help: "End with one JSON object on its own line.")
    var json = false

    @Option(help: "Thread counts to train each batch size at (the final checkpoints must be identical).")
    var threads: [Int] = [1]

    @Flag(help: "Only the FMA peak and the GEMM shapes (for slow builds, such as the baseline-CPU one).")
    var gemmOnly = false

    func run() throws {
        var out: [String: JSONValue] = ["numerics_version": .number(Double(Engine.numericsVersion))]
        let (peak, shape) = fmaPeak()
        print(String(format: "single-core FMA peak: %.1f GFLOP/s (%@ register-only chains)", peak, shape))
        out["fma_peak_gflops"] = .number((peak * 10).rounded() / 10)
        out["fma_peak_shape"] = .string(shape)
        out["gemm_tile"] = .string("\(GemmTiles.rows)x\(GemmTiles.columns)")
        let data = gemmOnly ? nil : try Datasets.prepare(DataConfig(dataset: .fashionMNIST, validation: 0), directory: dataDir)
        if let data { out["train_samples"] = .number(Double(data.train.count)) }
        var checkpoints: [Int: Set<String>] = [:]
        for b in gemmOnly ? [] : batch {
            guard let data else { break }
            for t in threads {
                let suffix = t == 1 ? "batch_\(b)" : "batch_\(b)_threads_\(t)"
                let model = ModelConfig(hidden: [256], activation: .relu, initialization: .he)
                // The rate users see first, from a training left alone: its fastest epoch.
                let train = TrainConfig(optimizer: .adam, lr: 0.001, batchSize: b, epochs: epochs, seed: 0, logEvery: 1_000_000)
                let trainer = Trainer(model: model, train: train, data: data, team: Team(threads: t))
                var rates: [Double] = []
                let result = trainer.run { if case let .epochEnd(_, m) = $0 { rates.append(m.samplesPerSecond) } }
                let rate = rates.max() ?? 0
                checkpoints[b, default: []].insert(sha256Hex([result.finalCheckpoint]))
                // Then the same training again, in windows of about 6,400 samples (a tenth of a
                // second), each followed by as many steps' GEMMs alone, on the model's own buffers
                // and threads (`MLP.runStepGemms`): a pair of timings a moment apart. This machine's
                // speed drifts by a fifth within a second (a shared host), so a cap and a rate
                // measured at different moments compare the host's moods; the median pair, the
                // step with its GEMMs.
                let window = max(4, 6_400 / b)
                var paired = train
                paired.logEvery = window
                let windowed = Trainer(model: model, train: paired, data: data, team: Team(threads: t))
                let clock = ContinuousClock()
                var shares: [Double] = []
                var caps: [Double] = []
                var windowRates: [Double] = []
                var since: ContinuousClock.Instant?  // the window's start; nil after an epoch's end
                let pairedResult = windowed.run { event in
                    switch event {
                    case .trainLoss:
                        if let start = since {
                            let trained = seconds(clock.now - start)
                            let gemms = seconds(clock.measure { for _ in 0..<window { windowed.model.runStepGemms(b: b) } })
                            shares.append(gemms / trained)
                            caps.append(Double(window * b) / gemms)
                            windowRates.append(Double(window * b) / trained)
                        }
                        since = clock.now
                    case .epochEnd: since = nil  // an epoch's first window starts at its first event
                    default: break
                    }
                }
                // The GEMMs between the steps write only what a step writes before it reads.
                checkpoints[b, default: []].insert(sha256Hex([pairedResult.finalCheckpoint]))
                // One epoch is enough for the profile: its shares move less than its rate.
                var once = train
                once.epochs = 1
                let profiled = Trainer(model: model, train: once, data: data, team: Team(threads: t))
                let profile = PhaseProfile()
                profiled.profile = profile
                _ = profiled.run()
                let share = median(shares)
                let cap = median(caps)
                print(
                    String(
                        format:
                            "batch %d, %d thread%@: %.0f samples/s (training only, fastest epoch); test accuracy %.4f\n    %.0f%% of the GEMM-bound cap: median of %d paired windows (training %.0f samples/s, its GEMMs alone %.0f)",
                        b, t, t == 1 ? "" : "s", rate, result.final?["test_accuracy"] ?? 0, 100 * share, shares.count,
                        median(windowRates), cap))
                out["samples_per_second_\(suffix)"] = .number(rate.rounded())
                out["gemm_cap_samples_per_second_\(suffix)"] = .number(cap.rounded())
                out["share_of_gemm_cap_\(suffix)"] = .number((share * 1000).rounded() / 1000)
                out["paired_windows_\(suffix)"] = .number(Double(shares.count))
                out["paired_samples_per_second_\(suffix)"] = .number(median(windowRates).rounded())
                out["profile_\(suffix)"] = phaseTable(profile)
            }
        }
        for (b, hashes) in checkpoints.sorted(by: { $0.key < $1.key }) {
            let at = threads.map(String.init).joined(separator: ", ")
            print(
                "batch \(b): final checkpoint \(hashes.count == 1 ? "identical" : "DIFFERS") at \(at) thread\(threads.count == 1 && threads[0] == 1 ? "" : "s"), timed alone and in paired windows"
            )
            out["identical_across_threads_batch_\(b)"] = .bool(hashes.count == 1)
        }
        // The seed model's GEMMs at each batch size: forward, weight gradient, and an input
        // gradient of the same size (what a hidden layer below the first would need).
        for b in batch {
            for (name, m, k, n, transposedA, transposedB) in [
                ("forward_\(b)x784x256", b, 784, 256, false, false),
                ("weight_grad_784x\(b)x256", 784, b, 256, true, false),
                ("input_grad_\(b)x256x784", b, 256, 784, false, true),
            ] {
                let g = gemmRate(m: m, k: k, n: n, transposedA: transposedA, transposedB: transposedB, reps: gemmOnly ? 3 : 50)
                print(String(format: "gemm %@: %.1f GFLOP/s (%.0f%% of peak)", name, g, 100 * g / peak))
                out["gemm_gflops_\(name)"] = .number((g * 10).rounded() / 10)
            }
        }
        emit(out, json: json)
    }

    /// Each phase in µs per step and as a share of the step (evaluation: per training step,
    /// as a share of training and evaluation together), and printed as a table.
    func phaseTable(_ p: PhaseProfile) -> JSONValue {
        let steps = Double(max(p.steps, 1))
        let train = Double(p.stepNanoseconds)
        var rows: [(String, Double, Double)] = PhaseProfile.Phase.allCases.filter { $0 != .evaluation }.map {
            let ns = Double(p.nanoseconds[$0.rawValue])
            return ($0.name, ns / steps / 1000, ns / train)
        }
        rows.append(("other", Double(p.otherNanoseconds) / steps / 1000, Double(p.otherNanoseconds) / train))
        let evaluation = Double(p.nanoseconds[PhaseProfile.Phase.evaluation.rawValue])
        rows.append(("evaluation", evaluation / steps / 1000, evaluation / (train + evaluation)))
        for (name, us, share) in rows { print(String(format: "    %-14@ %8.1f µs/step  %5.1f%%", name, us, 100 * share)) }
        print(String(format: "    %-14@ %8.1f µs/step", "step", train / steps / 1000))
        var fields: [String: JSONValue] = ["step_us": .number((train / steps / 100).rounded() / 10)]
        for (name, us, share) in rows {
            fields[name] = .object(["us_per_step": .number((us * 10).rounded() / 10), "share": .number((share * 1000).rounded() / 1000)])
        }
        return .object(fields)
    }

    /// GFLOP/s of one GEMM shape through the engine's kernels (input gradient: including the
    /// transpose of the weight that `linearBackward` does).
    func gemmRate(m: Int, k: Int, n: Int, transposedA: Bool, transposedB: Bool, reps: Int = 50, team: Team = .single) -> Double {
        var rng = RandomStream(seed: 1, purpose: .synthetic)
        let a = (0..<(m * k)).map { _ in Float(rng.nextUniform()) }
        let b = (0..<(k * n)).map { _ in Float(rng.nextUniform()) }
        var c = [Float](repeating: 0, count: m * n)
        var scratch = [Float](repeating: 0, count: k * n)
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<3 {
            let t = clock.measure {
                for _ in 0..<reps {
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                scratch.withUnsafeMutableBufferPointer { sp in
                                    var bb = bp.baseAddress!
                                    if transposedB {  // b holds (n, k): transpose to (k, n) first
                                        for i in 0..<n { for j in 0..<k { sp[j * n + i] = bp[i * k + j] } }
                                        bb = UnsafePointer(sp.baseAddress!)
                                    }
                                    team.splitGemm(
                                        m: m, n: n, k: k, a: MatrixRows(ap.baseAddress!, ld: transposedA ? m : k),
                                        transposeA: transposedA, b: bb, ldb: n, c: cp.baseAddress!, ldc: n, start: .zero)
                                }
                            }
                        }
                    }
                }
            }
            best = min(best, seconds(t) / Double(reps))
        }
        return 2 * Double(m * n * k) / best / 1e9
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The core's fused multiply-add throughput, from register-only chains of independent FMAs.
/// To saturate the FMA units the chains in flight must cover latency × ports (4 × 2 on the
/// CPUs here: 8 native vectors), and must fit the register file (16 vectors with AVX2, 32
/// with AVX-512) or they spill and measure the loads instead. No one count is right on every
/// CPU, so this runs 8, 12, 16 and 24 chains of 8- and 16-lane vectors and keeps the
/// fastest, naming it.
func fmaPeak() -> (gflops: Double, shape: String) {
    var best = (gflops: 0.0, shape: "")
    for (name, flops, run) in [
        ("8 × SIMD8", 8 * 8, { (n: Int) in fmaChains(SIMD8<Float>.self, n, Block2<SIMD8<Float>>.self) }),
        ("12 × SIMD8", 12 * 8, { fmaChains(SIMD8<Float>.self, $0, Block3<SIMD8<Float>>.self) }),
        ("16 × SIMD8", 16 * 8, { fmaChains(SIMD8<Float>.self, $0, Block4<SIMD8<Float>>.self) }),
        ("8 × SIMD16", 8 * 16, { fmaChains(SIMD16<Float>.self, $0, Block2<SIMD16<Float>>.self) }),
        ("12 × SIMD16", 12 * 16, { fmaChains(SIMD16<Float>.self, $0, Block3<SIMD16<Float>>.self) }),
        ("16 × SIMD16", 16 * 16, { fmaChains(SIMD16<Float>.self, $0, Block4<SIMD16<Float>>.self) }),
        ("24 × SIMD16", 24 * 16, { fmaChains(SIMD16<Float>.self, $0, Block6<SIMD16<Float>>.self) }),
    ] as [(String, Int, (Int) -> Float)] {
        let clock = ContinuousClock()
        var fastest = Double.infinity
        var sink: Float = 0
        let iterations = 2_000_000
        for _ in 0..<5 {
            let t = clock.measure { sink += run(iterations) }
            fastest = min(fastest, seconds(t) / Double(iterations))
        }
        if sink == 42 { print("") }  // keep the result alive
        let g = Double(2 * flops) / fastest / 1e9
        if g > best.gflops { best = (g, name) }
    }
    return best
}

protocol ChainBlock {
    associatedtype V: SIMD where V.Scalar == Float
    init()
    mutating func step(_ x: V, _ y: V)
    var sum: V { get }
}

/// Four independent accumulator chains.
struct Chains<V: SIMD>: ChainBlock where V.Scalar == Float {
    var a = V(repeating: 1), b = V(repeating: 1), c = V(repeating: 1), d = V(repeating: 1)
    @inline(__always) mutating func step(_ x: V, _ y: V) {
        a = a.addingProduct(x, y)
        b = b.addingProduct(x, y)
        c = c.addingProduct(x, y)
        d = d.addingProduct(x, y)
    }
    var sum: V { a + b + c + d }
}

/// The chains of two blocks side by side.
struct Pair<P: ChainBlock, Q: ChainBlock>: ChainBlock where P.V == Q.V {
    var p = P(), q = Q()
    @inline(__always) mutating func step(_ x: P.V, _ y: P.V) {
        p.step(x, y)
        q.step(x, y)
    }
    var sum: P.V { p.sum + q.sum }
}

typealias Block2<V: SIMD> = Pair<Chains<V>, Chains<V>> where V.Scalar == Float
typealias Block3<V: SIMD> = Pair<Block2<V>, Chains<V>> where V.Scalar == Float
typealias Block4<V: SIMD> = Pair<Block2<V>, Block2<V>> where V.Scalar == Float
typealias Block6<V: SIMD> = Pair<Block3<V>, Block3<V>> where V.Scalar == Float

@inline(never)
func fmaChains<V, B: ChainBlock>(_: V.Type, _ iterations: Int, _: B.Type) -> Float where B.V == V {
    var block = B()
    let x = V(repeating: 0.999999)
    let y = V(repeating: 1e-7)
    for _ in 0..<iterations { block.step(x, y) }
    return block.sum[0]
}
