/// A run's arithmetic, counted from its shapes: model-side facts, identical on every machine.
///
/// Matrix multiplies are counted as PyTorch's `FlopCounterMode` counts them, 2·M·N·K: a
/// Linear layer's forward pass is 2·b·in·out; its backward pass computes the weight gradient
/// (2·in·b·out) and, for every layer but the first, the input gradient (2·b·out·in). The rest
/// is counted one operation per element an operation writes (`FlopCounterMode` counts none
/// of it): bias add, activation, dropout, and their gradients; the loss (softmax
/// cross-entropy: 3 per logit and 2 per row forward, 2 per logit backward; mean squared
/// error: 3 per output forward, 2 backward); the optimizer's update per parameter as its
/// formula reads (SGD 2, +4 with momentum, +2 Nesterov; Adam 13, AdamW 13 + 1 for the decay;
/// RMSProp 9, +4 centred, +3 momentum; +2 for L2 weight decay; +3 for gradient clipping).
public struct ComputeCount: Sendable, Equatable {
    public var forward = 0
    public var backward = 0
    public var elementwise = 0
    public var optimizer = 0
    /// Evaluation's forward passes (validation and test), matrix multiplies and element-wise.
    public var evaluation = 0

    public var total: Int { forward + backward + elementwise + optimizer + evaluation }

    public init() {}

    /// `n` times these counts.
    func times(_ n: Int) -> ComputeCount {
        var c = self
        c.forward *= n
        c.backward *= n
        c.elementwise *= n
        c.optimizer *= n
        c.evaluation *= n
        return c
    }

    static func + (a: ComputeCount, b: ComputeCount) -> ComputeCount {
        var c = a
        c.forward += b.forward
        c.backward += b.backward
        c.elementwise += b.elementwise
        c.optimizer += b.optimizer
        c.evaluation += b.evaluation
        return c
    }
}

extension Trainer {
    /// One epoch's count: its steps (the last one over the rows left) and the evaluation of
    /// the validation and test sets. The same for every epoch, so a run's total after epoch e
    /// is e times it, however the run was resumed.
    public var epochCompute: ComputeCount {
        let n = data.train.count
        let regression = data.task == .regression
        let perParameter = Optimizer.operationsPerParameter(config)
        var c = model.stepCount(b: config.batchSize, regression: regression, optimizerPerParameter: perParameter).times(
            n / config.batchSize)
        if n % config.batchSize > 0 {
            c = c + model.stepCount(b: n % config.batchSize, regression: regression, optimizerPerParameter: perParameter)
        }
        let rows = (data.validation?.count ?? 0) + data.test.count
        c.evaluation = model.forwardMatmulFLOPs(b: rows) + model.forwardElementwise(b: rows, regression: regression)
        return c
    }
}

extension MLP {
    /// The matrix-multiply FLOPs of a forward pass over `b` rows.
    public func forwardMatmulFLOPs(b: Int) -> Int {
        modules.reduce(0) { sum, m in
            if case let .linear(_, _, i, o) = m { return sum + 2 * b * i * o }
            return sum
        }
    }

    /// The element-wise operations of a forward pass over `b` rows, the loss included.
    func forwardElementwise(b: Int, regression: Bool) -> Int {
        var n = 0
        for (m, w) in zip(modules, widths) {
            switch m {
            case .linear: n += b * w  // bias
            case .activation, .dropout: n += b * w
            }
        }
        return n + (regression ? 3 * b * classes : b * (3 * classes + 2))
    }

    /// One training step over `b` rows.
    func stepCount(b: Int, regression: Bool, optimizerPerParameter: Int) -> ComputeCount {
        var c = ComputeCount()
        c.forward = forwardMatmulFLOPs(b: b)
        var first = true
        for m in modules {
            guard case let .linear(_, _, i, o) = m else { continue }
            c.backward += 2 * i * b * o + (first ? 0 : 2 * b * o * i)
            first = false
        }
        // Backward element-wise: the loss gradient, bias gradients, activation and dropout gradients.
        var back = 2 * b * classes
        for w in widths { back += b * w }  // every module's gradient writes its output's width
        c.elementwise = forwardElementwise(b: b, regression: regression) + back
        c.optimizer = parameterCount * optimizerPerParameter
        return c
    }
}

extension Optimizer {
    /// Operations per parameter per step (see `ComputeCount`).
    static func operationsPerParameter(_ c: TrainConfig) -> Int {
        var n: Int
        switch c.optimizer {
        case .sgd: n = 2 + (c.momentum != 0 ? 4 : 0) + (c.nesterov ? 2 : 0)
        case .adam: n = 13
        case .adamw: n = 14
        case .rmsprop: n = 9 + (c.centered ? 4 : 0) + (c.momentum > 0 ? 3 : 0)
        }
        if c.weightDecay != 0 && c.optimizer != .adamw { n += 2 }
        if c.clipGradNorm > 0 { n += 3 }
        return n
    }
}
