import Determinism

/// The optimizers, each exactly as PyTorch documents its update rule (torch.optim, single-
/// tensor implementation), over the model's one flat parameter buffer. Every update is
/// elementwise, so there is no reduction order to fix.
///
/// State slots use PyTorch's names (`exp_avg`, `exp_avg_sq`, `momentum_buffer`,
/// `square_avg`, `grad_avg`) and checkpoint as `optimizer.<tensor>.<slot>`.
public final class Optimizer {
    public let config: TrainConfig
    public let count: Int
    /// Slot names in a fixed order, and one buffer of `count` floats per slot.
    public let slotNames: [String]
    public let slots: [UnsafeMutablePointer<Float>]
    /// Optimizer steps taken so far.
    public var step: Int = 0

    public init(config: TrainConfig, count: Int) {
        self.config = config
        self.count = count
        switch config.optimizer {
        case .sgd: slotNames = config.momentum != 0 ? ["momentum_buffer"] : []
        case .adam, .adamw: slotNames = ["exp_avg", "exp_avg_sq"]
        case .rmsprop:
            slotNames = ["square_avg"] + (config.centered ? ["grad_avg"] : []) + (config.momentum > 0 ? ["momentum_buffer"] : [])
        }
        slots = slotNames.map { _ in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
    }

    deinit { slots.forEach { $0.deallocate() } }

    /// x^n by binary exponentiation in Double: one fixed sequence of multiplications.
    static func power(_ x: Double, _ n: Int) -> Double {
        var result = 1.0
        var base = x
        var e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }

    /// One update of `p` from gradient `g` at learning rate `lr`: one pass over the
    /// parameters, weight decay included, split between `team`'s threads by parameter.
    public func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, lr: Double, team: Team = .single) {
        step += 1
        let c = config
        // AdamW's decoupled decay shrinks the weights first and leaves the gradient alone;
        // the L2 penalty (PyTorch's `weight_decay` for SGD, Adam, RMSProp) is g += wd·p.
        let decay: Decay =
            c.optimizer == .adamw ? .decoupled(Float(1 - lr * c.weightDecay)) : c.weightDecay != 0 ? .l2(Float(c.weightDecay)) : .none
        switch c.optimizer {
        case .sgd:
            let k = SGDConstants(
                lr: Float(lr), momentum: Float(c.momentum), damp: Float(1 - c.dampening),
                first: step == 1, nesterov: c.nesterov)
            let buf = slots.first
            team.split(count) { r in
                forEachLane(r, { Optimizer.sgd(F16.self, $0, p, g, buf, decay, k) }, { Optimizer.sgd(Float.self, $0, p, g, buf, decay, k) })
            }
        case .adam, .adamw:
            let k = AdamConstants(
                oneMinusB1: Float(1 - c.beta1), b2: Float(c.beta2), oneMinusB2: Float(1 - c.beta2),
                stepSize: Float(lr / (1 - Optimizer.power(c.beta1, step))),
                invBC2: Float(1 / (1 - Optimizer.power(c.beta2, step))), eps: Float(c.eps))
            let m = slots[0]
            let v = slots[1]
            team.split(count) { r in
                forEachLane(
                    r, { Optimizer.adam(F16.self, $0, p, g, m, v, decay, k) }, { Optimizer.adam(Float.self, $0, p, g, m, v, decay, k) })
            }
        case .rmsprop:
            let k = RMSPropConstants(
                lr: Float(lr), alpha: Float(c.alpha), oneMinusAlpha: Float(1 - c.alpha), eps: Float(c.eps),
                momentum: Float(c.momentum))
            let sq = slots[0]
            let ga = c.centered ? slots[1] : nil
            let buf = c.momentum > 0 ? slots[slots.count - 1] : nil
            team.split(count) { r in
                forEachLane(
                    r, { Optimizer.rmsprop(F16.self, $0, p, g, sq, ga, buf, decay, k) },
                    { Optimizer.rmsprop(Float.self, $0, p, g, sq, ga, buf, decay, k) })
            }
        }
    }

    enum Decay {
        case none
        /// p ← p · factor, before the update (AdamW).
        case decoupled(Float)
        /// g ← g + wd · p (L2).
        case l2(Float)
    }

    /// Element i's weight and gradient after weight decay.
    @inline(__always) static func decayed<V: Lane>(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ i: Int, _ decay: Decay
    ) -> (p: V, g: V) {
        let w = V.load(p, i)
        let d = V.load(g, i)
        switch decay {
        case .none: return (w, d)
        case .decoupled(let f): return (w * V(broadcast: f), d)
        case .l2(let wd): return (w, d + V(broadcast: wd) * w)
        }
    }

    struct SGDConstants {
        let lr, momentum, damp: Float
        let first, nesterov: Bool
    }

    /// buf = g on the first step, else momentum·buf + (1 − dampening)·g;
    /// d = g + momentum·buf (Nesterov) or buf; p −= lr·d.
    @inline(__always)
    static func sgd<V: Lane>(
        _: V.Type, _ i: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
        _ buf: UnsafeMutablePointer<Float>?, _ decay: Decay, _ k: SGDConstants
    ) {
        let (w, g0): (V, V) = decayed(p, g, i, decay)
        var d = g0
        if let buf {
            let b = k.first ? d : V.load(buf, i) * V(broadcast: k.momentum) + V(broadcast: k.damp) * d
            b.store(buf, i)
            d = k.nesterov ? d + V(broadcast: k.momentum) * b : b
        }
        (w - V(broadcast: k.lr) * d).store(p, i)
    }

    struct AdamConstants { let oneMinusB1, b2, oneMinusB2, stepSize, invBC2, eps: Float }

    /// m = lerp(m, g, 1 − β1); v = β2·v + (1 − β2)·g²;
    /// p −= (lr / (1 − β1^t)) · m / (√(v · 1/(1 − β2^t)) + ε)
    /// PyTorch writes the denominator √v / √(1 − β2^t); the same value with one division
    /// fewer, which matters: the update is bound by the divider, not by memory.
    @inline(__always)
    static func adam<V: Lane>(
        _: V.Type, _ i: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ decay: Decay, _ k: AdamConstants
    ) {
        let (w, d): (V, V) = decayed(p, g, i, decay)
        let m0 = V.load(m, i)
        let mi = m0 + V(broadcast: k.oneMinusB1) * (d - m0)  // torch: exp_avg.lerp_(grad, 1 - beta1)
        let vi = V.load(v, i) * V(broadcast: k.b2) + V(broadcast: k.oneMinusB2) * d * d
        mi.store(m, i)
        vi.store(v, i)
        (w - V(broadcast: k.stepSize) * mi / ((vi * V(broadcast: k.invBC2)).squareRoot() + V(broadcast: k.eps))).store(p, i)
    }

    struct RMSPropConstants { let lr, alpha, oneMinusAlpha, eps, momentum: Float }

    /// sq = α·sq + (1 − α)·g²; centered: ga = lerp(ga, g, 1 − α), avg = √(sq − ga²) + ε,
    /// else avg = √sq + ε; with momentum: buf = μ·buf + g/avg, p −= lr·buf; else p −= lr·g/avg.
    @inline(__always)
    static func rmsprop<V: Lane>(
        _: V.Type, _ i: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
        _ sq: UnsafeMutablePointer<Float>, _ ga: UnsafeMutablePointer<Float>?,
        _ buf: UnsafeMutablePointer<Float>?, _ decay: Decay, _ k: RMSPropConstants
    ) {
        let (w, d): (V, V) = decayed(p, g, i, decay)
        let s = V.load(sq, i) * V(broadcast: k.alpha) + V(broadcast: k.oneMinusAlpha) * d * d
        s.store(sq, i)
        let avg: V
        if let ga {
            let g0 = V.load(ga, i)
            let gi = g0 + V(broadcast: k.oneMinusAlpha) * (d - g0)
            gi.store(ga, i)
            avg = (s - gi * gi).squareRoot() + V(broadcast: k.eps)
        } else {
            avg = s.squareRoot() + V(broadcast: k.eps)
        }
        if let buf {
            let b = V.load(buf, i) * V(broadcast: k.momentum) + d / avg
            b.store(buf, i)
            (w - V(broadcast: k.lr) * b).store(p, i)
        } else {
            (w - V(broadcast: k.lr) * d / avg).store(p, i)
        }
    }
}

/// Scales `g` so its global L2 norm is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`
/// does (coefficient maxNorm / (norm + 1e-6), applied only when below 1). The squares are
/// summed in Double, in buffer order. Returns the norm before clipping.
@discardableResult
public func clipGradients(_ g: UnsafeMutablePointer<Float>, count: Int, maxNorm: Double) -> Double {
    var sum = 0.0
    for i in 0..<count { sum += Double(g[i]) * Double(g[i]) }
    let norm = sum.squareRoot()
    let coef = maxNorm / (norm + 1e-6)
    if coef < 1 {
        let f = Float(coef)
        for i in 0..<count { g[i] *= f }
    }
    return norm
}

/// The learning rate for the step after `step` steps, in epoch `epoch` (0-based), of a run
/// with `totalSteps` steps: a pure function, so a resumed run gets the same rates.
public func learningRate(_ c: TrainConfig, step: Int, epoch: Int, totalSteps: Int) -> Double {
    var lr = c.lr
    switch c.schedule {
    case .constant: break
    case .step: lr *= Optimizer.power(c.gamma, epoch / max(c.stepSize, 1))
    case .cosine:
        let t = Double(step) / Double(max(totalSteps, 1))
        lr = c.minLR + (c.lr - c.minLR) * (1 + DMath.cos(Double.pi * t)) / 2
    }
    if step < c.warmupSteps { lr *= Double(step + 1) / Double(c.warmupSteps) }
    return lr
}
