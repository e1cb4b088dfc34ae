import Codecs
import Determinism
import Foundation

/// Which data a run uses: part of the run spec, so it names the data but never locates it
/// (where the IDX files live is a run-time option).
public struct DataConfig: Sendable, Equatable {
    public enum Source: String, Sendable, CaseIterable {
        case digits
        case fashionMNIST = "fashion-mnist"
        case mnist, synthetic
        /// A user's own files (see `FileDataConfig`).
        case csv, tsv, npy, npz, idx

        /// Whether the data comes from a user's files rather than being built in.
        public var isFile: Bool { [.csv, .tsv, .npy, .npz, .idx].contains(self) }
    }
    public var dataset: Source
    /// How many training examples to hold out for validation (0: none).
    public var validation: Int
    /// Keys the train/validation split, so a new `train.seed` keeps the same split.
    public var splitSeed: UInt64
    /// Only for `synthetic`.
    public var synthetic: SyntheticConfig
    /// Only for the file data sets.
    public var file: FileDataConfig

    public init(
        dataset: Source = .digits, validation: Int = 0, splitSeed: UInt64 = 0,
        synthetic: SyntheticConfig = SyntheticConfig(), file: FileDataConfig = FileDataConfig()
    ) {
        self.dataset = dataset
        self.validation = validation
        self.splitSeed = splitSeed
        self.synthetic = synthetic
        self.file = file
    }

    /// The task the data is for: regression only for file data that says so.
    public var task: Task { dataset.isFile ? file.task : .classification }
}

/// Loads datasets and splits them.
///
///     let data = try Datasets.prepare(DataConfig(dataset: .digits, validation: 200))
///     data.train.count   // 1237
public enum Datasets {
    /// Where Debian's `dataset-fashion-mnist` package puts the IDX files.
    public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// The one rule for where IDX data sets are read from: the `--data-dir` option when
    /// given, else `$CAIRN_DATA_DIR`, else Debian's location. A machine fact, never part of a
    /// run's spec or hash.
    ///
    ///     Datasets.directory(nil)        // "/usr/share/datasets/fashion-mnist" (no $CAIRN_DATA_DIR)
    ///     Datasets.directory("data/fm")  // "data/fm"
    public static func directory(
        _ option: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        option ?? environment["CAIRN_DATA_DIR"] ?? defaultFashionMNISTDirectory
    }

    /// Loads the dataset and splits off the validation set.
    /// - Parameter directory: where IDX files are (see `directory(_:)`).
    public static func prepare(_ config: DataConfig, directory: String? = nil) throws -> PreparedData {
        if config.dataset.isFile { return try FileData.prepare(config) }
        func load() throws -> (train: LabeledSet, test: LabeledSet, classes: Int, sha256: String) {
            switch config.dataset {
            case .digits: return try Digits.load()
            case .fashionMNIST, .mnist: return try IDX.loadDirectory(Datasets.directory(directory))
            case .synthetic: return try Synthetic.make(config.synthetic)
            case .csv, .tsv, .npy, .npz, .idx: preconditionFailure("file data sets are prepared by FileData")
            }
        }
        // Taken apart at once, so `train` is the only owner of its rows and is split in place.
        var (train, test, classes, sha256) = try load()
        guard config.validation >= 0, config.validation < train.count else {
            throw DatasetError(
                "data.validation is \(config.validation), but \(config.dataset.rawValue) has \(train.count) training examples")
        }
        let validation = split(&train, validation: config.validation, seed: config.splitSeed)
        return PreparedData(train: train, validation: validation, test: test, classes: classes, sha256: sha256)
    }

    /// A seeded permutation of the training rows; its first `validation` rows are held out
    /// (returned) and `set` keeps the rest. Both parts keep the original indices sorted, so the
    /// training set reads in file order (shuffling is the trainer's job).
    public static func split(_ set: inout LabeledSet, validation: Int, seed: UInt64) -> LabeledSet? {
        guard validation > 0 else { return nil }
        let (held, kept) = holdOut(validation, of: set.count, seed: seed, purpose: .split)
        let heldOut = set.subset(held)
        set.keep(ascending: kept)
        return heldOut
    }

    /// The one rule for holding rows out (validation, a held-out test fraction): the first
    /// `count` of a Philox permutation of `rows` keyed by (seed, purpose), and the rest, each
    /// in ascending order — what sorting the two parts gives, in linear time.
    static func holdOut(_ count: Int, of rows: Int, seed: UInt64, purpose: RandomPurpose) -> (held: [Int], kept: [Int]) {
        var rng = RandomStream(seed: seed, purpose: purpose)
        let perm = rng.permutation(rows)
        var isHeld = [Bool](repeating: false, count: rows)
        for i in perm[0..<count] { isHeld[i] = true }
        var held: [Int] = []
        var kept: [Int] = []
        held.reserveCapacity(count)
        kept.reserveCapacity(rows - count)
        for i in 0..<rows {
            if isHeld[i] { held.append(i) } else { kept.append(i) }
        }
        return (held, kept)
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
            let dir = Datasets.directory(directory)
            return sha256Hex(try IDX.files.map { try IDX.readFile(dir: dir, name: $0) })
        case .synthetic:
            return sha256Hex([config.synthetic.canonical.canonicalBytes])
        case .csv, .tsv, .npy, .npz, .idx:
            return FileData.datasetSHA256(try FileData.identify(config.file))
        }
    }
}
