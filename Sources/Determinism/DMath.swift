/// Cairn's own transcendental functions.
///
/// The platform's libm is free to differ in the last bit between systems and versions, and
/// one flipped bit in a softmax changes every weight that follows. These functions use only
/// IEEE-754 `+ - * /` and `squareRoot()` — all correctly rounded, so they give the same
/// bits on every machine — and Swift never contracts or reassociates them.
///
/// Accuracy (measured by `DeterminismTests` on dense sweeps against the platform libm):
/// the Float versions are within 1 ulp, the Double `exp`, `log`, `sin` and `cos` within
/// 2 ulp (`sin`/`cos` for |x| ≤ 2^20, beyond which the argument reduction loses accuracy
/// but stays deterministic). The Float versions evaluate in Double and round once.
///
///     DMath.exp(1.0)          // 2.718281828459045
///     DMath.expf(Float(-3))   // 0.049787067
public enum DMath {
    // Cody–Waite split of ln 2: `ln2Hi` has trailing zero bits so `k * ln2Hi` is exact.
    @usableFromInline static let ln2Hi = Double(bitPattern: 0x3FE6_2E42_FEE0_0000)
    @usableFromInline static let ln2Lo = 1.90821492927058770002e-10
    @usableFromInline static let invLn2 = 1.44269504088896338700e+00
    // π/2 in three pieces of 33 significant bits, for sin/cos argument reduction.
    @usableFromInline static let pio2_1 = 1.57079632673412561417e+00
    @usableFromInline static let pio2_2 = 6.07710050630396597660e-11
    @usableFromInline static let pio2_3 = 2.02226624871116645580e-21
    @usableFromInline static let invPio2 = 6.36619772367581382433e-01

    @inlinable public static func sqrt(_ x: Double) -> Double { x.squareRoot() }

    /// c₀·xⁿ + … + cₙ by Horner's rule, highest degree first: one fixed sequence of
    /// multiplications and additions.
    @usableFromInline static func horner(_ c: [Double], _ x: Double) -> Double {
        var p = c[0]
        for i in 1..<c.count { p = p * x + c[i] }
        return p
    }

    /// 1/n! for n = 13 … 2: exp(r) = 1 + r + r²·(1/2 + r/6 + …).
    static let expTaylor: [Double] = (2...13).reversed().map { 1 / factorial($0) }
    /// 1/n! for n = 12 … 2: expm1(x) = x + x²·(1/2 + x/6 + …).
    static let expm1Taylor: [Double] = (2...12).reversed().map { 1 / factorial($0) }
    /// 2/(2k+1) for k = 12 … 1: log(1+f) = 2·atanh(s) = 2s + s·z·(2/3 + 2z/5 + …), z = s².
    static let logSeries: [Double] = (1...12).reversed().map { 2 / Double(2 * $0 + 1) }
    /// (−1)ᵏ/(2k+1)! for k = 7 … 1: sin r = r + r·z·(−1/6 + z/120 − …), z = r².
    static let sinTaylor: [Double] = (1...7).reversed().map { ($0 % 2 == 0 ? 1 : -1) / factorial(2 * $0 + 1) }
    /// (−1)ᵏ/(2k)! for k = 8 … 2: cos r = 1 − z/2 + z²·(1/24 − z/720 + …), z = r².
    static let cosTaylor: [Double] = (2...8).reversed().map { ($0 % 2 == 0 ? 1 : -1) / factorial(2 * $0) }

    /// n! as a Double: exact for every n used here (16! < 2^53).
    static func factorial(_ n: Int) -> Double { (1...max(n, 1)).reduce(1.0) { $0 * Double($1) } }

    /// e^x.
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782712893384 { return .infinity }
        if x < -745.1332191019412 { return 0 }
        let (k, y) = expReduced(SIMD8(repeating: x))
        return scale(y[0], Int(k[0]))
    }

    /// e^x for eight lanes at once, each with exactly the bits of `exp`: the same operations in
    /// the same order, lane by lane (a vector `+ - *` rounds each lane as the scalar one
    /// does). Lanes outside ±708, where 2^k may not be a normal number, and NaN go through
    /// `exp` one at a time. Inlined into its caller, so that the caller's module compiles it for
    /// its own vector width: one 512-bit register in the Engine on an AVX-512 machine.
    @inlinable @inline(__always) public static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
        guard all(x .>= -708) && all(x .<= 708) else {
            var y = x
            for i in 0..<8 { y[i] = exp(x[i]) }
            return y
        }
        let (k, y) = expReduced(x)
        // k + 1.5·2^52 holds k in its low bits (|k| < 2^51: the sum is exact); shifted up by
        // 52 after adding the exponent's bias, those bits are 2^k's, as in `scale`.
        let biased = unsafeBitCast(k + (roundingShift + 1023), to: SIMD8<UInt64>.self)
        return y * unsafeBitCast(biased &<< 52, to: SIMD8<Double>.self)
    }

    /// 1.5·2^52: t + it − it is t rounded to the nearest integer, ties to even, for |t| < 2^51.
    @usableFromInline static let roundingShift = 0x1.8p52

    /// e^x = 2^k · y: x reduced by k·ln 2 to |r| ≤ ln2/2, then y = 1 + r + r²/2 + … by a
    /// fixed Horner sequence (`expTaylor`), lane by lane.
    ///
    /// k = x/ln 2 rounded to the nearest integer, ties to even, by adding and subtracting
    /// `roundingShift` — |x/ln 2| < 1100 here — which vectorises on every CPU, where a
    /// `rounded()` is a call to the C library's `rint` per lane without SSE4.1. It differs from
    /// `rounded(.toNearestOrEven)` only in giving +0 where that gives −0 (x in (−ln2/2, −0]),
    /// and x − (±0)·c is x either way, so no result differs.
    @inlinable @inline(__always) static func expReduced(_ x: SIMD8<Double>) -> (k: SIMD8<Double>, y: SIMD8<Double>) {
        let k = (x * invLn2 + roundingShift) - roundingShift
        let r = (x - k * ln2Hi) - k * ln2Lo
        let c = expTaylorTuple
        var h = SIMD8<Double>(repeating: c.0)
        for term in [c.1, c.2, c.3, c.4, c.5, c.6, c.7, c.8, c.9, c.10, c.11] { h = h * r + SIMD8(repeating: term) }
        return (k, 1.0 + (h * r * r + r))
    }

    /// `expTaylor`'s twelve coefficients as one value, which the series keeps in registers.
    @usableFromInline static let expTaylorTuple = (
        expTaylor[0], expTaylor[1], expTaylor[2], expTaylor[3], expTaylor[4], expTaylor[5], expTaylor[6], expTaylor[7],
        expTaylor[8], expTaylor[9], expTaylor[10], expTaylor[11]
    )

    /// 2^k · x, exact while the result is normal; handles results that go subnormal.
    @usableFromInline static func scale(_ x: Double, _ k: Int) -> Double {
        if k > 1023 { return scale(x * 0x1p1023, k - 1023) }
        if k < -1022 { return scale(x * 0x1p-1022, k + 1022) }
        return x * Double(bitPattern: UInt64(k + 1023) << 52)
    }

    /// Natural logarithm.
    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return x }
        var m = x
        var e = 0
        if m < 0x1p-1022 {
            m *= 0x1p54
            e -= 54
        }  // subnormal input
        let bits = m.bitPattern
        e += Int((bits >> 52) & 0x7FF) - 1023
        m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)  // [1, 2)
        if m > 1.4142135623730951 {
            m *= 0.5
            e += 1
        }  // [√½, √2)
        // log(m) = log(1+f) = 2·atanh(s), s = f/(2+f), |s| ≤ 0.1716: an odd series in s.
        let f = m - 1
        let s = f / (2 + f)
        let z = s * s
        let r = horner(logSeries, z) * z
        // fdlibm's arrangement: log(1+f) = f - (hfsq - s·(hfsq + R)) keeps the error small.
        let hfsq = 0.5 * f * f
        let dk = Double(e)
        return dk * ln2Hi - ((hfsq - (s * (hfsq + r) + dk * ln2Lo)) - f)
    }

    /// Reduces x to r in [-π/4, π/4] with x = n·π/2 + r; returns (n mod 4, r).
    @usableFromInline static func reduce(_ x: Double) -> (Int, Double) {
        let n = (x * invPio2).rounded(.toNearestOrEven)
        let r = ((x - n * pio2_1) - n * pio2_2) - n * pio2_3
        return (Int(n.truncatingRemainder(dividingBy: 4) + 4) & 3, r)
    }

    @usableFromInline static func sinKernel(_ r: Double) -> Double {
        let z = r * r
        return r + r * z * horner(sinTaylor, z)
    }

    @usableFromInline static func cosKernel(_ r: Double) -> Double {
        let z = r * r
        let p = horner(cosTaylor, z)
        let hz = 0.5 * z
        let w = 1.0 - hz
        return w + (((1.0 - w) - hz) + z * z * p)
    }

    public static func sin(_ x: Double) -> Double {
        if !x.isFinite { return .nan }
        if Swift.abs(x) < 0x1p-27 { return x }
        let (q, r) = reduce(x)
        switch q {
        case 0: return sinKernel(r)
        case 1: return cosKernel(r)
        case 2: return -sinKernel(r)
        default: return -cosKernel(r)
        }
    }

    public static func cos(_ x: Double) -> Double {
        if !x.isFinite { return .nan }
        let (q, r) = reduce(x)
        switch q {
        case 0: return cosKernel(r)
        case 1: return -sinKernel(r)
        case 2: return -cosKernel(r)
        default: return sinKernel(r)
        }
    }

    /// e^x − 1, accurate near zero.
    public static func expm1(_ x: Double) -> Double {
        if Swift.abs(x) < 0.25 {
            // Taylor series to degree 12 (remainder < 2^-60 at |x| = 1/4).
            return x + x * x * horner(expm1Taylor, x)
        }
        return exp(x) - 1
    }

    /// Hyperbolic tangent, tanh(x) = expm1(2x) / (expm1(2x) + 2).
    public static func tanh(_ x: Double) -> Double {
        if x.isNaN { return x }
        let a = Swift.abs(x)
        if a > 22 { return x > 0 ? 1 : -1 }
        let t = expm1(2 * a)
        let y = t / (t + 2)
        return x < 0 ? -y : y
    }

    // Float versions: evaluated in Double, rounded once.
    @inlinable public static func expf(_ x: Float) -> Float { Float(exp(Double(x))) }
    @inlinable public static func logf(_ x: Float) -> Float { Float(log(Double(x))) }
    @inlinable public static func sinf(_ x: Float) -> Float { Float(sin(Double(x))) }
    @inlinable public static func cosf(_ x: Float) -> Float { Float(cos(Double(x))) }
    @inlinable public static func tanhf(_ x: Float) -> Float { Float(tanh(Double(x))) }
}
