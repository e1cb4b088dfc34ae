import Determinism
import Foundation
import Testing

@testable import Planner

/// W&B's convergence checks for its bayes search (tests/test_bayes_search.py), through an
/// objective that evaluates a function of the suggested values instead of training; the
/// same for TPE; and the pieces both stand on.
@Suite struct ModelSearchTests {
    /// A search over `params` (keys of the small experiment that take any number in range).
    static func search(_ params: String, model: String = "gp", cap: Int, batch: Int = 1, seed: Int = 0, extra: String = "") throws
        -> ModelSearch
    {
        let plan = try planSweep(
            """
            experiment: e.yaml
            method: bayes
            seed: \(seed)
            run_cap: \(cap)
            metric: { name: test_loss, goal: minimize }
            bayes: { model: \(model), batch: \(batch) \(extra) }
            parameters: \(params)
            """, experiment: smallExperiment.replacingOccurrences(of: "optimizer: adam", with: "optimizer: sgd"))
        return try #require(plan.search)
    }

    /// Runs `rounds` rounds from `start` (points given as values), evaluating `f` on the
    /// suggested values; returns every loss in order.
    static func simulate(
        _ s: ModelSearch, keys: [String], start: [[Double]] = [], rounds: Int, _ f: ([Double]) -> Double
    ) throws -> [Double] {
        var results: [ModelSearch.Result] = []
        for (i, values) in start.enumerated() {
            let point = zip(s.space.coordinates, values).map { c, v -> Double in
                guard case .distribution(let d) = c.parameter.domain else { return v }
                return SearchSpace.cdf(d, v)
            }
            let run = try s.make(point)
            results.append(
                ModelSearch.Result(
                    run: run, suggestion: .init(round: -1, index: -1 - i, run: run.hash, point: point, acquisition: nil), loss: f(values)))
        }
        for r in 0..<rounds {
            for (run, suggestion) in try s.round(r, after: results) {
                let values = keys.map { run.params[$0]?.doubleValue ?? .nan }
                results.append(ModelSearch.Result(run: run, suggestion: suggestion, loss: f(values)))
            }
        }
        return results.map { $0.loss! }
    }

    static func squiggle(_ x: Double) -> Double {
        DMath.exp(-(x - 2) * (x - 2)) + DMath.exp(-(x - 6) * (x - 6) / 10) + 1 / (x * x + 1)
    }

    @Test func theGPFindsAQuadraticsMinimumWithinSixIterations() throws {
        let s = try Self.search("{ train.weight_decay: { min: 0.0, max: 1.0 } }", cap: 6)
        let losses = try Self.simulate(s, keys: ["train.weight_decay"], start: [[0], [1]], rounds: 6) { ($0[0] - 0.3) * ($0[0] - 0.3) }
        #expect(losses.count == 8)
        #expect(losses.min()! < 0.001, "\(losses)")
    }

    @Test func theGPFindsTheSquigglesMinimumAndMaximum() throws {
        let s = try Self.search("{ train.weight_decay: { min: 0.0, max: 5.0 } }", cap: 8)
        let low = try Self.simulate(s, keys: ["train.weight_decay"], start: [[0], [5]], rounds: 8) { Self.squiggle($0[0]) }
        #expect(low.min()! < 0.75, "\(low)")
        let high = try Self.simulate(s, keys: ["train.weight_decay"], start: [[0], [5]], rounds: 8) { -Self.squiggle($0[0]) }
        #expect(high.min()! < -1.3, "\(high)")
    }

    @Test func theGPGetsCloseOnRosenbrock() throws {
        let params =
            "{ train.weight_decay: { min: 0.0, max: 2.0 }, train.momentum: { min: 0.0, max: 2.0 }, train.clip_grad_norm: { min: 0.0, max: 2.0 } }"
        let s = try Self.search(params, cap: 20, extra: "")
        func rosenbrock(_ x: [Double]) -> Double {
            var s = 0.0
            for i in 0..<(x.count - 1) { s += (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]) }
            return s
        }
        // Sorted keys: clip_grad_norm, momentum, weight_decay.
        let losses = try Self.simulate(
            s, keys: ["train.clip_grad_norm", "train.momentum", "train.weight_decay"], start: [[0, 0, 0], [2, 2, 2]], rounds: 20,
            rosenbrock)
        #expect(losses.count == 22)
        #expect(losses.min()! < 0.3, "\(losses.min()!)")
    }

    @Test func tpeStartsAtRandomThenBeatsIt() throws {
        var tpeBest: [Double] = []
        var randomBest: [Double] = []
        for seed in 0..<5 {
            let f = { (x: [Double]) in (x[0] - 0.3) * (x[0] - 0.3) + (x[1] - 0.7) * (x[1] - 0.7) }
            let params = "{ train.weight_decay: { min: 0.0, max: 1.0 }, train.momentum: { min: 0.0, max: 1.0 } }"
            let keys = ["train.momentum", "train.weight_decay"]
            let tpe = try Self.simulate(try Self.search(params, model: "tpe", cap: 40, seed: seed), keys: keys, rounds: 40) {
                f([$0[1], $0[0]])
            }
            // The first 10 are Optuna's start-up trials: random draws.
            tpeBest.append(tpe.min()!)
            var rng = RandomStream(seed: UInt64(seed), purpose: .sweep)
            randomBest.append((0..<40).map { _ in f([rng.nextUniform(), rng.nextUniform()]) }.min()!)
        }
        let median = { (v: [Double]) in v.sorted()[v.count / 2] }
        #expect(median(tpeBest) < median(randomBest), "TPE \(tpeBest), random \(randomBest)")
    }

    @Test func suggestionsArePureFunctionsOfSeedAndResults() throws {
        for model in ["gp", "tpe"] {
            let params = "{ train.weight_decay: { min: 0.0, max: 1.0 }, train.batch_size: { values: [4, 8, 16] } }"
            let f = { (x: [Double]) in (x[1] - 0.3) * (x[1] - 0.3) + x[0] / 100 }
            let a = try Self.simulate(
                try Self.search(params, model: model, cap: 16, batch: 4), keys: ["train.batch_size", "train.weight_decay"], rounds: 4, f)
            let b = try Self.simulate(
                try Self.search(params, model: model, cap: 16, batch: 4), keys: ["train.batch_size", "train.weight_decay"], rounds: 4, f)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
            let c = try Self.simulate(
                try Self.search(params, model: model, cap: 16, batch: 4, seed: 1), keys: ["train.batch_size", "train.weight_decay"],
                rounds: 4, f)
            #expect(a != c)
        }
    }

    @Test func theNormalDistributionsFunctionsAreAccurate() {
        #expect(abs(Gauss.cdf(0) - 0.5) < 1e-7)  // the fit's documented accuracy
        #expect(abs(Gauss.cdf(1.96) - 0.9750021048517795) < 2e-7)
        #expect(abs(Gauss.cdf(-3) - 0.0013498980316301) < 1.2e-7 * 0.00135)
        for p in [1e-9, 0.001, 0.0243, 0.3, 0.5, 0.9, 0.999999] {
            #expect(abs(Gauss.cdf(Gauss.quantile(p)) - p) < 1e-7 * max(p, 1e-3), "\(p)")
        }
    }

    @Test func tpeUsesOptunasDefaults() {
        #expect([1, 9, 10, 11, 100, 250, 1000].map(TPE.gamma) == [1, 1, 1, 2, 10, 25, 25])
        #expect(TPE.weights(3) == [1, 1, 1])
        let w = TPE.weights(30)
        #expect(w.count == 30 && w.suffix(25).allSatisfy { $0 == 1 })
        #expect(abs(w[0] - 1.0 / 30) < 1e-15 && w[4] == 1 && w[0] < w[1])
    }

    @Test func aBayesSweepIsCheckedWithItsKeys() {
        let base = "experiment: e.yaml\nmethod: bayes\nparameters: { train.lr: { min: 0.001, max: 0.1 } }\n"
        #expect(planErrors(base).contains { $0.contains("run_cap") })
        #expect(planErrors(base + "run_cap: 4\nbayes: { model: forest }").contains { $0.contains("bayes.model") })
        #expect(planErrors(base + "run_cap: 4\nbayes: { batch: 0 }").contains { $0.contains("bayes.batch") })
        #expect(planErrors(base + "run_cap: 4\nbayes: { multivariate: true }").contains { $0.contains("multivariate") })
        #expect(planErrors(base + "run_cap: 4\nearly_terminate: { type: hyperband, mode: brackets }").contains { $0.contains("brackets") })
        #expect(
            planErrors("experiment: e.yaml\nmethod: grid\nbayes: { batch: 2 }\nparameters: { train.lr: { values: [0.1] } }").contains {
                $0.contains("bayes")
            })
    }
}
