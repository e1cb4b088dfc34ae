/// The model: an MLP laid out like PyTorch's `nn.Sequential(Linear, act, [Dropout], …, Linear)`.
public struct ModelConfig: Sendable, Equatable {
    public enum Activation: String, Sendable, CaseIterable { case relu, tanh, sigmoid, gelu }
    /// Weight initialisation. `torch`: PyTorch's Linear default (U(±1/√fan_in) for weight and
    /// bias); `he`: Kaiming normal N(0, 2/fan_in); `he_uniform`: U(±√(6/fan_in)); `xavier`:
    /// Glorot uniform U(±√(6/(fan_in+fan_out))). All but `torch` set biases to zero.
    public enum Initialization: String, Sendable, CaseIterable {
        case torch, he
        case heUniform = "he_uniform"
        case xavier
    }

    public var hidden: [Int]
    public var activation: Activation
    public var initialization: Initialization
    /// Dropout probability after each hidden activation (0: no Dropout modules).
    public var dropout: Double

    public init(hidden: [Int] = [256], activation: Activation = .relu, initialization: Initialization = .he, dropout: Double = 0) {
        self.hidden = hidden
        self.activation = activation
        self.initialization = initialization
        self.dropout = dropout
    }
}

/// Optimisation, exactly as PyTorch documents each update rule.
public struct TrainConfig: Sendable, Equatable {
    public enum Optimizer: String, Sendable, CaseIterable { case sgd, adam, adamw, rmsprop }
    /// `step`: lr·gamma^⌊epoch/step_size⌋; `cosine`: from lr down to min_lr over all steps.
    public enum Schedule: String, Sendable, CaseIterable { case constant, step, cosine }

    public var optimizer: Optimizer
    public var lr: Double
    public var batchSize: Int
    public var epochs: Int
    public var seed: UInt64
    public var weightDecay: Double
    // SGD and RMSProp
    public var momentum: Double
    // SGD
    public var dampening: Double
    public var nesterov: Bool
    // Adam, AdamW
    public var beta1: Double
    public var beta2: Double
    // Adam, AdamW, RMSProp
    public var eps: Double
    // RMSProp
    public var alpha: Double
    public var centered: Bool
    // Learning-rate schedule
    public var schedule: Schedule
    public var stepSize: Int
    public var gamma: Double
    public var minLR: Double
    /// Linear warm-up from lr/warmup_steps to lr over the first steps (0: none).
    public var warmupSteps: Int
    /// Clip gradients to this global L2 norm (0: no clipping).
    public var clipGradNorm: Double
    /// Report the training loss every this many steps.
    public var logEvery: Int

    public init(
        optimizer: Optimizer = .adam, lr: Double = 0.001, batchSize: Int = 64, epochs: Int = 10, seed: UInt64 = 0,
        weightDecay: Double? = nil, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false,
        beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, alpha: Double = 0.99, centered: Bool = false,
        schedule: Schedule = .constant, stepSize: Int = 1, gamma: Double = 0.1, minLR: Double = 0,
        warmupSteps: Int = 0, clipGradNorm: Double = 0, logEvery: Int = 100
    ) {
        self.optimizer = optimizer
        self.lr = lr
        self.batchSize = batchSize
        self.epochs = epochs
        self.seed = seed
        // PyTorch's defaults: AdamW decays by 0.01, the others not at all.
        self.weightDecay = weightDecay ?? (optimizer == .adamw ? 0.01 : 0)
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.alpha = alpha
        self.centered = centered
        self.schedule = schedule
        self.stepSize = stepSize
        self.gamma = gamma
        self.minLR = minLR
        self.warmupSteps = warmupSteps
        self.clipGradNorm = clipGradNorm
        self.logEvery = logEvery
    }
}

/// Which checkpoints a run keeps. The final one always; the best one by `best` (a metric
/// name; `loss` metrics are minimised, the rest maximised); every `every` epochs if > 0.
public struct CheckpointConfig: Sendable, Equatable {
    public var every: Int
    public var best: String

    public init(every: Int = 0, best: String = "val_accuracy") {
        self.every = every
        self.best = best
    }
}
