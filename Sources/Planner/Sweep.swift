import Foundation
import Vocabulary
import Yams

/// A sweep file in Weights & Biases' vocabulary, read and checked.
///
///     experiment: ../experiments/fashion-mlp.yaml
///     method: grid
///     metric: { name: val_accuracy, goal: maximize }
///     parameters:
///       train.lr: { values: [0.01, 0.001] }
///       model: { parameters: { hidden: { values: [[100], [256]] } } }
public struct Sweep {
    public enum Method: String, Sendable, CaseIterable { case grid, random, bayes }

    public struct Parameter {
        /// Dotted key path into the experiment (`train.lr`).
        public let key: String
        public let domain: Domain
        /// Where it was defined: the sweep file (with the node's line and column) or `--set …`.
        let origin: Origin
        let node: Node?
    }

    public let source: String
    /// The experiment file, as named in the sweep (resolved relative to the sweep file).
    public let experimentPath: String
    public let method: Method
    public let metric: (name: String, goal: Goal)?
    public let runCap: Int?
    public let seed: UInt64
    public let parameters: [Parameter]
    /// `early_terminate`, if any.
    public let earlyTermination: EarlyTermination?
    /// `method: bayes`'s model (`bayes: { model: gp | tpe }`, default gp), its round size
    /// (`batch`, default 1) and, for TPE, `multivariate` (default true, as Optuna 5's).
    public let bayes: (model: ModelSearch.Model, batch: Int, multivariate: Bool)?
    /// One line per W&B-only key that means nothing here.
    public let warnings: [String]
    /// `executor:`, if given (see `ExecutorBlock`).
    public let executor: ExecutorBlock?

    /// Keys W&B sweeps use that mean nothing to Cairn: accepted, with a warning.
    static let wandbOnlyKeys = ["program", "command", "project", "entity", "description", "name"]
    static let keys = ["experiment", "method", "metric", "run_cap", "seed", "parameters", "early_terminate", "bayes", "executor"]
    static let domainKeys = ["value", "values", "distribution", "min", "max", "mu", "sigma", "q", "probabilities"]

    /// Reads a sweep file. Throws `ConfigErrors` listing every problem found.
    public static func load(_ path: String) throws -> Sweep {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(source: path, path: "", message: "cannot read the file (does it exist?)")])
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws -> Sweep {
        let root = try YAMLTree.compose(text, source: source) ?? .mapping(Node.Mapping([]))
        let reader = ConfigReader(source: source)
        let top = Section(reader: reader, path: "", node: root)
        var warnings: [String] = []
        for key in wandbOnlyKeys where top.has(key) {
            let node = top.value(key)
            let at = node?.mark.map { ":\($0.line):\($0.column)" } ?? ""
            warnings.append("\(source)\(at): warning: \(key): a Weights & Biases key that Cairn ignores")
        }
        let experimentNode = top.value("experiment")
        let experiment = top.string("experiment", default: "")
        if experimentNode == nil {
            reader.fail("experiment", root, "missing: the experiment file this sweep varies (a path relative to the sweep file)")
        }
        let methodNode = top.value("method")
        let method = top.choice("method", default: Method.grid)
        var bayes: (ModelSearch.Model, Int, Bool)?
        if method == .bayes {
            let b = top.section("bayes")
            let model = b.choice("model", default: ModelSearch.Model.gp)
            let batch = b.integer("batch", default: 1, where: { $0 >= 1 }, "≥ 1 (suggestions per round)")
            let multivariate = b.bool("multivariate", default: model == .tpe)
            if b.has("multivariate") && model != .tpe {
                b.reader.fail(b.keyPath("multivariate"), b.value("multivariate"), "multivariate applies to model: tpe")
            }
            b.finish(known: ["model", "batch", "multivariate"])
            bayes = (model, batch, multivariate)
        } else if top.has("bayes") {
            reader.fail("bayes", top.value("bayes"), "bayes settings apply to method: bayes (this sweep's method is \(method.rawValue))")
        }
        _ = methodNode
        var metric: (String, Goal)?
        if top.has("metric") {
            let m = top.section("metric")
            let name = m.string("name", default: "")
            if m.value("name") == nil { reader.fail("metric.name", m.node, "missing: the metric to optimise, e.g. val_accuracy") }
            let goal = m.choice("goal", default: Goal.of(name))
            m.finish(known: ["name", "goal", "target"])
            metric = (name, goal)
        }
        let runCapNode = top.value("run_cap")
        let runCap = runCapNode == nil ? nil : top.integer("run_cap", default: 1, where: { $0 >= 1 }, "≥ 1")
        let earlyTermination = top.has("early_terminate") ? EarlyTermination.read(top.section("early_terminate")) : nil
        if earlyTermination?.mode == .brackets, let capNode = runCapNode {
            reader.fail("run_cap", capNode, "Hyperband brackets decide how many configs run; leave run_cap out")
        }
        if method == .random && runCapNode == nil && earlyTermination?.mode != .brackets {
            reader.fail("run_cap", root, "missing: a random search needs run_cap, the number of runs to sample")
        }
        if method == .bayes && runCapNode == nil {
            reader.fail("run_cap", root, "missing: a bayes search needs run_cap, its budget of runs")
        }
        if method == .bayes && earlyTermination?.mode == .brackets {
            reader.fail(
                "early_terminate.mode", top.value("early_terminate"),
                "Hyperband brackets draw their own configs; with method: bayes use W&B's rule (mode: bands)")
        }
        let seed = top.seed("seed", default: 0)
        let executor = top.has("executor") ? ExecutorBlock.read(top.section("executor")) : nil
        var parameters: [Parameter] = []
        let params = top.section("parameters")
        collect(params, prefix: "", into: &parameters, source: source)
        params.finish(known: parameters.map(\.key))
        top.finish(known: keys + wandbOnlyKeys)
        if method == .grid {
            for p in parameters where p.domain.gridCount == nil {
                guard case .distribution(let d) = p.domain else { continue }
                reader.fail(
                    "parameters.\(p.key).distribution", p.node,
                    "a grid needs a finite set of values, but \(d.kind.rawValue) is continuous (use values, or method: random)")
            }
        }
        guard reader.errors.isEmpty else { throw ConfigErrors(errors: reader.errors) }
        let base = (source as NSString).deletingLastPathComponent
        let path = experiment.hasPrefix("/") || base.isEmpty ? experiment : "\(base)/\(experiment)"
        return Sweep(
            source: source, experimentPath: path, method: method, metric: metric, runCap: runCap, seed: seed,
            parameters: parameters, earlyTermination: earlyTermination, bayes: bayes, warnings: warnings,
            executor: executor)
    }

    /// Walks `parameters:`, where a key is a dotted path (`train.lr`), or a block holding
    /// its own `parameters:` (W&B's nesting), or a domain.
    static func collect(_ section: Section, prefix: String, into out: inout [Parameter], source: String) {
        guard case .mapping(let m)? = section.node else { return }
        for pair in m {
            guard let name = pair.key.string else { continue }
            let key = prefix.isEmpty ? name : "\(prefix).\(name)"
            let entry = section.section(name)
            if case .mapping(let inner) = pair.value, inner.keys.contains(where: { $0.string == "parameters" }) {
                let nested = entry.section("parameters")
                collect(nested, prefix: key, into: &out, source: source)
                nested.finish(known: out.map { String($0.key.split(separator: ".").last ?? "") })
                entry.finish(known: ["parameters"])
                continue
            }
            if let domain = readDomain(entry) {
                out.append(Parameter(key: key, domain: domain, origin: Origin(source: source, marks: true), node: pair.value))
            }
        }
    }

    /// One parameter's domain: `value`, `values`, or `distribution` with its parameters.
    static func readDomain(_ s: Section) -> Domain? {
        let reader = s.reader
        guard case .mapping = s.node else {
            reader.fail(s.path, s.node, "expected a mapping such as { values: [...] } or { distribution: uniform, min: 0, max: 1 }")
            return nil
        }
        defer { s.finish(known: domainKeys) }
        let distributionNode = s.value("distribution")
        if let value = s.value("value"), distributionNode == nil {
            return .constant(value)
        }
        let valuesNode = s.value("values")
        var kind: Distribution.Kind
        if let dn = distributionNode {
            kind = s.choice("distribution", default: Distribution.Kind.constant)
            if case .scalar(let sc) = dn, Distribution.Kind(rawValue: sc.string) == nil { return nil }
        } else if valuesNode != nil {
            kind = .categorical
        } else if s.has("min") || s.has("max") {
            // W&B infers it from the bounds: two integers are int_uniform, otherwise uniform.
            let ints = ["min", "max"].allSatisfy { k in s.value(k)?.string.map { Int($0) != nil } ?? false }
            kind = ints ? .intUniform : .uniform
        } else {
            reader.fail(s.path, s.node, "expected value, values, or a distribution with its parameters")
            return nil
        }
        switch kind {
        case .constant:
            guard let v = s.value("value") else {
                reader.fail(s.path, s.node, "distribution constant needs value")
                return nil
            }
            return .constant(v)
        case .categorical:
            guard case .sequence(let seq)? = valuesNode, !seq.isEmpty else {
                reader.fail("\(s.path).values", valuesNode ?? s.node, "expected a non-empty list of values")
                return nil
            }
            return .values(Array(seq))
        default: break
        }
        var d = Distribution(kind: kind)
        if kind.needsBounds {
            for key in ["min", "max"] where !s.has(key) {
                reader.fail(s.path, s.node, "distribution \(kind.rawValue) needs min and max")
                return nil
            }
            d.min = s.number("min", default: 0)
            d.max = s.number("max", default: 0)
            if d.min > d.max { reader.fail("\(s.path).min", s.value("min"), "min (\(d.min)) is greater than max (\(d.max))") }
            if kind == .intUniform {
                for key in ["min", "max"] where s.value(key).map({ Section.parseNumber($0.string ?? "", $0) }) != nil {
                    let v = key == "min" ? d.min : d.max
                    if v != v.rounded() {
                        reader.fail("\(s.path).\(key)", s.value(key), "int_uniform needs whole-number bounds, found \(v)")
                    }
                }
            }
            if [.logUniformValues, .qLogUniformValues, .invLogUniformValues].contains(kind) && d.min <= 0 {
                reader.fail("\(s.path).min", s.value("min"), "\(kind.rawValue) needs min > 0 (its bounds are the values themselves)")
            }
        } else {
            for key in ["min", "max"] where s.has(key) {
                reader.fail("\(s.path).\(key)", s.value(key), "\(kind.rawValue) takes mu and sigma, not \(key)")
            }
        }
        if kind.isNormal {
            d.mu = s.number("mu", default: 0)
            d.sigma = s.number("sigma", default: 1, where: { $0 > 0 }, "> 0")
        } else {
            for key in ["mu", "sigma"] where s.has(key) {
                reader.fail("\(s.path).\(key)", s.value(key), "\(kind.rawValue) takes min and max, not \(key)")
            }
        }
        if kind.isQuantized {
            d.q = s.number("q", default: 1, where: { $0 > 0 }, "> 0")
        } else if s.has("q") {
            reader.fail("\(s.path).q", s.value("q"), "q only applies to q_ distributions (q_uniform, q_normal, …)")
        }
        if s.has("values") { reader.fail("\(s.path).values", valuesNode, "values goes with categorical, not \(kind.rawValue)") }
        if s.has("value") { reader.fail("\(s.path).value", s.value("value"), "value goes with constant, not \(kind.rawValue)") }
        return .distribution(d)
    }
}

/// Where a value came from, for error messages: a file (its nodes carry line and column)
/// or a command-line argument.
struct Origin: Sendable {
    let source: String
    let marks: Bool
}
