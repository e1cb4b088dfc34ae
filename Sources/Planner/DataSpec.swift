import Datasets
import Determinism
import Foundation

/// The `data` section: which data set, how it is split, and — for a user's own files — how
/// they are read. File locations are resolved against the experiment file's folder and
/// kept out of the spec's JSON (and so of the run hash): the data set's hash names the files
/// by content instead.
extension DataConfig {
    static let builtInKeys = ["dataset", "validation", "split_seed", "synthetic"]
    static let fileKeys = [
        "file", "test_file", "targets_file", "test_targets_file", "dir", "task", "target", "features", "categorical",
        "features_array", "targets_array", "test_fraction", "test_seed", "preprocess", "target_preprocess", "store_copy", "group",
    ]
    /// Which roles (path keys) each file format takes; the first is required.
    static func pathKeys(_ source: Source) -> [String] {
        switch source {
        case .csv, .tsv, .npz: return ["file", "test_file"]
        case .npy: return ["file", "targets_file", "test_file", "test_targets_file"]
        case .idx: return ["dir"]
        default: return []
        }
    }

    /// Reads `data`. `stored`: the section is a stored spec's (no paths; a test set held out
    /// by fraction shows as `test_fraction`, a test file by its absence).
    static func read(_ d: Section, stored: Bool) -> DataConfig {
        var data = DataConfig()
        data.dataset = d.choice("dataset", default: DataConfig.Source.digits)
        data.validation = d.integer("validation", default: 0, where: { $0 >= 0 }, "≥ 0")
        data.splitSeed = d.seed("split_seed", default: 0)
        if data.dataset == .synthetic {
            let s = d.section("synthetic")
            let def = SyntheticConfig()
            data.synthetic = SyntheticConfig(
                classes: s.integer("classes", default: def.classes, where: { $0 >= 2 }, "≥ 2"),
                features: s.integer("features", default: def.features, where: { $0 >= 1 }, "≥ 1"),
                trainSize: s.integer("train_size", default: def.trainSize, where: { $0 >= 1 }, "≥ 1"),
                testSize: s.integer("test_size", default: def.testSize, where: { $0 >= 1 }, "≥ 1"),
                noise: s.number("noise", default: def.noise, where: { $0 >= 0 }, "≥ 0"),
                seed: s.seed("seed", default: def.seed))
            s.finish()
        }
        if data.dataset.isFile { data.file = readFile(d, source: data.dataset, stored: stored) }
        let known = builtInKeys + (data.dataset.isFile ? applicableFileKeys(data) : [])
        d.finish(known: known) { key in
            if key == "synthetic" { return "only applies when data.dataset is synthetic" }
            guard fileKeys.contains(key) else { return nil }
            if !data.dataset.isFile { return "only applies to a file data set (data.dataset: csv, tsv, npy, npz or idx)" }
            return "does not apply here (data.dataset is \(data.dataset.rawValue), data.task is \(data.file.task.rawValue))"
        }
        return data
    }

    static func applicableFileKeys(_ data: DataConfig) -> [String] {
        let f = data.file
        var keys = pathKeys(data.dataset) + ["task", "preprocess", "store_copy"]
        if [.csv, .tsv].contains(data.dataset) { keys += ["target", "features", "categorical", "group"] }
        if data.dataset == .npz { keys += ["features_array", "targets_array"] }
        if !f.testFromFile { keys += ["test_fraction", "test_seed"] }
        if f.task == .regression { keys.append("target_preprocess") }
        return keys
    }

    static func readFile(_ d: Section, source: Source, stored: Bool) -> FileDataConfig {
        var f = FileDataConfig()
        f.task = d.choice("task", default: Task.classification)
        f.preprocess = d.choice("preprocess", default: FileDataConfig.Scaling.none)
        if f.task == .regression { f.targetPreprocess = d.choice("target_preprocess", default: FileDataConfig.Scaling.none) }
        f.storeCopy = d.bool("store_copy", default: true)
        if [.csv, .tsv].contains(source) {
            f.target = d.stringList("target", default: [])
            if f.target.isEmpty { d.reader.fail(d.keyPath("target"), d.node, "missing: the column to predict") }
            if f.task == .classification && f.target.count > 1 {
                d.reader.fail(
                    d.keyPath("target"), d.value("target"), "classification predicts one column; several targets need task: regression")
            }
            if d.has("features") { f.features = d.stringList("features", default: []) }
            f.categorical = d.stringList("categorical", default: [])
            if d.has("group") { f.group = d.string("group", default: "") }
        }
        if source == .npz {
            f.featuresArray = d.string("features_array", default: "x")
            f.targetsArray = d.string("targets_array", default: "y")
        }
        // Where the files are: relative paths from the experiment file's folder.
        let base = (d.reader.source as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            let p = (path as NSString).expandingTildeInPath
            let full =
                p.hasPrefix("/")
                ? p : ((base.isEmpty ? FileManager.default.currentDirectoryPath : base) as NSString).appendingPathComponent(p)
            let absolute = full.hasPrefix("/") ? full : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(full)
            return (absolute as NSString).standardizingPath
        }
        if stored {
            f.testFromFile = !d.has("test_fraction")
        } else {
            let keys = pathKeys(source)
            for key in keys where d.has(key) {
                let path = d.string(key, default: "")
                if path.isEmpty {
                    d.reader.fail(d.keyPath(key), d.value(key), "must not be empty")
                    continue
                }
                if source == .idx {
                    do {
                        for (role, file) in try IDX.locate(resolve(path)) { f.paths[role] = file }
                    } catch {
                        d.reader.fail(d.keyPath(key), d.value(key), "\(error)")
                    }
                } else {
                    f.paths[key] = resolve(path)
                }
            }
            if !d.has(keys[0]) { d.reader.fail(d.keyPath(keys[0]), d.node, "missing: the \(source == .idx ? "folder" : "file") to read") }
            if source == .npy && !d.has("targets_file") {
                d.reader.fail(d.keyPath("targets_file"), d.node, "missing: the targets' .npy file")
            }
            if source == .npy && d.has("test_file") != d.has("test_targets_file") {
                d.reader.fail(
                    d.keyPath(d.has("test_file") ? "test_targets_file" : "test_file"), d.node, "test_file and test_targets_file go together"
                )
            }
            f.testFromFile = source == .idx || d.has("test_file")
        }
        if !f.testFromFile {
            f.testFraction = d.number("test_fraction", default: 0.2, where: { $0 > 0 && $0 < 1 }, "in (0, 1)")
            f.testSeed = d.seed("test_seed", default: 0)
        }
        return f
    }

    /// The section as it is hashed: every default filled in, no path.
    var json: JSONValue {
        var data: [String: JSONValue] = [
            "dataset": .string(dataset.rawValue), "validation": .number(Double(validation)),
            "split_seed": .number(Double(splitSeed)),
        ]
        if dataset == .synthetic, case .object(var synthetic) = self.synthetic.canonical {
            synthetic["generator"] = nil  // the generator's name is in the data set's hash, not a key users write
            data["synthetic"] = .object(synthetic)
        }
        if dataset.isFile {
            let f = file
            data["task"] = .string(f.task.rawValue)
            data["preprocess"] = .string(f.preprocess.rawValue)
            if f.task == .regression { data["target_preprocess"] = .string(f.targetPreprocess.rawValue) }
            if [.csv, .tsv].contains(dataset) {
                data["target"] = .array(f.target.map { .string($0) })
                data["categorical"] = .array(f.categorical.map { .string($0) })
                if let features = f.features { data["features"] = .array(features.map { .string($0) }) }
                if let group = f.group { data["group"] = .string(group) }
            }
            if dataset == .npz {
                data["features_array"] = .string(f.featuresArray)
                data["targets_array"] = .string(f.targetsArray)
            }
            if !f.testFromFile {
                data["test_fraction"] = .number(f.testFraction)
                data["test_seed"] = .number(Double(f.testSeed))
            }
        }
        return .object(data)
    }
}
