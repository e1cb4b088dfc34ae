import Datasets
import Determinism

@testable import Engine

/// A small synthetic problem whose shapes exercise every GEMM path: feature count not a
/// multiple of 16, odd widths, a batch that leaves a partial last batch and rows beyond 8.
func tinyData(features: Int = 21, classes: Int = 3, train: Int = 90, test: Int = 30, validation: Int = 15) throws -> PreparedData {
    var c = DataConfig(dataset: .synthetic, validation: validation, splitSeed: 5)
    c.synthetic = SyntheticConfig(classes: classes, features: features, trainSize: train, testSize: test, noise: 1.5, seed: 11)
    return try Datasets.prepare(c)
}

func uniforms(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var r = RandomStream(seed: seed, purpose: .synthetic, index: 99)
    return (0..<n).map { _ in Float(2 * r.nextUniform() - 1) * scale }
}

func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-3) -> Double {
    zip(a, b).map { abs($0 - $1) / max(floor, abs($0) + abs($1)) }.max() ?? 0
}
