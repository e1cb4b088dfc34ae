import Determinism

/// The standard normal distribution through Cairn's own `exp` and `log`, so every value is
/// the same on every machine: the model-based searches' densities, CDFs and quantiles.
enum Gauss {
    static let invSqrt2Pi = 0.3989422804014327
    static let sqrt2 = 1.4142135623730951

    /// φ(x).
    static func pdf(_ x: Double) -> Double { invSqrt2Pi * DMath.exp(-0.5 * x * x) }

    /// log φ(x).
    static func logPDF(_ x: Double) -> Double { -0.9189385332046727 - 0.5 * x * x }

    /// erfc(x): Numerical Recipes' Chebyshev fit (fractional error below 1.2e-7 everywhere).
    static func erfc(_ x: Double) -> Double {
        let z = abs(x)
        let t = 1 / (1 + 0.5 * z)
        var p = 0.17087277
        for c in [-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368] {
            p = c + t * p
        }
        let r = t * DMath.exp(-z * z - 1.26551223 + t * p)
        return x >= 0 ? r : 2 - r
    }

    /// Φ(x).
    static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / sqrt2) }

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation and one Halley step.
    static func quantile(_ p: Double) -> Double {
        let p = min(max(p, 1e-12), 1 - 1e-12)
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
            2.506628277459239e+00,
        ]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
            2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = DMath.sqrt(-2 * DMath.log(p))
            x =
                (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p > 1 - 0.02425 {
            let q = DMath.sqrt(-2 * DMath.log(1 - p))
            x =
                -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        let e = cdf(x) - p
        let u = e / pdf(x)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// log(Σ exp(xᵢ)), left to right after the maximum.
    static func logSumExp(_ xs: [Double]) -> Double {
        guard let m = xs.max(), m.isFinite else { return xs.max() ?? -.infinity }
        var s = 0.0
        for x in xs { s += DMath.exp(x - m) }
        return m + DMath.log(s)
    }
}
