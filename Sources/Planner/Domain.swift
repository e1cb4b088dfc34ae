import Determinism
import Yams

/// What a sweep parameter ranges over, in Weights & Biases' vocabulary.
///
/// A domain's values are YAML nodes until they are applied to the experiment, where the
/// schema types them (so `values: [1, 0.5]` for a float field are the floats 1.0 and 0.5).
public enum Domain {
    /// `value: x`, `distribution: constant`, or a plain `--set key=value`.
    case constant(Node)
    /// `values: [...]` (grid: every one; random: uniformly), `distribution: categorical`.
    case values([Node])
    case distribution(Distribution)

    /// How many values a grid takes from it; nil for a continuous distribution.
    public var gridCount: Int? {
        switch self {
        case .constant: return 1
        case .values(let v): return v.count
        case .distribution(let d): return d.gridValues.map(\.count)
        }
    }
}

/// A W&B distribution with its parameters (W&B's defaults: mu 0, sigma 1, q 1).
public struct Distribution: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case constant, categorical
        case intUniform = "int_uniform"
        case uniform
        case qUniform = "q_uniform"
        case logUniform = "log_uniform"
        case logUniformValues = "log_uniform_values"
        case qLogUniformValues = "q_log_uniform_values"
        case invLogUniformValues = "inv_log_uniform_values"
        case normal
        case qNormal = "q_normal"
        case logNormal = "log_normal"
        case qLogNormal = "q_log_normal"

        var needsBounds: Bool {
            [.intUniform, .uniform, .qUniform, .logUniform, .logUniformValues, .qLogUniformValues, .invLogUniformValues].contains(self)
        }
        var isNormal: Bool { [.normal, .qNormal, .logNormal, .qLogNormal].contains(self) }
        var isQuantized: Bool { [.qUniform, .qLogUniformValues, .qNormal, .qLogNormal].contains(self) }
    }

    public var kind: Kind
    public var min: Double = 0
    public var max: Double = 0
    public var mu: Double = 0
    public var sigma: Double = 1
    public var q: Double = 1

    /// The finite value set a grid may enumerate: int_uniform's integers and q_uniform's
    /// multiples of q; nil for the continuous ones.
    public var gridValues: [Double]? {
        switch kind {
        case .intUniform:
            guard max - min < 1e9 else { return nil }
            return stride(from: min, through: max, by: 1).map { $0 }
        case .qUniform:
            let lo = (min / q).rounded(.up)
            let hi = (max / q).rounded(.down)
            guard hi >= lo, hi - lo < 1e9 else { return [] }
            return stride(from: lo, through: hi, by: 1).map { $0 * q }
        default: return nil
        }
    }

    static func quantize(_ x: Double, _ q: Double) -> Double { (x / q).rounded(.toNearestOrEven) * q }

    /// One draw, from Philox through Cairn's own `exp`/`log`/`cos`: the same on any machine.
    public func sample(_ r: inout RandomStream) -> Double {
        func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * r.nextUniform() }
        switch kind {
        case .constant, .categorical: return min
        case .intUniform: return min + Double(r.nextInt(below: UInt64(max - min) + 1))
        case .uniform: return uniform(min, max)
        case .qUniform: return Self.quantize(uniform(min, max), q)
        case .logUniform: return DMath.exp(uniform(min, max))
        case .logUniformValues: return DMath.exp(uniform(DMath.log(min), DMath.log(max)))
        case .qLogUniformValues: return Self.quantize(DMath.exp(uniform(DMath.log(min), DMath.log(max))), q)
        // 1/Y with Y log-uniform on [1/max, 1/min]: X lies in [min, max].
        case .invLogUniformValues: return 1 / DMath.exp(uniform(DMath.log(1 / max), DMath.log(1 / min)))
        case .normal: return mu + sigma * r.nextNormal()
        case .qNormal: return Self.quantize(mu + sigma * r.nextNormal(), q)
        case .logNormal: return DMath.exp(mu + sigma * r.nextNormal())
        case .qLogNormal: return Self.quantize(DMath.exp(mu + sigma * r.nextNormal()), q)
        }
    }

    /// Canonical JSON of the definition (for the sweep hash): only the parameters that apply.
    var canonical: JSONValue {
        var o: [String: JSONValue] = ["distribution": .string(kind.rawValue)]
        if kind.needsBounds {
            o["min"] = .number(min)
            o["max"] = .number(max)
        }
        if kind.isNormal {
            o["mu"] = .number(mu)
            o["sigma"] = .number(sigma)
        }
        if kind.isQuantized { o["q"] = .number(q) }
        return .object(o)
    }
}

extension Node {
    /// A number as a YAML scalar, spelled the canonical way (it parses back exactly).
    static func number(_ x: Double, mark: Mark?) -> Node {
        .scalar(Node.Scalar(JSONValue.ecmaScriptString(x), .implicit, .plain, mark))
    }

    /// The node as JSON for a sweep's canonical definition, read by YAML 1.2's core schema
    /// (plain numbers are numbers, `true`/`false` booleans, `null`/`~` null; anything quoted,
    /// and `on`, `yes`, `010`-style YAML 1.1 forms, are strings).
    var json: JSONValue {
        switch self {
        case .scalar(let s):
            guard s.style == .plain || s.style == .any else { return .string(s.string) }
            switch s.string {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            case "null", "Null", "NULL", "~", "": return .null
            default:
                if let d = Section.parseNumber(s.string, self),
                    !(s.string.count > 1 && s.string.hasPrefix("0") && !s.string.hasPrefix("0."))
                {
                    return .number(d)
                }
                return .string(s.string)
            }
        case .sequence(let seq): return .array(seq.map(\.json))
        case .mapping(let m): return .object(Dictionary(m.map { ($0.key.string ?? "", $0.value.json) }, uniquingKeysWith: { $1 }))
        case .alias: return .null
        }
    }
}
