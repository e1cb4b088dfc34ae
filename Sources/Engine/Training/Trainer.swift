import Datasets
import Determinism
import Vocabulary

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Trains one model on one prepared data set, single-threaded and deterministic.
///
/// Epoch e (0-based) visits the training set in the order of a permutation drawn from
/// Philox keyed by (seed, shuffle, e), in minibatches of `batch_size`; the last partial batch
/// is trained on, not dropped. Dropout masks are keyed by (seed, dropout, step). So the state
/// after any epoch — weights, optimizer slots, step — determines everything that follows,
/// and a run resumed from an epoch checkpoint ends byte-identical to one never stopped.
///
///     let trainer = Trainer(model: ModelConfig(hidden: [32]), train: TrainConfig(epochs: 3), data: data)
///     let result = trainer.run { event in print(event) }
public final class Trainer {
    public let modelConfig: ModelConfig
    public let config: TrainConfig
    public let checkpointConfig: CheckpointConfig
    public let data: PreparedData
    public let runHash: String
    public let model: MLP
    public let optimizer: Optimizer
    /// Epochs completed.
    public private(set) var epoch = 0
    /// The best value of `checkpoint.best` so far (for deciding the best checkpoint).
    public var bestValue: Double?
    /// Whether `run` emits `.epochState` at every epoch end but the last.
    public var emitsEpochStates = false
    /// Where `run` pauses (early termination's band or rung): after this epoch's end and its
    /// state, before the next epoch. The schedule is still the full run's (`train.epochs`),
    /// so resuming from the pause ends byte-identical to a run trained straight through.
    public var pauseAfterEpoch: Int?
    /// The threads a step's GEMMs and optimizer are split between (see `Team`): a machine
    /// option, which changes no result.
    public let team: Team
    /// Where each phase's time goes, when set (the engine benchmark's profile).
    public var profile: PhaseProfile? {
        didSet { model.profile = profile }
    }

    /// Rows per evaluation forward pass. Results do not depend on it: every row is computed
    /// independently and per-row losses are summed in row order.
    static let evalChunk = 512

    public init(
        model: ModelConfig, train: TrainConfig, checkpoint: CheckpointConfig = CheckpointConfig(),
        data: PreparedData, runHash: String = "", path: KernelPath = .simd, team: Team = .single
    ) {
        modelConfig = model
        config = train
        checkpointConfig = checkpoint
        self.data = data
        self.runHash = runHash
        self.model = MLP(
            config: model, inputDim: data.train.dimension, classes: data.outputs,
            maxBatch: max(train.batchSize, Trainer.evalChunk), path: path)
        self.model.initialize(model.initialization, seed: train.seed)
        self.team = team
        self.model.team = self.team
        optimizer = Optimizer(config: train, count: self.model.parameterCount)
    }

    public var stepsPerEpoch: Int { (data.train.count + config.batchSize - 1) / config.batchSize }

    public func run(onEvent: (TrainEvent) -> Void = { _ in }) -> TrainResult {
        let set = data.train
        let n = set.count
        let dim = set.dimension
        let totalSteps = stepsPerEpoch * config.epochs
        var epochs: [ModelMetrics] = []
        var machine: [MachineMetrics] = []
        let regression = data.task == .regression
        let k = data.outputs
        var labels = [Int32](repeating: 0, count: regression ? 0 : config.batchSize)
        var targets = [Float](repeating: 0, count: regression ? config.batchSize * k : 0)
        let clock = ContinuousClock()
        let compute = epochCompute
        let runStart = clock.now
        var meter = EnergyMeter()
        let cpu = EnergyMeter.processCPU()
        meter.sample(processCPUSeconds: cpu.user + cpu.system)
        while epoch < config.epochs {
            let e = epoch
            let started = clock.now
            var shuffle = RandomStream(seed: config.seed, purpose: .shuffle, index: UInt64(e))
            let order = shuffle.permutation(n)
            var lossSum = 0.0
            var pos = 0
            while pos < n {
                let b = min(config.batchSize, n - pos)
                let stepStart = profile == nil ? 0 : PhaseProfile.now()
                // The shuffled rows' labels (or targets). The rows themselves are not copied: the
                // first Linear's GEMMs read them where they lie, through the order (`MatrixRows`).
                profile.measure(.gather) {
                    for r in 0..<b {
                        let row = order[pos + r]
                        if regression {
                            for j in 0..<k { targets[r * k + j] = set.targets[row * k + j] }
                        } else {
                            labels[r] = set.labels[row]
                        }
                    }
                }
                let loss = set.features.withUnsafeBufferPointer { f in
                    order.withUnsafeBufferPointer { o in
                        model.forward(
                            b: b, rows: MatrixRows(f.baseAddress!, ld: dim, index: o.baseAddress! + pos),
                            dropoutKey: (config.seed, UInt64(optimizer.step)))
                        return regression
                            ? targets.withUnsafeBufferPointer { model.loss(targets: $0.baseAddress!, b: b, backward: true) }
                            : labels.withUnsafeBufferPointer { model.loss(labels: $0.baseAddress!, b: b, backward: true) }
                    }
                }
                guard loss.isFinite else {
                    onEvent(.diverged(epoch: e + 1, step: optimizer.step, loss: Double(loss)))
                    return TrainResult(
                        status: .diverged, final: epochs.last, epochs: epochs, machine: machine,
                        finalCheckpoint: checkpointBytes())
                }
                let lr = learningRate(config, step: optimizer.step, epoch: e, totalSteps: totalSteps)
                profile.measure(.optimizer) {
                    if config.clipGradNorm > 0 {
                        clipGradients(model.grads, count: model.parameterCount, maxNorm: config.clipGradNorm)
                    }
                    optimizer.update(model.params, model.grads, lr: lr, team: team)
                }
                lossSum += Double(loss) * Double(b)
                pos += b
                if config.logEvery > 0 && optimizer.step % config.logEvery == 0 {
                    onEvent(.trainLoss(epoch: e + 1, step: optimizer.step, value: Double(loss)))
                }
                if let profile {
                    profile.steps += 1
                    profile.stepNanoseconds += PhaseProfile.now() - stepStart
                }
            }
            let trainSeconds = Double((clock.now - started) / .seconds(1))
            epoch = e + 1
            // Evaluation's forward passes count as evaluation, not as the step's GEMMs.
            let evaluationStart = profile == nil ? 0 : PhaseProfile.now()
            model.profile = nil
            defer { model.profile = profile }

            var values: [ModelMetrics.Metric] = [.init(key: "train_loss", value: lossSum / Double(n))]
            if regression {
                for (split, set) in [("val", data.validation), ("test", data.test)] {
                    guard let set else { continue }
                    let r = evaluateRegression(set)
                    values += [
                        .init(key: "\(split)_loss", value: r.loss), .init(key: "\(split)_rmse", value: r.rmse),
                        .init(key: "\(split)_mae", value: r.mae), .init(key: "\(split)_r2", value: r.r2),
                    ]
                }
            } else {
                var reports: [(String, ClassificationReport, GroupReport?)] = []
                if let validation = data.validation {
                    let r = evaluate(validation)
                    values += [.init(key: "val_loss", value: r.loss), .init(key: "val_accuracy", value: r.accuracy)]
                    reports.append(("val", r.report, r.groups))
                }
                let t = evaluate(data.test)
                values += [.init(key: "test_loss", value: t.loss), .init(key: "test_accuracy", value: t.accuracy)]
                values += t.perClass.enumerated().map { .init(key: MetricName.classAccuracy($0.offset), value: $0.element) }
                reports.append(("test", t.report, t.groups))
                for (split, report, groups) in reports { values += report.metrics(split) + (groups?.metrics(split) ?? []) }
            }
            if let profile { _ = profile.add(.evaluation, since: evaluationStart) }
            // What the epoch computed, counted from the shapes (see ComputeCount).
            let c = compute
            values += [
                .init(key: "flops_forward", value: Double(c.forward)), .init(key: "flops_backward", value: Double(c.backward)),
                .init(key: "flops_elementwise", value: Double(c.elementwise)), .init(key: "flops_optimizer", value: Double(c.optimizer)),
                .init(key: "flops_evaluation", value: Double(c.evaluation)), .init(key: "flops_total", value: Double(c.total * epoch)),
                .init(key: "parameter_bytes", value: Double(model.parameterCount * 4)),
                .init(key: "optimizer_state_bytes", value: Double(model.parameterCount * 4 * optimizer.slotNames.count)),
            ]
            let metrics = ModelMetrics(epoch: epoch, step: optimizer.step, values: values)
            var m = MachineMetrics(
                epoch: epoch, step: optimizer.step, epochSeconds: Double((clock.now - started) / .seconds(1)),
                samplesPerSecond: Double(n) / trainSeconds, peakRSSBytes: Trainer.peakRSS())
            let cpu = EnergyMeter.processCPU()
            meter.sample(processCPUSeconds: cpu.user + cpu.system)
            m.wallSeconds = Double((clock.now - runStart) / .seconds(1))
            m.cpuUserSeconds = cpu.user
            m.cpuSystemSeconds = cpu.system
            m.energyJoules = meter.joules
            m.energyMeasured = meter.measured
            m.co2eGrams = meter.co2eGrams
            m.carbonIntensity = meter.carbonIntensity
            m.joulesPerGFLOP = meter.joules / (Double(compute.total * epoch) / 1e9)
            epochs.append(metrics)
            machine.append(m)
            onEvent(.epochEnd(metrics, m))

            var kinds: Set<CheckpointKind> = []
            if let v = metrics[checkpointConfig.best], improves(v) {
                bestValue = v
                kinds.insert(.best)
            }
            if epoch == config.epochs { kinds.insert(.final) }
            if checkpointConfig.every > 0 && epoch % checkpointConfig.every == 0 { kinds.insert(.periodic) }
            // One serialisation serves a checkpoint and the epoch's state: the same bytes.
            var state: [UInt8]?
            if !kinds.isEmpty {
                state = checkpointBytes()
                onEvent(.checkpoint(CheckpointEvent(epoch: epoch, step: optimizer.step, kinds: kinds, bytes: state!)))
            }
            if emitsEpochStates && epoch < config.epochs {
                state = state ?? checkpointBytes()
                onEvent(.epochState(epoch: epoch, step: optimizer.step, bytes: state!))
            }
            if let pause = pauseAfterEpoch, epoch >= pause, epoch < config.epochs {
                return TrainResult(
                    status: .paused, final: epochs.last, epochs: epochs, machine: machine, finalCheckpoint: state ?? checkpointBytes())
            }
        }
        return TrainResult(status: .completed, final: epochs.last, epochs: epochs, machine: machine, finalCheckpoint: checkpointBytes())
    }

    func improves(_ v: Double) -> Bool {
        guard let best = bestValue else { return true }
        return Goal.of(checkpointConfig.best).prefers(v, over: best)
    }

    /// Mean loss, accuracy and per-class accuracy over a set, without dropout, and the report
    /// of its decisions (confusion matrix, calibration of the top-label confidence).
    public func evaluate(_ set: LabeledSet) -> (
        loss: Double, accuracy: Double, perClass: [Double], report: ClassificationReport, groups: GroupReport?
    ) {
        let classes = data.classes
        let dim = set.dimension
        var lossSum = 0.0
        var correct = [Int](repeating: 0, count: classes)
        var total = [Int](repeating: 0, count: classes)
        var report = ClassificationReport(classes: classes)
        var groups = set.groups.isEmpty ? nil : GroupReport(groups: data.groupNames.count, classes: classes)
        var start = 0
        set.features.withUnsafeBufferPointer { f in
            set.labels.withUnsafeBufferPointer { l in
                while start < set.count {
                    let b = min(Trainer.evalChunk, set.count - start)
                    model.forward(b: b, rows: MatrixRows(f.baseAddress! + start * dim, ld: dim), dropoutKey: nil)
                    _ = model.loss(labels: l.baseAddress! + start, b: b, backward: false)
                    let logits = model.logits
                    for r in 0..<b {
                        lossSum += Double(model.rowLoss(r))
                        var best = 0
                        for j in 1..<classes where logits[r * classes + j] > logits[r * classes + best] { best = j }
                        let label = Int(l[start + r])
                        total[label] += 1
                        if best == label { correct[label] += 1 }
                        // The top label's softmax probability: 1 / Σ exp(logit − the top logit), in class order.
                        var sum: Float = 0
                        for j in 0..<classes { sum += DMath.expf(logits[r * classes + j] - logits[r * classes + best]) }
                        report.add(truth: label, predicted: best, confidence: 1 / sum)
                        groups?.add(group: Int(set.groups[start + r]), truth: label, predicted: best)
                    }
                    start += b
                }
            }
        }
        let perClass = (0..<classes).map { total[$0] == 0 ? 0 : Double(correct[$0]) / Double(total[$0]) }
        return (lossSum / Double(set.count), Double(correct.reduce(0, +)) / Double(set.count), perClass, report, groups)
    }

    /// Regression metrics over a set, without dropout: the loss (mean squared error in the
    /// units the model is trained in) and RMSE, MAE and R² in the target's original units,
    /// each per output as scikit-learn computes it and averaged over outputs. Sums run over
    /// rows, then outputs, in order, in Double.
    public func evaluateRegression(_ set: LabeledSet) -> (loss: Double, rmse: Double, mae: Double, r2: Double) {
        let k = set.outputs
        let dim = set.dimension
        let n = set.count
        let shift = data.targetShift.isEmpty ? [Double](repeating: 0, count: k) : data.targetShift
        let scale = data.targetScale.isEmpty ? [Double](repeating: 1, count: k) : data.targetScale
        // The set's targets are in the original units; the loss compares with scaled ones.
        let scaled =
            data.targetShift.isEmpty
            ? set.targets : set.targets.enumerated().map { i, y in Float((Double(y) - shift[i % k]) / scale[i % k]) }
        var mean = [Double](repeating: 0, count: k)
        for r in 0..<n { for j in 0..<k { mean[j] += Double(set.targets[r * k + j]) } }
        for j in 0..<k { mean[j] /= Double(n) }
        var lossSum = 0.0
        var absolute = 0.0
        var residual = [Double](repeating: 0, count: k)
        var total = [Double](repeating: 0, count: k)
        var start = 0
        set.features.withUnsafeBufferPointer { f in
            scaled.withUnsafeBufferPointer { t in
                while start < n {
                    let b = min(Trainer.evalChunk, n - start)
                    let out = model.forward(b: b, rows: MatrixRows(f.baseAddress! + start * dim, ld: dim), dropoutKey: nil)
                    _ = model.loss(targets: t.baseAddress! + start * k, b: b, backward: false)
                    for r in 0..<b {
                        lossSum += Double(model.rowLoss(r))
                        for j in 0..<k {
                            let y = Double(set.targets[(start + r) * k + j])
                            let e = (Double(out[r * k + j]) * scale[j] + shift[j]) - y
                            absolute += abs(e)
                            residual[j] += e * e
                            total[j] += (y - mean[j]) * (y - mean[j])
                        }
                    }
                    start += b
                }
            }
        }
        // Per output, then averaged over outputs (scikit-learn's "uniform_average").
        var r2 = 0.0
        var rmse = 0.0
        for j in 0..<k {
            r2 += total[j] > 0 ? 1 - residual[j] / total[j] : (residual[j] == 0 ? 1 : 0)
            rmse += (residual[j] / Double(n)).squareRoot()
        }
        return (lossSum / Double(n), rmse / Double(k), absolute / Double(n * k), r2 / Double(k))
    }

    /// The full training state as safetensors bytes: the model in PyTorch's state_dict layout,
    /// optimizer slots as `optimizer.<tensor>.<slot>`, and the position in the metadata.
    public func checkpointBytes() -> [UInt8] {
        var tensors: [SafeTensors.Tensor] = []
        for t in model.tensors {
            tensors.append(.init(name: t.name, shape: t.shape, values: model.torchLayout(t, from: model.params)))
            for (slot, buffer) in zip(optimizer.slotNames, optimizer.slots) {
                tensors.append(.init(name: "optimizer.\(t.name).\(slot)", shape: t.shape, values: model.torchLayout(t, from: buffer)))
            }
        }
        var metadata = [
            "numerics_version": String(Engine.numericsVersion),
            "run_hash": runHash,
            "step": String(optimizer.step),
            "epoch": String(epoch),
            // Every stream is counter-based: the next shuffle is keyed by the epoch, the next
            // dropout mask by the step, so this names the generator's whole position.
            "rng": "philox4x32-10 seed=\(config.seed) shuffle_epoch=\(epoch) dropout_step=\(optimizer.step)",
        ]
        // A user's data: what the outputs mean (the built-in sets' classes are their indices).
        if !data.classNames.isEmpty { metadata["classes"] = JSONValue.array(data.classNames.map { .string($0) }).canonical }
        if !data.groupNames.isEmpty { metadata["groups"] = JSONValue.array(data.groupNames.map { .string($0) }).canonical }
        if !data.targetShift.isEmpty {
            metadata["target_shift"] = JSONValue.array(data.targetShift.map { .number($0) }).canonical
            metadata["target_scale"] = JSONValue.array(data.targetScale.map { .number($0) }).canonical
        }
        return SafeTensors.encode(tensors, metadata: metadata)
    }

    public struct RestoreError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Continues from a checkpoint this configuration wrote: weights, optimizer slots, step
    /// and epoch. `best` is the best `checkpoint.best` value seen before it, if known.
    public func restore(checkpoint bytes: [UInt8], best: Double? = nil) throws {
        let file = try SafeTensors.decode(bytes)
        guard file.metadata["numerics_version"] == String(Engine.numericsVersion) else {
            throw RestoreError(
                description:
                    "checkpoint was written by numerics version \(file.metadata["numerics_version"] ?? "?"), this engine is \(Engine.numericsVersion)"
            )
        }
        guard let step = file.metadata["step"].flatMap(Int.init), let ep = file.metadata["epoch"].flatMap(Int.init) else {
            throw RestoreError(description: "checkpoint metadata lacks step or epoch")
        }
        let expected = model.tensors.count * (1 + optimizer.slotNames.count)
        guard file.tensors.count == expected else {
            throw RestoreError(description: "checkpoint has \(file.tensors.count) tensors, this model and optimizer have \(expected)")
        }
        for t in model.tensors {
            let pairs = [(t.name, model.params)] + zip(optimizer.slotNames, optimizer.slots).map { ("optimizer.\(t.name).\($0)", $1) }
            for (name, buffer) in pairs {
                guard let saved = file.tensors[name], saved.shape == t.shape else {
                    throw RestoreError(description: "checkpoint tensor \(name) is missing or has another shape than \(t.shape)")
                }
                model.loadTorchLayout(t, saved.values, into: buffer)
            }
        }
        optimizer.step = step
        epoch = ep
        bestValue = best
    }

    /// The process's peak resident set size so far, in bytes.
    static func peakRSS() -> Int {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return usage.ru_maxrss * 1024
        #else
            getrusage(RUSAGE_SELF, &usage)
            return usage.ru_maxrss
        #endif
    }
}
