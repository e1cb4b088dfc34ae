import Determinism

/// A Gaussian process over points of [0, 1]^d, configured as Weights & Biases' bayes search
/// configures scikit-learn's: targets normalised to mean 0 and standard deviation 1, a Matérn
/// ν = 3/2 kernel of unit amplitude with one length scale, a nugget of 1e-7 on the diagonal.
/// ν = 3/2 because W&B uses it: its sample paths are once differentiable, rough enough for
/// a validation metric measured once per config, where 5/2 assumes a smoother function than
/// a few noisy runs support. W&B fits the length scale with L-BFGS from random restarts;
/// here it is the best of a fixed log grid by marginal likelihood (ties: the first), with
/// every sum, the Cholesky factorisation and each solve in one fixed order.
struct GaussianProcess {
    let points: [[Double]]
    let lengthScale: Double
    let mean: Double
    let scale: Double
    /// L of K = L Lᵀ (row-major lower triangle) and α = K⁻¹ y (normalised).
    let chol: [[Double]]
    let alpha: [Double]

    static let nugget = 1e-7
    static let lengthScales = (0...40).map { DMath.exp(DMath.log(10) * (-2 + 3 * Double($0) / 40)) }

    static func kernel(_ a: [Double], _ b: [Double], _ l: Double) -> Double {
        var d2 = 0.0
        for i in a.indices { d2 += (a[i] - b[i]) * (a[i] - b[i]) }
        let r = 1.7320508075688772 * DMath.sqrt(d2) / l
        return (1 + r) * DMath.exp(-r)
    }

    /// The lower Cholesky factor, or nil if the matrix is not positive definite.
    static func cholesky(_ k: [[Double]]) -> [[Double]]? {
        let n = k.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var s = k[i][j]
                for m in 0..<j { s -= l[i][m] * l[j][m] }
                if i == j {
                    guard s > 0 else { return nil }
                    l[i][i] = DMath.sqrt(s)
                } else {
                    l[i][j] = s / l[j][j]
                }
            }
        }
        return l
    }

    static func solveLower(_ l: [[Double]], _ b: [Double]) -> [Double] {
        var x = b
        for i in x.indices {
            for m in 0..<i { x[i] -= l[i][m] * x[m] }
            x[i] /= l[i][i]
        }
        return x
    }

    static func solveUpper(_ l: [[Double]], _ b: [Double]) -> [Double] {
        var x = b
        for i in x.indices.reversed() {
            for m in (i + 1)..<x.count { x[i] -= l[m][i] * x[m] }
            x[i] /= l[i][i]
        }
        return x
    }

    /// Fits to `y` at `points` (at least one). The nugget grows tenfold until the kernel
    /// matrix factorises (points closer than rounding make it singular).
    init(points: [[Double]], y: [Double]) {
        self.points = points
        let n = Double(y.count)
        var m = 0.0
        for v in y { m += v }
        m /= n
        var v2 = 0.0
        for v in y { v2 += (v - m) * (v - m) }
        let (mu, sd) = y.count == 1 ? (y[0], 1.0) : (m, DMath.sqrt(v2 / n) + 1e-6)
        mean = mu
        scale = sd
        let z = y.map { ($0 - mu) / sd }
        var best: (lml: Double, l: Double, chol: [[Double]], alpha: [Double])?
        for l in Self.lengthScales {
            var nugget = Self.nugget
            var factor: [[Double]]?
            while factor == nil && nugget < 1 {
                let k = points.indices.map { i in
                    points.indices.map { j in Self.kernel(points[i], points[j], l) + (i == j ? nugget : 0) }
                }
                factor = Self.cholesky(k)
                nugget *= 10
            }
            guard let c = factor else { continue }
            let a = Self.solveUpper(c, Self.solveLower(c, z))
            var lml = 0.0
            for i in z.indices { lml -= 0.5 * z[i] * a[i] + DMath.log(c[i][i]) }
            if best == nil || lml > best!.lml { best = (lml, l, c, a) }
        }
        let b = best!
        lengthScale = b.l
        chol = b.chol
        alpha = b.alpha
    }

    /// The posterior mean and standard deviation at `x`, in the targets' units.
    func predict(_ x: [Double]) -> (mean: Double, std: Double) {
        let k = points.map { Self.kernel($0, x, lengthScale) }
        var mu = 0.0
        for i in k.indices { mu += k[i] * alpha[i] }
        let v = Self.solveLower(chol, k)
        var vv = 0.0
        for e in v { vv += e * e }
        let variance = max(1 - vv, 0)
        return (mean + scale * mu, scale * DMath.sqrt(variance))
    }

    /// W&B's expected improvement below `best` (both normalised), with its epsilon.
    func expectedImprovement(_ x: [Double], best: Double) -> Double {
        let (m, s) = predict(x)
        let mu = (m - mean) / scale
        let sigma = s / scale
        let b = (best - mean) / scale
        let z = -(mu - b) / (sigma + 1e-6)
        return -(mu - b) * Gauss.cdf(z) + sigma * Gauss.pdf(z)
    }
}
