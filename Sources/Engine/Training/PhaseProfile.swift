#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a training step's time goes, when asked for (`Trainer.profile`): each phase's
/// monotonic-clock nanoseconds, summed over the steps. Off by default; when on it reads the
/// clock about a dozen times a step (~25 ns each), and never changes a result.
public final class PhaseProfile {
    public enum Phase: Int, CaseIterable, Sendable {
        /// Gathering the shuffled minibatch's labels (or targets). Its rows are not copied:
        /// the first Linear's GEMMs read them where they lie, and that time is theirs.
        case gather
        /// The forward pass's GEMMs, with the bias and a following ReLU fused in.
        case forwardGemm
        /// The backward pass's GEMMs: weight gradients and input gradients (with a ReLU's
        /// gradient fused in).
        case backwardGemm
        /// Activations, dropout and their gradients where not fused; bias gradients, the
        /// weight transposes for the input gradients, zeroing what accumulates.
        case elementwise
        /// Softmax and cross-entropy (or squared error) and the output's gradient.
        case loss
        /// Gradient clipping, weight decay and the optimizer's update.
        case optimizer
        /// Each epoch's evaluation of the validation and test sets.
        case evaluation

        public var name: String {
            switch self {
            case .gather: "gather"
            case .forwardGemm: "forward_gemm"
            case .backwardGemm: "backward_gemm"
            case .elementwise: "elementwise"
            case .loss: "loss"
            case .optimizer: "optimizer"
            case .evaluation: "evaluation"
            }
        }
    }

    public private(set) var nanoseconds = [UInt64](repeating: 0, count: Phase.allCases.count)
    /// Training steps and their wall time (everything from a step's gather to its update).
    public internal(set) var steps = 0
    public internal(set) var stepNanoseconds: UInt64 = 0

    public init() {}

    @inline(__always) static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    @inline(__always) func add(_ phase: Phase, since start: UInt64) -> UInt64 {
        let t = PhaseProfile.now()
        nanoseconds[phase.rawValue] += t - start
        return t
    }

    /// The time of a step's work that is in no phase (loop, learning rate, events, clock).
    public var otherNanoseconds: UInt64 {
        let inSteps = nanoseconds.enumerated().filter { $0.offset != Phase.evaluation.rawValue }.map(\.element).reduce(0, +)
        return stepNanoseconds > inSteps ? stepNanoseconds - inSteps : 0
    }
}

extension Optional where Wrapped == PhaseProfile {
    /// Runs `body`, adding its time to `phase` when profiling.
    @inline(__always) func measure<T>(_ phase: PhaseProfile.Phase, _ body: () -> T) -> T {
        guard let profile = self else { return body() }
        let start = PhaseProfile.now()
        let result = body()
        _ = profile.add(phase, since: start)
        return result
    }
}
