import Determinism

/// A named parameter tensor: a slice of the model's one parameter allocation.
public struct ParameterTensor: Sendable {
    /// PyTorch state_dict name (`0.weight`, `0.bias`, `2.weight`, …).
    public let name: String
    public let offset: Int
    /// PyTorch's shape: (out, in) for a weight, (out) for a bias.
    public let shape: [Int]
    /// True for Linear weights, which the engine keeps as (in, out).
    public let transposed: Bool
    public var count: Int { shape.reduce(1, *) }
}

/// A multi-layer perceptron laid out as PyTorch's `nn.Sequential`: Linear, activation,
/// [Dropout], …, Linear. Parameters live in one allocation (gradients in a second one of the
/// same layout), so "save the model" is one pass and the optimizer runs over one buffer.
public final class MLP {
    public enum Module {
        case linear(weight: Int, bias: Int, inDim: Int, outDim: Int)
        case activation(ModelConfig.Activation)
        case dropout(Float)
    }

    public let path: KernelPath
    public let inputDim: Int
    /// The output width: classes (logits) or regression targets.
    public let classes: Int
    public let modules: [Module]
    /// Output width of each module.
    public let widths: [Int]
    public let tensors: [ParameterTensor]
    public let parameterCount: Int
    public let params: UnsafeMutablePointer<Float>
    public let grads: UnsafeMutablePointer<Float>
    public let maxBatch: Int

    /// A buffer for the batch's input rows (maxBatch × inputDim), for a caller that fills it.
    public let input: UnsafeMutablePointer<Float>
    /// The rows the last forward pass read: `input`, or rows read where they lie.
    private var batch: MatrixRows
    let acts: [UnsafeMutablePointer<Float>]
    let dacts: [UnsafeMutablePointer<Float>]
    let masks: [UnsafeMutablePointer<Float>?]
    let scratch: UnsafeMutablePointer<Float>
    let losses: UnsafeMutablePointer<Float>
    /// ReLUs whose forward pass runs in the epilogue of the GEMM before them (SIMD path).
    let fusedForward: [Bool]
    /// ReLUs whose backward pass runs in the epilogue of the input-gradient GEMM after them
    /// (SIMD path, when the next module is a Linear).
    let fusedBackward: [Bool]
    /// Gradients of module outputs that a backward pass accumulates into, so are zeroed first.
    let accumulated: [Bool]

    /// The threads its GEMMs are split between.
    public var team = Team.single
    /// Where each phase's time goes, when profiling.
    public var profile: PhaseProfile?

    public init(config: ModelConfig, inputDim: Int, classes: Int, maxBatch: Int, path: KernelPath) {
        self.path = path
        self.inputDim = inputDim
        self.classes = classes
        self.maxBatch = maxBatch
        var modules: [Module] = []
        var widths: [Int] = []
        var tensors: [ParameterTensor] = []
        var offset = 0
        var width = inputDim
        var maxTranspose = 0
        for (layer, out) in (config.hidden + [classes]).enumerated() {
            let index = modules.count
            tensors.append(ParameterTensor(name: "\(index).weight", offset: offset, shape: [out, width], transposed: true))
            tensors.append(ParameterTensor(name: "\(index).bias", offset: offset + width * out, shape: [out], transposed: false))
            modules.append(.linear(weight: offset, bias: offset + width * out, inDim: width, outDim: out))
            widths.append(out)
            maxTranspose = max(maxTranspose, width * out)
            offset += width * out + out
            width = out
            if layer < config.hidden.count {  // every Linear but the last: activation, [Dropout]
                modules.append(.activation(config.activation))
                widths.append(out)
                if config.dropout > 0 {
                    modules.append(.dropout(Float(config.dropout)))
                    widths.append(out)
                }
            }
        }
        self.modules = modules
        self.widths = widths
        self.tensors = tensors
        self.parameterCount = offset
        params = .allocate(capacity: offset)
        params.initialize(repeating: 0, count: offset)
        grads = .allocate(capacity: offset)
        grads.initialize(repeating: 0, count: offset)
        input = .allocate(capacity: maxBatch * inputDim)
        input.initialize(repeating: 0, count: maxBatch * inputDim)
        batch = MatrixRows(input, ld: inputDim)
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        acts = widths.map { buffer(maxBatch * $0) }
        dacts = widths.map { buffer(maxBatch * $0) }
        masks = zip(modules, widths).map { m, w in if case .dropout = m { return buffer(maxBatch * w) } else { return nil } }
        scratch = buffer(max(maxTranspose, 1))
        losses = buffer(maxBatch)
        let relu = modules.map { if case .activation(.relu) = $0 { true } else { false } }
        let linear = modules.map { if case .linear = $0 { true } else { false } }
        let forward = relu.map { $0 && path == .simd }
        let backward = relu.indices.map { forward[$0] && $0 + 1 < modules.count && linear[$0 + 1] }
        fusedForward = forward
        fusedBackward = backward
        // The output's gradient (the loss adds into it), and what an unfused activation or
        // dropout adds into; a Linear and a fused ReLU write their input's gradient whole.
        accumulated = modules.indices.map { i in i == modules.count - 1 || (!linear[i + 1] && !backward[i + 1]) }
    }

    deinit {
        for p in [params, grads, input, scratch, losses] + acts + dacts + masks.compactMap({ $0 }) { p.deallocate() }
    }

    /// Fills the parameters from Philox keyed by (seed, initialization, 2·module + (0 weight, 1 bias)).
    /// Values are drawn in PyTorch's element order — (out, in) for weights — and stored transposed.
    public func initialize(_ scheme: ModelConfig.Initialization, seed: UInt64) {
        for (index, module) in modules.enumerated() {
            guard case let .linear(w, b, fanIn, fanOut) = module else { continue }
            var rw = RandomStream(seed: seed, purpose: .initialization, index: UInt64(2 * index))
            var rb = RandomStream(seed: seed, purpose: .initialization, index: UInt64(2 * index + 1))
            func uniform(_ r: inout RandomStream, _ bound: Double) -> Float { Float((2 * r.nextUniform() - 1) * bound) }
            for o in 0..<fanOut {
                for i in 0..<fanIn {
                    let v: Float
                    switch scheme {
                    case .torch: v = uniform(&rw, 1 / DMath.sqrt(Double(fanIn)))
                    case .he: v = Float(rw.nextNormal() * DMath.sqrt(2 / Double(fanIn)))
                    case .heUniform: v = uniform(&rw, DMath.sqrt(6 / Double(fanIn)))
                    case .xavier: v = uniform(&rw, DMath.sqrt(6 / Double(fanIn + fanOut)))
                    }
                    params[w + i * fanOut + o] = v
                }
                params[b + o] = scheme == .torch ? uniform(&rb, 1 / DMath.sqrt(Double(fanIn))) : 0
            }
        }
    }

    /// Runs b rows through the model — `rows` (of inputDim floats), else the first b rows of
    /// `input` — and returns the logits (b × classes). `rows` must stay readable until the
    /// step's `loss` has taken the gradients. `dropoutKey` (seed, step) turns dropout on
    /// (training); nil is evaluation.
    @discardableResult
    public func forward(b: Int, rows: MatrixRows? = nil, dropoutKey: (seed: UInt64, step: UInt64)?) -> UnsafeMutablePointer<Float> {
        precondition(b <= maxBatch)
        batch = rows ?? MatrixRows(input, ld: inputDim)
        for (i, module) in modules.enumerated() {
            let out = acts[i]
            let n = b * widths[i]
            let inp = moduleInput(i)
            switch module {
            case let .linear(w, bias, c, oc):
                profile.measure(.forwardGemm) {
                    linearForward(
                        path, out: linearOutput(i), inp: linearInput(i), weight: params + w, bias: params + bias, b: b, c: c,
                        oc: oc, relu: reluFusedAfter(i), team: team)
                }
            case .activation(let activation):
                if fusedForward[i] { break }
                profile.measure(.elementwise) {
                    switch activation {
                    case .relu: reluForward(out: out, inp: inp, n: n)
                    case .tanh: tanhForward(out: out, inp: inp, n: n)
                    case .sigmoid: sigmoidForward(out: out, inp: inp, n: n)
                    case .gelu: geluForward(out: out, inp: inp, n: n)
                    }
                }
            case .dropout(let p):
                profile.measure(.elementwise) {
                    if let key = dropoutKey {
                        dropoutMask(masks[i]!, n: n, p: p, seed: key.seed, step: key.step, module: i)
                        dropoutForward(out: out, inp: inp, mask: masks[i]!, n: n)
                    } else {
                        out.update(from: inp, count: n)
                    }
                }
            }
        }
        return acts[acts.count - 1]
    }

    /// The mean cross-entropy of the last forward pass against `labels`, and — when
    /// `backward` — the gradients of every parameter in `grads` (zeroed first).
    public func loss(labels: UnsafePointer<Int32>, b: Int, backward: Bool) -> Float {
        let logits = acts[acts.count - 1]
        guard backward else {
            return softmaxCrossEntropy(logits: logits, labels: labels, b: b, c: classes, losses: losses, dlogits: nil, team: team)
        }
        clearGradients(b: b)
        let mean = profile.measure(.loss) {
            softmaxCrossEntropy(
                logits: logits, labels: labels, b: b, c: classes, losses: losses, dlogits: dacts[dacts.count - 1], team: team)
        }
        backpropagate(b: b)
        return mean
    }

    /// The mean squared error of the last forward pass against `targets` (b × outputs), and —
    /// when `backward` — the gradients, as `loss(labels:)`.
    public func loss(targets: UnsafePointer<Float>, b: Int, backward: Bool) -> Float {
        let out = acts[acts.count - 1]
        guard backward else { return meanSquaredError(pred: out, targets: targets, b: b, k: classes, losses: losses, dpred: nil) }
        clearGradients(b: b)
        let mean = profile.measure(.loss) {
            meanSquaredError(pred: out, targets: targets, b: b, k: classes, losses: losses, dpred: dacts[dacts.count - 1])
        }
        backpropagate(b: b)
        return mean
    }

    /// Zeroes the gradients that are accumulated into; every other one is written whole
    /// (parameters' gradients by `linearBackward`).
    private func clearGradients(b: Int) {
        profile.measure(.elementwise) {
            for (i, d) in dacts.enumerated() where accumulated[i] { d.update(repeating: 0, count: b * widths[i]) }
        }
    }

    /// From the output gradient in the last `dacts` to every parameter's gradient.
    private func backpropagate(b: Int) {
        for i in stride(from: modules.count - 1, through: 0, by: -1) {
            let dout = dacts[i]
            let n = b * widths[i]
            let inp = moduleInput(i)
            let dinp = i == 0 ? nil : dacts[i - 1]
            switch modules[i] {
            case let .linear(w, bias, c, oc):
                linearBackward(
                    path, dinp: linearInputGradient(i), dweight: grads + w, dbias: grads + bias, dout: dout, inp: linearInput(i),
                    weight: params + w, scratch: scratch, b: b, c: c, oc: oc, reluGate: reluFusedBefore(i) ? acts[i - 1] : nil,
                    team: team, profile: profile)
            case .activation(let activation):
                if fusedBackward[i] { break }
                profile.measure(.elementwise) {
                    switch activation {
                    case .relu: reluBackward(dinp: dinp!, dout: dout, out: acts[i], n: n)
                    case .tanh: tanhBackward(dinp: dinp!, dout: dout, out: acts[i], n: n)
                    case .sigmoid: sigmoidBackward(dinp: dinp!, dout: dout, out: acts[i], n: n)
                    case .gelu: geluBackward(dinp: dinp!, dout: dout, inp: inp, n: n)
                    }
                }
            case .dropout: profile.measure(.elementwise) { dropoutBackward(dinp: dinp!, dout: dout, mask: masks[i]!, n: n) }
            }
        }
    }

    /// The matrix multiplies of one training step at batch `b` and nothing else — each
    /// Linear's forward pass and weight gradient, and its input gradient but for the first; no
    /// bias, activation, loss or update — on the model's own buffers and threads: what the
    /// engine benchmark times a step's GEMM-bound cap by, with the memory a step really uses.
    /// The first Linear reads the contiguous `input` buffer, whatever rows the step read: the
    /// cap is the rate of plain GEMMs, so reading the batch in place counts against the step.
    /// It writes only activations and gradients, which a step writes again before it reads
    /// them; the parameters are only read, so a training around it ends with the same bits.
    public func runStepGemms(b: Int) {
        let step = batch
        batch = MatrixRows(input, ld: inputDim)
        defer { batch = step }
        for (i, module) in modules.enumerated() {
            guard case let .linear(w, _, c, oc) = module else { continue }
            team.splitGemm(
                m: b, n: oc, k: c, a: linearInput(i), b: params + w, ldb: oc, c: linearOutput(i), ldc: oc, start: .zero)
        }
        for i in stride(from: modules.count - 1, through: 0, by: -1) {
            guard case let .linear(w, _, c, oc) = modules[i] else { continue }
            team.splitGemm(
                m: c, n: oc, k: b, a: linearInput(i), transposeA: true, b: dacts[i], ldb: oc, c: grads + w, ldc: oc,
                start: .zero)
            guard let dinp = linearInputGradient(i) else { continue }
            team.splitGemm(
                m: b, n: c, k: oc, a: MatrixRows(dacts[i], ld: oc), b: scratch, ldb: c, c: dinp, ldc: c, start: .zero)
        }
    }

    // Where each module reads and writes, for the step and for `runStepGemms` alike.

    /// Module `i`'s input buffer: the previous module's output. The first module is a Linear,
    /// which reads its batch through `linearInput`; `input` stands in for it here.
    func moduleInput(_ i: Int) -> UnsafeMutablePointer<Float> { i == 0 ? input : acts[i - 1] }
    /// Linear `i`'s input: the batch for the first (`input`, or rows read where they lie),
    /// else the previous module's output.
    func linearInput(_ i: Int) -> MatrixRows { i == 0 ? batch : MatrixRows(moduleInput(i), ld: widths[i - 1]) }
    /// Whether the ReLU after Linear `i` runs in its GEMM's epilogue.
    func reluFusedAfter(_ i: Int) -> Bool { i + 1 < modules.count && fusedForward[i + 1] }
    /// Whether the ReLU before Linear `i` has its gradient taken in that Linear's input-gradient GEMM.
    func reluFusedBefore(_ i: Int) -> Bool { i >= 1 && fusedBackward[i - 1] }
    /// Where Linear `i` writes: with a fused ReLU after it, straight to the ReLU's buffer (its own stays unused).
    func linearOutput(_ i: Int) -> UnsafeMutablePointer<Float> { reluFusedAfter(i) ? acts[i + 1] : acts[i] }
    /// Where Linear `i` writes its input's gradient: through a fused ReLU before it, that ReLU's
    /// input's gradient, gated by its output; none for the first module.
    func linearInputGradient(_ i: Int) -> UnsafeMutablePointer<Float>? {
        i == 0 ? nil : reluFusedBefore(i) ? dacts[i - 2] : dacts[i - 1]
    }

    /// Per-row losses of the last `loss` call.
    public func rowLoss(_ r: Int) -> Float { losses[r] }
    /// Logits of the last forward pass.
    public var logits: UnsafeMutablePointer<Float> { acts[acts.count - 1] }

    /// A tensor in PyTorch's layout (weights transposed back to (out, in)).
    public func torchLayout(_ t: ParameterTensor, from buffer: UnsafePointer<Float>) -> [Float] {
        guard t.transposed else { return Array(UnsafeBufferPointer(start: buffer + t.offset, count: t.count)) }
        let out = t.shape[0]
        let inp = t.shape[1]
        var r = [Float](repeating: 0, count: t.count)
        for o in 0..<out { for i in 0..<inp { r[o * inp + i] = buffer[t.offset + i * out + o] } }
        return r
    }

    /// Writes a tensor given in PyTorch's layout into `buffer`.
    public func loadTorchLayout(_ t: ParameterTensor, _ values: [Float], into buffer: UnsafeMutablePointer<Float>) {
        guard t.transposed else {
            for k in 0..<t.count { buffer[t.offset + k] = values[k] }
            return
        }
        let out = t.shape[0]
        let inp = t.shape[1]
        for o in 0..<out { for i in 0..<inp { buffer[t.offset + i * out + o] = values[o * inp + i] } }
    }
}
