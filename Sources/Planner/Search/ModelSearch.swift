import Codecs
import Determinism
import Foundation
import Vocabulary
import Yams

/// `method: bayes`: suggestions in rounds of `bayes.batch` runs. Round r is a pure function
/// of the sweep seed and the results of rounds 0…r−1 in plan order — never of the worker
/// count or of the order runs finish in. Within a round, each suggestion after the first
/// learns from fantasised results of the ones before it: the GP's own prediction there
/// (kriging believer, as W&B does for runs in flight), or the worst loss seen (TPE's constant
/// liar). Random draws come from Philox under the purpose `search`, one stream per
/// suggestion.
///
///     let plan = try Planner.plan(file: "sweeps/fashion-bayes.yaml")
///     var done: [ModelSearch.Result] = []
///     for r in 0... { let next = try plan.search!.round(r, after: done); … }
public final class ModelSearch: @unchecked Sendable {
    public enum Model: String, Sendable, CaseIterable { case gp, tpe }

    /// One suggestion: where it came from and how the model rated it.
    public struct Suggestion: Sendable, Equatable {
        public let round: Int
        public let index: Int
        public let run: String
        /// The model's coordinates of the point (see `SearchSpace`).
        public let point: [Double]
        /// Expected improvement (GP) or log l(x) − log g(x) (TPE); nil for a random draw.
        public let acquisition: Double?

        public var json: JSONValue {
            [
                "round": .number(Double(round)), "index": .number(Double(index)), "run": .string(run),
                "point": .array(point.map(JSONValue.number)), "acquisition": acquisition.map(JSONValue.number) ?? .null,
            ]
        }
    }

    /// A finished suggestion: its loss (the sweep metric's best value, negated when the goal
    /// is maximize); nil if the run failed, diverged or logged no value.
    public struct Result: Sendable {
        public let run: PlannedRun
        public let suggestion: Suggestion
        public let loss: Double?
        public init(run: PlannedRun, suggestion: Suggestion, loss: Double?) {
            self.run = run
            self.suggestion = suggestion
            self.loss = loss
        }
    }

    public var model: Model { core.model }
    public var batch: Int { core.batch }
    public var cap: Int { core.cap }
    public var multivariate: Bool { core.multivariate }
    public var seed: UInt64 { core.seed }
    var space: SearchSpace { core.space }
    let core: Core
    let template: ExperimentTemplate
    public let keys: [String]
    var hashes: DatasetHashes

    init(
        model: Model, batch: Int, cap: Int, multivariate: Bool, seed: UInt64, parameters: [Sweep.Parameter],
        template: ExperimentTemplate, hashes: DatasetHashes
    ) {
        core = Core(model: model, batch: batch, cap: cap, multivariate: multivariate, seed: seed, space: SearchSpace(parameters))
        self.template = template
        keys = parameters.map(\.key)
        self.hashes = hashes
    }

    public var rounds: Int { (cap + batch - 1) / batch }

    /// Round r's runs and their suggestions, given every earlier round's results in plan order.
    public func round(_ r: Int, after results: [Result]) throws -> [(PlannedRun, Suggestion)] {
        var seen = Set(results.map(\.run.hash))
        // The core accepts exactly one point per suggestion, in order: the runs made for them.
        var made: [PlannedRun] = []
        var failure: Error?
        let picked = core.round(r, after: results.map { ($0.suggestion.point, $0.loss) }) { point in
            do {
                let run = try make(point)
                guard seen.insert(run.hash).inserted else { return false }
                made.append(run)
                return true
            } catch {
                failure = failure ?? error
                return true
            }
        }
        if let failure { throw failure }
        return zip(made, picked).enumerated().map { j, mp in
            (mp.0, Suggestion(round: r, index: r * batch + j, run: mp.0.hash, point: mp.1.point, acquisition: mp.1.acquisition))
        }
    }

    func make(_ point: [Double]) throws -> PlannedRun {
        var assignment = space.constants.map { p -> Assignment in
            if case .constant(let n) = p.domain { return Assignment(key: p.key, value: n, origin: p.origin) }
            guard case .distribution(let d) = p.domain else { preconditionFailure() }
            return Assignment(key: p.key, value: .number(d.min, mark: p.node?.mark), origin: p.origin)
        }
        for (c, x) in zip(space.coordinates, point) {
            assignment.append(Assignment(key: c.key, value: space.value(c, x), origin: c.parameter.origin))
        }
        assignment.sort { $0.key < $1.key }
        return try Planner.plannedRun(assignment, template: template, keys: keys, hashes: &hashes)
    }
}

extension ModelSearch {
    /// The search on points alone: a space, a model, a seed and a round size. `round` is the
    /// whole algorithm; a sweep's `ModelSearch` turns its points into runs.
    public struct Core: @unchecked Sendable {  // immutable; its parameters hold YAML nodes
        public let model: Model
        public let batch: Int
        public let cap: Int
        public let multivariate: Bool
        public let seed: UInt64
        let space: SearchSpace
        /// Candidates the GP's expected improvement is maximised over (W&B: 1000).
        static let gpCandidates = 1000

        /// A search over [0, 1]^d (for test functions: `cairn-bench search`).
        public init(model: Model, dimensions: Int, batch: Int = 1, cap: Int, multivariate: Bool = false, seed: UInt64) {
            self.init(
                model: model, batch: batch, cap: cap, multivariate: multivariate, seed: seed,
                space: SearchSpace(unitCube: dimensions))
        }

        init(model: Model, batch: Int, cap: Int, multivariate: Bool, seed: UInt64, space: SearchSpace) {
            self.model = model
            self.batch = batch
            self.cap = cap
            self.multivariate = multivariate
            self.seed = seed
            self.space = space
        }

        public var rounds: Int { (cap + batch - 1) / batch }

        /// Round r's points and their acquisition values (nil: a random draw), from the points
        /// and losses of the rounds before it in plan order (nil loss: failed). `isNew` says
        /// whether a point names a config not suggested before (and claims it).
        public func round(
            _ r: Int, after results: [(point: [Double], loss: Double?)], isNew: ([Double]) -> Bool = { _ in true }
        ) -> [(point: [Double], acquisition: Double?)] {
            let count = min(batch, cap - r * batch)
            guard count > 0 else { return [] }
            // Failed and diverged runs count as the worst loss seen (W&B's "worst" imputation).
            let finite = results.compactMap(\.loss).filter(\.isFinite)
            let worst = finite.max() ?? 0
            var points = results.map(\.point)
            var losses = results.map { r in r.loss.flatMap { $0.isFinite ? $0 : nil } ?? worst }
            let real = points.count
            var out: [(point: [Double], acquisition: Double?)] = []
            var gp: GaussianProcess?
            for j in 0..<count {
                var rng = RandomStream(seed: seed, purpose: .search, index: UInt64(r * batch + j))
                var picked: ([Double], Double?)?
                if model == .gp, finite.count >= 2 {
                    if gp == nil { gp = GaussianProcess(points: points.prefix(real).map(space.unit), y: Array(losses.prefix(real))) }
                    // Kriging believer: the round's earlier suggestions at the first fit's prediction.
                    let fit = GaussianProcess(points: points.map(space.unit), y: losses)
                    let best = finite.min()!
                    let candidates = (0..<Self.gpCandidates).map { _ -> ([Double], Double) in
                        let u = (0..<space.coordinates.count).map { _ in rng.nextUniform() }
                        return (u, fit.expectedImprovement(u, best: best))
                    }
                    let scores: [Double] = candidates.map(\.1)
                    let ranked = scores.indices.sorted { (a: Int, b: Int) -> Bool in
                        scores[a] != scores[b] ? scores[a] > scores[b] : a < b
                    }
                    for i in ranked {
                        let point = normalise(space.fromUnit(candidates[i].0))
                        if isNew(point) {
                            picked = (point, candidates[i].1)
                            break
                        }
                    }
                } else if model == .tpe, real >= TPE.startupTrials {
                    let tpe = TPE(dimensions: space.coordinates.map(\.dimension), multivariate: multivariate)
                    for _ in 0..<100 {
                        guard let s = tpe.suggest(points: points, losses: losses, rng: &rng) else { break }
                        let point = normalise(s.point)
                        if isNew(point) {
                            picked = (point, s.score)
                            break
                        }
                    }
                }
                if picked == nil {
                    for _ in 0..<1000 {
                        let point = normalise(space.randomPoint(&rng))
                        if isNew(point) {
                            picked = (point, nil)
                            break
                        }
                    }
                }
                guard let (point, acquisition) = picked else { break }  // the space is exhausted
                out.append((point, acquisition))
                points.append(point)
                // The fantasy: the GP's prediction (from real results only), or the worst loss.
                if model == .gp, let gp {
                    losses.append(gp.predict(space.unit(point)).mean)
                } else {
                    losses.append(losses.prefix(real).max() ?? 0)
                }
            }
            return out
        }

        /// Continuous coordinates moved to where their (quantised) values are.
        func normalise(_ point: [Double]) -> [Double] {
            zip(space.coordinates, point).map { space.normalised($0, $1) }
        }
    }
}
