import Codecs
import Determinism

/// Parameters of the seeded synthetic set: Gaussian blobs, one per class.
public struct SyntheticConfig: Sendable, Equatable {
    public var classes: Int
    public var features: Int
    public var trainSize: Int
    public var testSize: Int
    /// Standard deviation of each blob around its centre (centres are standard normal × 3).
    public var noise: Double
    public var seed: UInt64

    public init(
        classes: Int = 3, features: Int = 8, trainSize: Int = 240, testSize: Int = 60,
        noise: Double = 1.0, seed: UInt64 = 0
    ) {
        self.classes = classes
        self.features = features
        self.trainSize = trainSize
        self.testSize = testSize
        self.noise = noise
        self.seed = seed
    }

    /// The canonical generator parameters; the data set's hash is the SHA-256 of these bytes.
    public var canonical: JSONValue {
        [
            "generator": "gaussian-blobs-v1", "classes": .number(Double(classes)), "features": .number(Double(features)),
            "train_size": .number(Double(trainSize)), "test_size": .number(Double(testSize)),
            "noise": .number(noise), "seed": .number(Double(seed)),
        ]
    }
}

/// Gaussian blobs drawn from Philox: the same set on every machine. Features are squashed
/// into [0, 1] by a fixed affine map (x / 16 + 0.5, clamped) like pixel data.
public enum Synthetic {
    public static func make(_ c: SyntheticConfig) throws -> (train: LabeledSet, test: LabeledSet, classes: Int, sha256: String) {
        guard c.classes >= 2, c.features >= 1, c.trainSize >= 1, c.testSize >= 1, c.noise >= 0 else {
            throw DatasetError("data.synthetic: needs classes ≥ 2, features ≥ 1, train_size ≥ 1, test_size ≥ 1 and noise ≥ 0")
        }
        var centres = RandomStream(seed: c.seed, purpose: .synthetic, index: 0)
        let centre = (0..<(c.classes * c.features)).map { _ in 3 * centres.nextNormal() }
        func draw(_ n: Int, stream: UInt64) -> LabeledSet {
            var rng = RandomStream(seed: c.seed, purpose: .synthetic, index: stream)
            var f = [Float]()
            var l = [Int32]()
            f.reserveCapacity(n * c.features)
            for i in 0..<n {
                let k = i % c.classes
                l.append(Int32(k))
                for j in 0..<c.features {
                    let x = centre[k * c.features + j] + c.noise * rng.nextNormal()
                    f.append(Float(min(max(x / 16 + 0.5, 0), 1)))
                }
            }
            return LabeledSet(features: f, labels: l, dimension: c.features)
        }
        let bytes = c.canonical.canonicalBytes
        return (draw(c.trainSize, stream: 1), draw(c.testSize, stream: 2), c.classes, sha256Hex([bytes]))
    }
}
