import Determinism

/// Optuna's tree-structured Parzen estimator (`TPESampler`) with its published defaults: 10
/// start-up trials, 24 expected-improvement candidates, γ(n) = min(⌈0.1 n⌉, 25) trials in the
/// good group, its weights (flat for the last 25 trials, a ramp before), a prior kernel of
/// weight 1 at the centre with the range as its width, the "magic clip" of bandwidths, and
/// endpoints left out (Optuna 5's bandwidths). Multivariate by default, as Optuna 5 is for
/// one objective (whole points sampled from one kernel and scored together); univariate
/// samples and scores each parameter on its own, as Optuna's `sample_independent`.
struct TPE {
    enum Dimension: Equatable {
        /// A point of [0, 1] (continuous parameters, through their CDF).
        case continuous
        /// 0…n−1 with step 1 (int_uniform).
        case integer(Int)
        /// One of n choices.
        case categorical(Int)
    }

    static let startupTrials = 10
    static let candidates = 24
    static let priorWeight = 1.0

    static func gamma(_ n: Int) -> Int { min((n + 9) / 10, 25) }

    static func weights(_ n: Int) -> [Double] {
        guard n >= 25 else { return [Double](repeating: 1, count: n) }
        let ramp = n - 25
        let lo = 1.0 / Double(n)
        let ramped = (0..<ramp).map { i in ramp == 1 ? lo : lo + (1 - lo) * Double(i) / Double(ramp - 1) }
        return ramped + [Double](repeating: 1, count: 25)
    }

    /// One dimension's mixture: kernels at the observations and the prior.
    struct Mixture {
        let dimension: Dimension
        let weights: [Double]
        let mus: [Double]
        let sigmas: [Double]
        /// Categorical: each kernel's probabilities of the choices.
        let probabilities: [[Double]]

        /// The grid's ends (an integer's kernels reach half a step past them).
        var low: Double { 0 }
        var high: Double {
            switch dimension {
            case .continuous: return 1
            case .integer(let n), .categorical(let n): return Double(n - 1)
            }
        }
        var step: Double {
            if case .integer = dimension { return 1 } else { return 0 }
        }

        init(dimension: Dimension, observations: [Double]) {
            self.dimension = dimension
            var w = observations.isEmpty ? [1.0] : TPE.weights(observations.count) + [TPE.priorWeight]
            var total = 0.0
            for x in w { total += x }
            w = w.map { $0 / total }
            weights = w
            switch dimension {
            case .categorical(let n):
                let kernels = observations.count + 1
                probabilities = (0..<kernels).map { k in
                    var row = [Double](repeating: TPE.priorWeight / Double(kernels), count: n)
                    if k < observations.count { row[Int(observations[k])] += 1 }
                    var s = 0.0
                    for p in row { s += p }
                    return row.map { $0 / s }
                }
                mus = []
                sigmas = []
            default:
                probabilities = []
                // Optuna 5's bandwidths: an int's range widened by half a step each side; each
                // kernel as wide as its larger gap to a neighbour among the sorted observations
                // and the ends (the outermost ones: their inner gap, endpoints left out),
                // clipped to [range / min(100, 1 + kernels), range]; the prior at the centre,
                // as wide as the range. The same in both modes.
                let step = dimension == .continuous ? 0.0 : 1.0
                let low = -step / 2
                let high = (dimension == .continuous ? 1.0 : Double(Self.count(dimension) - 1)) + step / 2
                let range = high - low
                let order = observations.indices.sorted {
                    observations[$0] != observations[$1] ? observations[$0] < observations[$1] : $0 < $1
                }
                let ends: [Double] = [low] + order.map { observations[$0] } + [high]
                var sortedSigmas: [Double] = []
                for i in 1..<(ends.count - 1) { sortedSigmas.append(max(ends[i] - ends[i - 1], ends[i + 1] - ends[i])) }
                if ends.count >= 4 {  // consider_endpoints = False
                    sortedSigmas[0] = ends[2] - ends[1]
                    sortedSigmas[sortedSigmas.count - 1] = ends[ends.count - 2] - ends[ends.count - 3]
                }
                var s = [Double](repeating: 0, count: observations.count)
                for (rank, i) in order.enumerated() { s[i] = sortedSigmas[rank] }
                let minSigma = range / min(100, 1 + Double(observations.count + 1))
                s = s.map { min(max($0, minSigma), range) }
                mus = observations + [0.5 * (low + high)]
                sigmas = s + [range]
            }
        }

        static func count(_ d: Dimension) -> Int {
            switch d {
            case .continuous: return 0
            case .integer(let n), .categorical(let n): return n
            }
        }

        static func power(_ x: Double, _ e: Double) -> Double { DMath.exp(e * DMath.log(x)) }

        /// log of kernel k's density (or mass) at x.
        func logKernel(_ k: Int, _ x: Double) -> Double {
            switch dimension {
            case .categorical:
                return DMath.log(probabilities[k][Int(x)])
            case .continuous:
                let (a, b) = ((low - mus[k]) / sigmas[k], (high - mus[k]) / sigmas[k])
                return Gauss.logPDF((x - mus[k]) / sigmas[k]) - DMath.log(sigmas[k]) - DMath.log(Gauss.cdf(b) - Gauss.cdf(a))
            case .integer:
                let lo = (low - step / 2 - mus[k]) / sigmas[k]
                let hi = (high + step / 2 - mus[k]) / sigmas[k]
                let mass = Gauss.cdf((x + step / 2 - mus[k]) / sigmas[k]) - Gauss.cdf((x - step / 2 - mus[k]) / sigmas[k])
                return DMath.log(max(mass, 1e-300)) - DMath.log(Gauss.cdf(hi) - Gauss.cdf(lo))
            }
        }

        func sample(_ k: Int, _ r: inout RandomStream) -> Double {
            switch dimension {
            case .categorical(let n):
                var u = r.nextUniform()
                for c in 0..<n {
                    u -= probabilities[k][c]
                    if u < 0 { return Double(c) }
                }
                return Double(n - 1)
            case .continuous, .integer:
                let lo = (low - step / 2 - mus[k]) / sigmas[k]
                let hi = (high + step / 2 - mus[k]) / sigmas[k]
                let (pa, pb) = (Gauss.cdf(lo), Gauss.cdf(hi))
                var x = mus[k] + sigmas[k] * Gauss.quantile(pa + (pb - pa) * r.nextUniform())
                x = min(max(x, low - step / 2), high + step / 2)
                return step > 0 ? min(max((x / step).rounded(.toNearestOrEven) * step, low), high) : min(max(x, low), high)
            }
        }

        func pickKernel(_ r: inout RandomStream) -> Int {
            var u = r.nextUniform()
            for (k, w) in weights.enumerated() {
                u -= w
                if u < 0 { return k }
            }
            return weights.count - 1
        }
    }

    let dimensions: [Dimension]
    let multivariate: Bool

    /// The next point, from observed points and their losses (lower is better; in trial
    /// order), with its score log l(x) − log g(x); nil while there are fewer than the
    /// start-up trials (the caller draws at random then).
    func suggest(points: [[Double]], losses: [Double], rng: inout RandomStream) -> (point: [Double], score: Double)? {
        let n = points.count
        guard n >= Self.startupTrials else { return nil }
        let nBelow = Self.gamma(n)
        let order = losses.indices.sorted { losses[$0] != losses[$1] ? losses[$0] < losses[$1] : $0 < $1 }
        let belowSet = Set(order.prefix(nBelow))
        let below = points.indices.filter { belowSet.contains($0) }.map { points[$0] }
        let above = points.indices.filter { !belowSet.contains($0) }.map { points[$0] }
        let d = dimensions.count
        func mixtures(_ obs: [[Double]]) -> [Mixture] {
            dimensions.indices.map { j in
                Mixture(dimension: dimensions[j], observations: obs.map { $0[j] })
            }
        }
        let l = mixtures(below)
        let g = mixtures(above)
        if multivariate {
            func logDensity(_ m: [Mixture], _ x: [Double]) -> Double {
                Gauss.logSumExp(
                    m[0].weights.indices.map { k in
                        var s = DMath.log(m[0].weights[k])
                        for j in 0..<d { s += m[j].logKernel(k, x[j]) }
                        return s
                    })
            }
            var best: (point: [Double], score: Double)?
            for _ in 0..<Self.candidates {
                let k = l[0].pickKernel(&rng)
                let x = (0..<d).map { l[$0].sample(k, &rng) }
                let score = logDensity(l, x) - logDensity(g, x)
                if best == nil || score > best!.score { best = (x, score) }
            }
            return best
        }
        // Univariate: each parameter on its own, as Optuna's sample_independent.
        var point: [Double] = []
        var total = 0.0
        for j in 0..<d {
            func logDensity(_ m: Mixture, _ x: Double) -> Double {
                Gauss.logSumExp(m.weights.indices.map { DMath.log(m.weights[$0]) + m.logKernel($0, x) })
            }
            var best: (x: Double, score: Double)?
            for _ in 0..<Self.candidates {
                let x = l[j].sample(l[j].pickKernel(&rng), &rng)
                let score = logDensity(l[j], x) - logDensity(g[j], x)
                if best == nil || score > best!.score { best = (x, score) }
            }
            point.append(best!.x)
            total += best!.score
        }
        return (point, total)
    }
}
