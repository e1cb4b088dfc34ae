import Codecs
import Datasets
import Determinism
import Engine
import Foundation
import Vocabulary
import Yams

/// A planned run: its spec, its hash, and the values of the swept keys.
public struct PlannedRun: Sendable {
    public let hash: String
    public let name: String
    public let spec: RunSpec
    public let datasetSHA256: String
    /// Each swept key (dotted) and this run's value there, as the schema typed it.
    public let params: [String: JSONValue]
    /// A file data set's files, as identified when planning (empty for the built-in sets).
    public let dataFiles: [DataFile]

    public init(
        hash: String, name: String, spec: RunSpec, datasetSHA256: String, params: [String: JSONValue], dataFiles: [DataFile] = []
    ) {
        self.hash = hash
        self.name = name
        self.spec = spec
        self.datasetSHA256 = datasetSHA256
        self.params = params
        self.dataFiles = dataFiles
    }
}

/// The runs of a sweep (or of one experiment), in a fixed order.
public struct Plan {
    public let sweepHash: String
    public let runs: [PlannedRun]
    /// The swept keys whose value differs between runs, sorted.
    public let varyingKeys: [String]
    /// The sweep's canonical definition (RFC 8785 JSON): exactly the bytes `sweepHash` is
    /// the SHA-256 of, stored with the sweep so the hash can be checked again.
    public let definition: String
    /// For a grid: the product of the value counts, before duplicates collapse.
    public let gridUpperBound: Int?
    public let warnings: [String]
    public let sweep: Sweep?
    /// Early termination's rule over these runs (the sweep's `early_terminate`), if any.
    public internal(set) var stopping: Stopping.Rule?
    /// `method: bayes`: the search that makes each round's runs; `runs` holds round 0.
    public internal(set) var search: ModelSearch?

    /// The same plan holding `runs` (a model-based search's rounds so far), its early
    /// termination rule over them.
    public func with(runs: [PlannedRun]) -> Plan {
        var p = Plan(
            sweepHash: sweepHash, runs: runs, varyingKeys: JSONValue.varyingKeys(runs.map(\.params)), definition: definition,
            gridUpperBound: nil, warnings: warnings, sweep: sweep, stopping: nil, search: search)
        if let rule = stopping {
            p.stopping = Stopping.Rule(
                termination: rule.termination, epochs: runs.map(\.spec.train.epochs), hashes: runs.map(\.hash), brackets: [],
                metric: rule.metric, goal: rule.goal)
        }
        return p
    }

    /// What the sweep optimises: its file's `metric`, else the default metric
    /// (`MetricName.defaultSweepMetric`) under its own goal (`Goal.of`).
    public var metric: (name: String, goal: Goal) {
        if let m = sweep?.metric { return m }
        let data = runs.first?.spec.data
        let name = MetricName.defaultSweepMetric(hasValidation: (data?.validation ?? 0) > 0, regression: data?.task == .regression)
        return (name, Goal.of(name))
    }
}

/// Expands sweeps into runs. Pure: files and overrides in, resolved specs out.
///
///     let plan = try Planner.plan(file: "sweeps/quickstart.yaml")
///     plan.runs.count           // 12
///     plan.runs[0].hash         // "3f2a…", the same wherever and whenever it is planned
public enum Planner {
    public static let defaultMaxRuns = 10_000

    public struct TooManyRuns: Error, CustomStringConvertible {
        public let description: String
    }

    /// Plans a sweep file, or an experiment file alone (a plan of one run, or a grid over
    /// sweeping overrides such as `--set train.lr=0.1,0.01`).
    public static func plan(
        file: String, overrides: [String] = [], maxRuns: Int = defaultMaxRuns,
        dataDirectory: String? = nil
    ) throws -> Plan {
        let text = try ExperimentTemplate.read(file)
        let root = try YAMLTree.compose(text, source: file)
        let isSweep =
            root?.mapping.map { m in m.keys.contains { ["experiment", "parameters", "method"].contains($0.string ?? "") } } ?? false
        var sweep: Sweep?
        let template: ExperimentTemplate
        if isSweep {
            let s = try Sweep.parse(text, source: file)
            template = try ExperimentTemplate(text: try ExperimentTemplate.read(s.experimentPath), source: s.experimentPath)
            sweep = s
        } else {
            template = try ExperimentTemplate(text: text, source: file)
        }
        var parameters = sweep?.parameters ?? []
        for o in try Overrides.parse(overrides) {
            let p = Sweep.Parameter(key: o.path, domain: try Overrides.domain(o), origin: Origin(source: o.label, marks: false), node: nil)
            parameters.removeAll { $0.key == o.path }
            parameters.append(p)
        }
        parameters.sort { $0.key < $1.key }
        let method = sweep?.method ?? .grid
        let keys = parameters.map(\.key)

        var hashes = DatasetHashes(directory: dataDirectory)
        var runs: [PlannedRun] = []
        var seen: Set<String> = []
        var errors: [ConfigError] = []
        func add(_ assignment: [Assignment]) throws -> Bool {
            do {
                let run = try Self.plannedRun(assignment, template: template, keys: keys, hashes: &hashes)
                guard seen.insert(run.hash).inserted else { return false }
                runs.append(run)
                return true
            } catch let e as ConfigErrors {
                for err in e.errors where !errors.contains(err) { errors.append(err) }
                return false
            }
        }

        var upperBound: Int?
        var search: ModelSearch?
        let termination = sweep?.earlyTermination
        let brackets = termination?.mode == .brackets ? termination : nil
        switch method {
        case .grid:
            let counts = parameters.map { $0.domain.gridCount ?? 1 }
            let product = counts.reduce(1.0) { $0 * Double($1) }
            guard product <= Double(maxRuns) else {
                throw TooManyRuns(
                    description:
                        "the grid has \(format(product)) points (an upper bound: duplicates collapse), more than the limit of \(maxRuns) runs (--max-runs)"
                )
            }
            upperBound = Int(product)
            let choices = parameters.map(gridValues)
            var index = [Int](repeating: 0, count: choices.count)
            outer: while true {
                _ = try add(
                    zip(parameters, zip(choices, index)).map { p, ci in
                        Assignment(key: p.key, value: ci.0[ci.1], origin: p.origin)
                    })
                if let cap = sweep?.runCap, runs.count >= cap { break }
                // An odometer: the last key (in sorted order) varies fastest.
                var d = choices.count - 1
                while d >= 0 {
                    index[d] += 1
                    if index[d] < choices[d].count { continue outer }
                    index[d] = 0
                    d -= 1
                }
                break
            }
        case .bayes:
            let settings = sweep!.bayes!
            search = ModelSearch(
                model: settings.model, batch: settings.batch, cap: sweep?.runCap ?? 1, multivariate: settings.multivariate,
                seed: sweep?.seed ?? 0, parameters: parameters, template: template, hashes: hashes)
            do { runs = try search!.round(0, after: []).map(\.0) } catch let e as ConfigErrors { errors += e.errors }
        case .random:
            let cap =
                try brackets.map { t in
                    // R is max_iter, else the epochs of the first draw (all draws must share them).
                    var first = RandomStream(seed: sweep?.seed ?? 0, purpose: .sweep, index: 0)
                    let draw = parameters.map { Assignment(key: $0.key, value: sample($0, &first), origin: $0.origin) }
                    let r = try t.maxIter ?? template.resolve(draw).spec.train.epochs
                    return Hyperband.brackets(maxBudget: r, eta: Int(t.eta)).reduce(0) { $0 + $1.rungs[0].configs }
                } ?? sweep?.runCap ?? 1
            guard cap <= maxRuns else {
                throw TooManyRuns(description: "run_cap is \(cap), more than the limit of \(maxRuns) runs (--max-runs)")
            }
            if parameters.allSatisfy({ if case .distribution(let d) = $0.domain { return d.gridValues != nil } else { return true } }) {
                let size = parameters.reduce(1.0) { $0 * Double($1.domain.gridCount ?? 1) }
                if Double(cap) > size {
                    throw ConfigErrors(errors: [
                        ConfigError(
                            source: file, path: "run_cap",
                            message:
                                "asks for \(cap) distinct runs, but the parameters allow at most \(format(size)); lower run_cap or widen the search"
                        )
                    ])
                }
            }
            // Draw n uses the stream keyed (seed, sweep, n); duplicates are drawn again, up to a bound.
            let bound = max(100 * cap, 1000)
            var attempt: UInt64 = 0
            while runs.count < cap && attempt < UInt64(bound) && errors.isEmpty {
                var rng = RandomStream(seed: sweep?.seed ?? 0, purpose: .sweep, index: attempt)
                _ = try add(parameters.map { Assignment(key: $0.key, value: sample($0, &rng), origin: $0.origin) })
                attempt += 1
            }
            if errors.isEmpty && runs.count < cap {
                throw ConfigErrors(errors: [
                    ConfigError(
                        source: file, path: "run_cap",
                        message:
                            "found only \(runs.count) distinct runs in \(bound) draws, fewer than run_cap \(cap): the search space is too small"
                    )
                ])
            }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        var members: [(bracket: Hyperband.Bracket, members: [Int])] = []
        if let brackets {
            (runs, members) = try Self.bracketMembers(brackets, runs: runs, seed: sweep?.seed ?? 0, method: method, file: file)
        }

        let varying = JSONValue.varyingKeys(runs.map(\.params))
        var definition: JSONValue = [
            "experiment": template.tree.json,
            "dataset_sha256": .string(runs.first?.datasetSHA256 ?? ""),
            "numerics_version": .number(Double(Planner.numericsVersion)),
            "method": .string(method.rawValue),
            "metric": sweep?.metric.map { ["name": .string($0.name), "goal": .string($0.goal.rawValue)] } ?? .null,
            "run_cap": sweep?.runCap.map { .number(Double($0)) } ?? .null,
            "seed": method != .grid || brackets != nil ? .number(Double(sweep?.seed ?? 0)) : .null,
            "parameters": .object(Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.domain.canonical) })),
        ]
        if let b = sweep?.bayes {
            guard case .object(var o) = definition else { preconditionFailure() }
            o["bayes"] = [
                "model": .string(b.model.rawValue), "batch": .number(Double(b.batch)), "multivariate": .bool(b.multivariate),
            ]
            definition = .object(o)
        }
        if let termination {
            // Only a sweep that has it says so: every other sweep keeps its hash.
            guard case .object(var o) = definition else { preconditionFailure() }
            o["early_terminate"] = termination.canonical
            definition = .object(o)
        }
        var plan = Plan(
            sweepHash: sha256Hex([definition.canonicalBytes]), runs: runs, varyingKeys: varying, definition: definition.canonical,
            gridUpperBound: upperBound, warnings: sweep?.warnings ?? [], sweep: sweep, stopping: nil, search: search)
        if let termination {
            plan.stopping = try Self.stoppingRule(termination, plan: plan, members: members, file: file)
        }
        return plan
    }

    /// Each bracket's configs: for a random search, the next n of its draws, bracket after
    /// bracket; for a grid, the first n of a permutation of the grid drawn from Philox with
    /// the sweep seed (purpose `hyperband`, index s), or the whole grid if it is smaller. A
    /// config in several brackets is one run. The plan keeps the runs some bracket holds, in
    /// their order.
    static func bracketMembers(
        _ t: EarlyTermination, runs: [PlannedRun], seed: UInt64, method: Sweep.Method, file: String
    ) throws -> ([PlannedRun], [(bracket: Hyperband.Bracket, members: [Int])]) {
        let epochs = Set(runs.map(\.spec.train.epochs))
        let r = t.maxIter ?? runs.first?.spec.train.epochs ?? 1
        guard epochs == [r] else {
            throw ConfigErrors(errors: [
                ConfigError(
                    source: file, path: "early_terminate",
                    message: epochs.count > 1
                        ? "Hyperband brackets need one budget, but train.epochs varies (\(epochs.sorted().map(String.init).joined(separator: ", ")))"
                        : "max_iter is \(r), but the runs train \(epochs.first ?? 0) epochs: brackets train each config up to train.epochs, so set one to the other"
                )
            ])
        }
        var chosen: [(Hyperband.Bracket, [Int])] = []
        var next = 0
        for bracket in Hyperband.brackets(maxBudget: r, eta: Int(t.eta)) {
            let n = bracket.rungs[0].configs
            if method == .random {
                chosen.append((bracket, Array(min(next, runs.count)..<min(next + n, runs.count))))
                next += n
            } else {
                var rng = RandomStream(seed: seed, purpose: .hyperband, index: UInt64(bracket.s))
                chosen.append((bracket, Array(rng.permutation(runs.count).prefix(n))))
            }
        }
        let used = Set(chosen.flatMap(\.1)).sorted()
        let position = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($1, $0) })
        return (used.map { runs[$0] }, chosen.map { ($0.0, $0.1.map { position[$0]! }) })
    }

    /// The rule over the plan's runs, after checking that the sweep's metric is one every
    /// epoch records.
    static func stoppingRule(
        _ t: EarlyTermination, plan: Plan, members: [(bracket: Hyperband.Bracket, members: [Int])], file: String
    ) throws -> Stopping.Rule {
        let metric = plan.metric.name
        if let data = plan.runs.first?.spec.data {
            let known = MetricName.modelMetrics(hasValidation: data.validation > 0, regression: data.task == .regression)
            guard known.contains(metric) else {
                throw ConfigErrors(errors: [
                    ConfigError(
                        source: file, path: "metric.name",
                        message:
                            "early termination judges runs by a metric every epoch records; \"\(metric)\" is not one (expected one of: \(known.joined(separator: ", ")))"
                    )
                ])
            }
        }
        return Stopping.Rule(
            termination: t, epochs: plan.runs.map(\.spec.train.epochs), hashes: plan.runs.map(\.hash), brackets: members, metric: metric,
            goal: plan.metric.goal)
    }

    /// One run from values for the swept keys: resolved, its data set identified, hashed.
    static func plannedRun(
        _ assignment: [Assignment], template: ExperimentTemplate, keys: [String], hashes: inout DatasetHashes
    ) throws -> PlannedRun {
        do {
            let (name, spec) = try template.resolve(assignment)
            let (dataset, files) = try hashes.identify(spec.data)
            let json = spec.json
            let hash = sha256Hex([RunSpec.canonicalBytes(json, datasetSHA256: dataset)])
            let params = Dictionary(uniqueKeysWithValues: keys.map { ($0, json.value(at: $0) ?? .null) })
            return PlannedRun(hash: hash, name: name, spec: spec, datasetSHA256: dataset, params: params, dataFiles: files)
        } catch let e as DatasetError {
            throw ConfigErrors(errors: [ConfigError(source: template.source, path: "data", message: e.description)])
        }
    }

    /// The count of a grid, without materialising it.
    public static func gridCount(file: String, overrides: [String] = []) throws -> Double {
        let s = try Sweep.load(file)
        var params = Dictionary(uniqueKeysWithValues: s.parameters.map { ($0.key, $0.domain) })
        for o in try Overrides.parse(overrides) { params[o.path] = try Overrides.domain(o) }
        return params.values.reduce(1.0) { $0 * Double($1.gridCount ?? 1) }
    }

    static func gridValues(_ p: Sweep.Parameter) -> [Node] {
        switch p.domain {
        case .constant(let n): return [n]
        case .values(let v): return v
        case .distribution(let d): return (d.gridValues ?? []).map { Node.number($0, mark: p.node?.mark) }
        }
    }

    static func sample(_ p: Sweep.Parameter, _ rng: inout RandomStream) -> Node {
        switch p.domain {
        case .constant(let n): return n
        case .values(let v): return v[Int(rng.nextInt(below: UInt64(v.count)))]
        case .distribution(let d): return Node.number(d.sample(&rng), mark: p.node?.mark)
        }
    }

    static func format(_ x: Double) -> String {
        x < 1e15
            ? Int(x).formatted(.number.grouping(.automatic)).replacingOccurrences(of: "\u{202F}", with: ",") : String(format: "%.3g", x)
    }
}

/// Data set hashes, computed once per data configuration of a plan.
struct DatasetHashes {
    let directory: String?
    var cache: [String: String] = [:]
    var files: [String: [DataFile]] = [:]

    /// The data set's hash and, for a file data set, its files.
    mutating func identify(_ config: DataConfig) throws -> (String, [DataFile]) {
        guard config.dataset.isFile else { return (try sha256(config), []) }
        // Read in full, not only hashed: a broken file is refused here, before any run is
        // recorded, with the line and column at fault.
        let key = config.json.canonical + self.key(config)
        if let h = cache[key], let f = files[key] { return (h, f) }
        let data = try Datasets.prepare(config)
        cache[key] = data.sha256
        files[key] = data.files
        return (data.sha256, data.files)
    }

    func key(_ config: DataConfig) -> String {
        config.dataset == .synthetic
            ? config.synthetic.canonical.canonical
            : config.dataset.rawValue + config.file.paths.sorted { $0.key < $1.key }.map { "\u{0}\($0.key)=\($0.value)" }.joined()
    }

    mutating func sha256(_ config: DataConfig) throws -> String {
        let key = self.key(config)
        if let h = cache[key] { return h }
        let h = try Datasets.sha256(of: config, directory: directory)
        cache[key] = h
        return h
    }
}

extension Domain {
    var canonical: JSONValue {
        switch self {
        case .constant(let n): return ["value": n.json]
        case .values(let v): return ["values": .array(v.map(\.json))]
        case .distribution(let d): return d.canonical
        }
    }
}

extension JSONValue {
    /// The value at a dotted key path.
    public func value(at path: String) -> JSONValue? {
        var v: JSONValue? = self
        for k in path.split(separator: ".") { v = v?[String(k)] }
        return v
    }
}
