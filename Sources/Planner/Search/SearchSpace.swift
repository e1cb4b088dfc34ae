import Determinism
import Yams

/// A sweep's parameters as a model-based search sees them: each non-constant parameter one
/// coordinate. Continuous distributions map to [0, 1] through their CDF (W&B's
/// normalisation: log-scale ones in log space, the normal ones through Φ), integers and
/// categories are indices; `value(at:)` maps back (quantised for the `q_` ones).
struct SearchSpace {
    struct Coordinate {
        let key: String
        let parameter: Sweep.Parameter
        let dimension: TPE.Dimension
    }

    let coordinates: [Coordinate]
    /// The constant parameters, applied to every suggestion.
    let constants: [Sweep.Parameter]

    /// d continuous coordinates and no parameters behind them (test functions).
    init(unitCube d: Int) {
        coordinates = (0..<d).map { i in
            Coordinate(
                key: "x\(i)",
                parameter: Sweep.Parameter(
                    key: "x\(i)", domain: .distribution(Distribution(kind: .uniform, min: 0, max: 1)),
                    origin: Origin(source: "", marks: false), node: nil),
                dimension: .continuous)
        }
        constants = []
    }

    init(_ parameters: [Sweep.Parameter]) {
        var c: [Coordinate] = []
        var k: [Sweep.Parameter] = []
        for p in parameters {
            switch p.domain {
            case .constant: k.append(p)
            case .values(let v): c.append(Coordinate(key: p.key, parameter: p, dimension: .categorical(v.count)))
            case .distribution(let d):
                switch d.kind {
                case .constant: k.append(p)
                case .intUniform: c.append(Coordinate(key: p.key, parameter: p, dimension: .integer(Int(d.max - d.min) + 1)))
                default: c.append(Coordinate(key: p.key, parameter: p, dimension: .continuous))
                }
            }
        }
        coordinates = c
        constants = k
    }

    /// A uniformly random point (each coordinate on its own, from `rng`).
    func randomPoint(_ rng: inout RandomStream) -> [Double] {
        coordinates.map { c in
            switch c.dimension {
            case .continuous: return rng.nextUniform()
            case .integer(let n), .categorical(let n): return Double(rng.nextInt(below: UInt64(n)))
            }
        }
    }

    /// A point's coordinates as W&B's GP sees them: all in [0, 1], an index k of n as its
    /// CDF (k + 1)/n.
    func unit(_ point: [Double]) -> [Double] {
        zip(coordinates, point).map { c, x in
            switch c.dimension {
            case .continuous: return x
            case .integer(let n), .categorical(let n): return (x + 1) / Double(n)
            }
        }
    }

    /// W&B's inverse: an index from a point of [0, 1] (`ceil(u·n) − 1`, clamped).
    func fromUnit(_ u: [Double]) -> [Double] {
        zip(coordinates, u).map { c, x in
            switch c.dimension {
            case .continuous: return min(max(x, 0), 1)
            case .integer(let n), .categorical(let n): return Double(min(max(Int((x * Double(n)).rounded(.up)) - 1, 0), n - 1))
            }
        }
    }

    /// The parameter's value at a coordinate (a distribution's quantile, an index's value).
    func value(_ c: Coordinate, _ x: Double) -> Node {
        switch c.parameter.domain {
        case .constant(let n): return n
        case .values(let v): return v[Int(x)]
        case .distribution(let d):
            let mark = c.parameter.node?.mark
            if d.kind == .intUniform { return .number(d.min + x, mark: mark) }
            return .number(Self.quantile(d, x), mark: mark)
        }
    }

    /// The continuous point back on its coordinate: the CDF of the (quantised) value, so a
    /// point the model learns from is where the run actually was.
    func normalised(_ c: Coordinate, _ x: Double) -> Double {
        guard case .distribution(let d) = c.parameter.domain, c.dimension == .continuous else { return x }
        return Self.cdf(d, Self.quantile(d, x))
    }

    static func quantile(_ d: Distribution, _ u: Double) -> Double {
        let u = min(max(u, 0), 1)
        func lerp(_ a: Double, _ b: Double) -> Double { a + (b - a) * u }
        let z = { Gauss.quantile(min(max(u, 1e-9), 1 - 1e-9)) }
        switch d.kind {
        case .constant, .categorical, .intUniform: return d.min
        case .uniform: return lerp(d.min, d.max)
        case .qUniform: return Distribution.quantize(lerp(d.min, d.max), d.q)
        case .logUniform: return DMath.exp(lerp(d.min, d.max))
        case .logUniformValues: return DMath.exp(lerp(DMath.log(d.min), DMath.log(d.max)))
        case .qLogUniformValues: return Distribution.quantize(DMath.exp(lerp(DMath.log(d.min), DMath.log(d.max))), d.q)
        case .invLogUniformValues:
            return 1 / DMath.exp(DMath.log(1 / d.max) + (1 - u) * (DMath.log(1 / d.min) - DMath.log(1 / d.max)))
        case .normal: return d.mu + d.sigma * z()
        case .qNormal: return Distribution.quantize(d.mu + d.sigma * z(), d.q)
        case .logNormal: return DMath.exp(d.mu + d.sigma * z())
        case .qLogNormal: return Distribution.quantize(DMath.exp(d.mu + d.sigma * z()), d.q)
        }
    }

    static func cdf(_ d: Distribution, _ x: Double) -> Double {
        func unit(_ v: Double, _ a: Double, _ b: Double) -> Double { b > a ? min(max((v - a) / (b - a), 0), 1) : 0.5 }
        switch d.kind {
        case .constant, .categorical, .intUniform: return 0
        case .uniform, .qUniform: return unit(x, d.min, d.max)
        case .logUniform: return unit(DMath.log(x), d.min, d.max)
        case .logUniformValues, .qLogUniformValues: return unit(DMath.log(max(x, 1e-300)), DMath.log(d.min), DMath.log(d.max))
        case .invLogUniformValues: return 1 - unit(DMath.log(1 / x), DMath.log(1 / d.max), DMath.log(1 / d.min))
        case .normal, .qNormal: return Gauss.cdf((x - d.mu) / d.sigma)
        case .logNormal, .qLogNormal: return x > 0 ? Gauss.cdf((DMath.log(x) - d.mu) / d.sigma) : 0
        }
    }
}
