import ArgumentParser
import Datasets
import Determinism
import Engine
import Foundation

/// Trains the seed model (784→256→10, ReLU, Adam 1e-3) on Fashion-MNIST's 60,000 training
/// images for one epoch per batch size, single-threaded, and times the GEMM shapes alone.
struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Training speed of the seed model, GEMM GFLOP/s per shape, and the core's FMA peak.")

    @Option(help: "Batch sizes to train one epoch each at.")
    var batch: [Int] = [64, 256]

    @Option(help: "Epochs per batch size.")
    var epochs = 1

    @Option(help: "Directory of Fashion-MNIST's IDX files.")
    var dataDir: String = Datasets.defaultFashionMNISTDirectory

    @Flag(help: "End with one JSON object on its own line.")
    var json = false

    @Flag(help: "Only the FMA peak and the GEMM shapes (for slow builds, such as the baseline-CPU one).")
    var gemmOnly = false

    func run() throws {
        var out: [String: JSONValue] = ["numerics_version": .number(Double(Engine.numericsVersion))]
        let data = gemmOnly ? nil : try Datasets.prepare(DataConfig(dataset: .fashionMNIST, validation: 0), directory: dataDir)
        if let data { out["train_samples"] = .number(Double(data.train.count)) }
        for b in gemmOnly ? [] : batch {
            guard let data else { break }
            let model = ModelConfig(hidden: [256], activation: .relu, initialization: .he)
            let train = TrainConfig(optimizer: .adam, lr: 0.001, batchSize: b, epochs: epochs, seed: 0, logEvery: 1_000_000)
            let trainer = Trainer(model: model, train: train, data: data)
            var rates: [Double] = []
            let result = trainer.run { if case let .epochEnd(_, m) = $0 { rates.append(m.samplesPerSecond) } }
            let rate = rates.max() ?? 0
            print("batch \(b): \(Int(rate)) samples/s (training only), test accuracy \(result.final?["test_accuracy"] ?? 0)")
            out["samples_per_second_batch_\(b)"] = .number(rate.rounded())
        }
        let peak = fmaPeak()
        print(String(format: "single-core FMA peak (register-only SIMD16 chains): %.1f GFLOP/s", peak))
        out["fma_peak_gflops"] = .number((peak * 10).rounded() / 10)
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

    /// GFLOP/s of one GEMM shape through the engine's kernels (input gradient: including the
    /// transpose of the weight that `linearBackward` does).
    func gemmRate(m: Int, k: Int, n: Int, transposedA: Bool, transposedB: Bool, reps: Int = 50) -> Double {
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
                                    gemm(
                                        .simd, m: m, n: n, k: k, a: ap.baseAddress!, aRow: transposedA ? 1 : k,
                                        aCol: transposedA ? m : 1, b: bb, ldb: n, c: cp.baseAddress!, ldc: n)
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

/// The core's fused multiply-add throughput: 12 independent SIMD16 FMA chains held in
/// registers (24 when the compiler splits each into two 256-bit halves, as it does for AMD
/// Zen; enough to cover the FMA latency on two ports), no memory traffic.
func fmaPeak() -> Double {
    let clock = ContinuousClock()
    var best = Double.infinity
    var sink: Float = 0
    for _ in 0..<5 {
        let iterations = 4_000_000
        var result = F16()
        let t = clock.measure { result = fmaChains(iterations, F16(repeating: 0.999999), F16(repeating: 1e-7)) }
        sink += result[0]
        best = min(best, seconds(t) / Double(iterations))
    }
    if sink == 42 { print("") }  // keep the result alive
    return 12 * 16 * 2 / best / 1e9
}

@inline(never)
func fmaChains(_ iterations: Int, _ x: F16, _ y: F16) -> F16 {
    var a0 = F16(repeating: 1)
    var a1 = a0
    var a2 = a0
    var a3 = a0
    var a4 = a0
    var a5 = a0
    var a6 = a0
    var a7 = a0
    var a8 = a0
    var a9 = a0
    var a10 = a0
    var a11 = a0
    for _ in 0..<iterations {
        a0 = a0.addingProduct(x, y)
        a1 = a1.addingProduct(x, y)
        a2 = a2.addingProduct(x, y)
        a3 = a3.addingProduct(x, y)
        a4 = a4.addingProduct(x, y)
        a5 = a5.addingProduct(x, y)
        a6 = a6.addingProduct(x, y)
        a7 = a7.addingProduct(x, y)
        a8 = a8.addingProduct(x, y)
        a9 = a9.addingProduct(x, y)
        a10 = a10.addingProduct(x, y)
        a11 = a11.addingProduct(x, y)
    }
    var s = a0 + a1 + a2 + a3 + a4 + a5
    s += a6 + a7 + a8 + a9 + a10 + a11
    return s
}
