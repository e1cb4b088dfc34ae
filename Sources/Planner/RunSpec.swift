import Codecs
import Datasets
import Determinism
import Engine
import Vocabulary

/// A fully resolved run: everything that determines its result, every default filled in.
/// Its hash names the run (see `hash(datasetSHA256:)` and the README's "Run identity").
public struct RunSpec: Sendable, Equatable {
    public var data: DataConfig
    public var model: ModelConfig
    public var train: TrainConfig
    public var checkpoint: CheckpointConfig

    public init(data: DataConfig, model: ModelConfig, train: TrainConfig, checkpoint: CheckpointConfig) {
        self.data = data
        self.model = model
        self.train = train
        self.checkpoint = checkpoint
    }

    /// Which `train` keys apply, given the optimizer and schedule. Others are refused when
    /// given and left out of the spec, so a value that cannot matter never changes a hash.
    static func trainKeys(_ t: TrainConfig) -> [String] {
        var keys = [
            "optimizer", "lr", "batch_size", "epochs", "seed", "weight_decay", "schedule", "warmup_steps",
            "clip_grad_norm", "log_every",
        ]
        switch t.optimizer {
        case .sgd: keys += ["momentum", "dampening", "nesterov"]
        case .adam, .adamw: keys += ["beta1", "beta2", "eps"]
        case .rmsprop: keys += ["alpha", "eps", "momentum", "centered"]
        }
        switch t.schedule {
        case .constant: break
        case .step: keys += ["step_size", "gamma"]
        case .cosine: keys += ["min_lr"]
        }
        return keys
    }

    static let allTrainKeys = [
        "optimizer", "lr", "batch_size", "epochs", "seed", "weight_decay", "schedule", "warmup_steps",
        "clip_grad_norm", "log_every", "momentum", "dampening", "nesterov", "beta1", "beta2", "eps",
        "alpha", "centered", "step_size", "gamma", "min_lr",
    ]

    /// The spec as JSON, nested as in an experiment file.
    public var json: JSONValue {
        func n(_ v: Double) -> JSONValue { .number(v) }
        func i(_ v: Int) -> JSONValue { .number(Double(v)) }
        let model: JSONValue = [
            "hidden": .array(self.model.hidden.map(i)), "activation": .string(self.model.activation.rawValue),
            "init": .string(self.model.initialization.rawValue), "dropout": n(self.model.dropout),
        ]
        let t = train
        let all: [String: JSONValue] = [
            "optimizer": .string(t.optimizer.rawValue), "lr": n(t.lr), "batch_size": i(t.batchSize), "epochs": i(t.epochs),
            "seed": n(Double(t.seed)), "weight_decay": n(t.weightDecay), "schedule": .string(t.schedule.rawValue),
            "warmup_steps": i(t.warmupSteps), "clip_grad_norm": n(t.clipGradNorm), "log_every": i(t.logEvery),
            "momentum": n(t.momentum), "dampening": n(t.dampening), "nesterov": .bool(t.nesterov), "beta1": n(t.beta1),
            "beta2": n(t.beta2), "eps": n(t.eps), "alpha": n(t.alpha), "centered": .bool(t.centered),
            "step_size": i(t.stepSize), "gamma": n(t.gamma), "min_lr": n(t.minLR),
        ]
        let train = JSONValue.object(all.filter { RunSpec.trainKeys(t).contains($0.key) })
        let checkpoint: JSONValue = ["every": i(self.checkpoint.every), "best": .string(self.checkpoint.best)]
        return ["data": self.data.json, "model": model, "train": train, "checkpoint": checkpoint]
    }

    /// The bytes the run hash is taken over: the spec's canonical JSON with
    /// `dataset_sha256` and `numerics_version` added at the top level.
    public func canonicalBytes(datasetSHA256: String) -> [UInt8] {
        RunSpec.canonicalBytes(json, datasetSHA256: datasetSHA256)
    }

    /// `canonicalBytes` from an already built `json`.
    static func canonicalBytes(_ json: JSONValue, datasetSHA256: String, numericsVersion: Int = Engine.numericsVersion) -> [UInt8] {
        RunIdentity.bytes(spec: json, datasetSHA256: datasetSHA256, numericsVersion: numericsVersion)
    }

    /// The hash of a stored run (its canonical config as recorded, its data set's hash, the
    /// numerics version it was planned under); nil if the config is not a JSON object. A run
    /// whose stored hash differs from this was altered.
    public static func hash(storedConfig config: String, datasetSHA256: String, numericsVersion: Int) -> String? {
        guard let json = try? JSONValue.parse(Array(config.utf8)), case .object = json else { return nil }
        return sha256Hex([canonicalBytes(json, datasetSHA256: datasetSHA256, numericsVersion: numericsVersion)])
    }

    /// SHA-256 (lowercase hex) of `canonicalBytes`: the run's name.
    public func hash(datasetSHA256: String) -> String {
        sha256Hex([canonicalBytes(datasetSHA256: datasetSHA256)])
    }
}

extension RunSpec {
    /// Decodes and validates a spec from the root of an experiment tree.
    init(reading root: Section, stored: Bool = false) {
        let data = DataConfig.read(root.section("data"), stored: stored)

        let m = root.section("model")
        let model = ModelConfig(
            hidden: m.integerList("hidden", default: [256], where: { $0 >= 1 }, "≥ 1"),
            activation: m.choice("activation", default: ModelConfig.Activation.relu),
            initialization: m.choice("init", default: ModelConfig.Initialization.he),
            dropout: m.number("dropout", default: 0, where: { $0 >= 0 && $0 < 1 }, "in [0, 1)"))
        m.finish()

        let t = root.section("train")
        let optimizer = t.choice("optimizer", default: TrainConfig.Optimizer.adam)
        let schedule = t.choice("schedule", default: TrainConfig.Schedule.constant)
        let base = TrainConfig(optimizer: optimizer)
        let positive: (Double) -> Bool = { $0 > 0 }
        let nonNegative: (Double) -> Bool = { $0 >= 0 }
        let unit: (Double) -> Bool = { $0 >= 0 && $0 < 1 }
        var train = TrainConfig(
            optimizer: optimizer,
            lr: t.number("lr", default: base.lr, where: positive, "> 0"),
            batchSize: t.integer("batch_size", default: base.batchSize, where: { $0 >= 1 }, "≥ 1"),
            epochs: t.integer("epochs", default: base.epochs, where: { $0 >= 1 }, "≥ 1"),
            seed: t.seed("seed", default: base.seed),
            weightDecay: t.number("weight_decay", default: base.weightDecay, where: nonNegative, "≥ 0"),
            schedule: schedule,
            warmupSteps: t.integer("warmup_steps", default: 0, where: { $0 >= 0 }, "≥ 0"),
            clipGradNorm: t.number("clip_grad_norm", default: 0, where: nonNegative, "≥ 0 (0: no clipping)"),
            logEvery: t.integer("log_every", default: base.logEvery, where: { $0 >= 1 }, "≥ 1"))
        let applies = Set(RunSpec.trainKeys(train))
        if applies.contains("momentum") { train.momentum = t.number("momentum", default: 0, where: nonNegative, "≥ 0") }
        if applies.contains("dampening") { train.dampening = t.number("dampening", default: 0, where: unit, "in [0, 1)") }
        if applies.contains("nesterov") { train.nesterov = t.bool("nesterov", default: false) }
        if applies.contains("beta1") { train.beta1 = t.number("beta1", default: 0.9, where: unit, "in [0, 1)") }
        if applies.contains("beta2") { train.beta2 = t.number("beta2", default: 0.999, where: unit, "in [0, 1)") }
        if applies.contains("eps") { train.eps = t.number("eps", default: 1e-8, where: positive, "> 0") }
        if applies.contains("alpha") { train.alpha = t.number("alpha", default: 0.99, where: unit, "in [0, 1)") }
        if applies.contains("centered") { train.centered = t.bool("centered", default: false) }
        if applies.contains("step_size") { train.stepSize = t.integer("step_size", default: 1, where: { $0 >= 1 }, "≥ 1 (epochs)") }
        if applies.contains("gamma") { train.gamma = t.number("gamma", default: 0.1, where: positive, "> 0") }
        if applies.contains("min_lr") { train.minLR = t.number("min_lr", default: 0, where: nonNegative, "≥ 0") }
        if train.nesterov && (train.momentum == 0 || train.dampening != 0) {
            t.reader.fail(
                t.keyPath("nesterov"), t.value("nesterov"), "Nesterov momentum needs momentum > 0 and dampening 0 (as in PyTorch)")
        }
        t.finish(known: RunSpec.allTrainKeys) { key in
            guard RunSpec.allTrainKeys.contains(key) else { return nil }
            let owners: [String: String] = [
                "momentum": "sgd and rmsprop", "dampening": "sgd", "nesterov": "sgd", "beta1": "adam and adamw",
                "beta2": "adam and adamw", "eps": "adam, adamw and rmsprop", "alpha": "rmsprop", "centered": "rmsprop",
                "step_size": "schedule: step", "gamma": "schedule: step", "min_lr": "schedule: cosine",
            ]
            let now =
                key == "step_size" || key == "gamma" || key == "min_lr"
                ? "schedule is \(schedule.rawValue)" : "optimizer is \(optimizer.rawValue)"
            return "only applies to \(owners[key] ?? "other settings") (\(now))"
        }

        let c = root.section("checkpoint")
        let regression = data.task == .regression
        let defaultBest = MetricName.defaultSweepMetric(hasValidation: data.validation > 0, regression: regression)
        let every = c.integer("every", default: 0, where: { $0 >= 0 }, "≥ 0 (0: final and best only)")
        let bestNode = c.value("best")
        let best = c.string("best", default: defaultBest)
        let metrics = MetricName.modelMetrics(hasValidation: data.validation > 0, regression: regression)
        if !metrics.contains(best) {
            let hint = best.hasPrefix("val_") ? " (there is no validation set: set data.validation)" : ""
            c.reader.fail(
                c.keyPath("best"), bestNode,
                "\"\(best)\" is not a metric this run records; expected one of: \(metrics.joined(separator: ", "))\(hint)")
        }
        c.finish()
        self.init(data: data, model: model, train: train, checkpoint: CheckpointConfig(every: every, best: best))
    }
}
