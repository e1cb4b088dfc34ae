import Codecs
import Determinism
import Foundation

/// Which data a run uses: part of the run spec, so it names the data but never locates it
/// (where the IDX files live is a run-time option).
public struct DataConfig: Sendable, Equatable {
    public enum Source: String, Sendable, CaseIterable {
        case digits, fashionMNIST = "fashion-mnist", mnist, synthetic
    }
    public var dataset: Source
    /// How many training examples to hold out for validation (0: none).
    public var validation: Int
    /// Keys the train/validation split, so a new `train.seed` keeps the same split.
    public var splitSeed: UInt64
    /// Only for `synthetic`.
    public var synthetic: SyntheticConfig

    public init(dataset: Source = .digits, validation: Int = 0, splitSeed: UInt64 = 0,
                synthetic: SyntheticConfig = SyntheticConfig()) {
        self.dataset = dataset
        self.validation = validation
        self.splitSeed = splitSeed
        self.synthetic = synthetic
    }
}

public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Loads datasets and splits them.
///
///     let data = try Datasets.prepare(DataConfig(dataset: .digits, validation: 200))
///     data.train.count   // 1237
public enum Datasets {
    /// Where Debian's `dataset-fashion-mnist` package puts the IDX files.
    public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// Loads the dataset and splits off the validation set.
    /// - Parameter directory: where IDX files are; defaults to Debian's location.
    public static func prepare(_ config: DataConfig, directory: String? = nil) throws -> PreparedData {
        let full: (train: LabeledSet, test: LabeledSet, classes: Int, sha256: String)
        switch config.dataset {
        case .digits:
            full = try Digits.load()
        case .fashionMNIST, .mnist:
            let dir = directory ?? defaultFashionMNISTDirectory
            full = try IDX.loadDirectory(dir)
        case .synthetic:
            full = try Synthetic.make(config.synthetic)
        }
        guard config.validation >= 0, config.validation < full.train.count else {
            throw DatasetError("data.validation is \(config.validation), but \(config.dataset.rawValue) has \(full.train.count) training examples")
        }
        let (train, validation) = split(full.train, validation: config.validation, seed: config.splitSeed)
        return PreparedData(train: train, validation: validation, test: full.test,
                            classes: full.classes, sha256: full.sha256)
    }

    /// A seeded permutation of the training rows; its first `validation` rows are held out.
    /// Both parts keep the permuted order's relative order of the original indices sorted,
    /// so the training set reads in file order (shuffling is the trainer's job).
    public static func split(_ set: LabeledSet, validation: Int, seed: UInt64) -> (LabeledSet, LabeledSet?) {
        guard validation > 0 else { return (set, nil) }
        var rng = RandomStream(seed: seed, purpose: .split)
        let perm = rng.permutation(set.count)
        let held = perm[0..<validation].sorted()
        let kept = perm[validation...].sorted()
        return (set.subset(kept), set.subset(held))
    }

}

extension Datasets {
    /// The data set's content hash without parsing it: what a run hash needs at plan time.
    /// Equal to `prepare(config).sha256`.
    public static func sha256(of config: DataConfig, directory: String? = nil) throws -> String {
        switch config.dataset {
        case .digits:
            return sha256Hex([try Digits.csv()])
        case .fashionMNIST, .mnist:
            let dir = directory ?? defaultFashionMNISTDirectory
            return sha256Hex(try IDX.files.map { try IDX.readFile(dir: dir, name: $0) })
        case .synthetic:
            return sha256Hex([config.synthetic.canonical.canonicalBytes])
        }
    }
}
