import ArgumentParser
import Determinism
import Foundation
import Planner

/// Model-based search on standard test functions: Branin (2-D, minimum 0.397887) and
/// Hartmann-6 (minimum −3.32237), `--seeds` seeds × `--trials` trials each, one suggestion
/// per round: the median best value of Cairn's GP, its TPE (univariate, Optuna's defaults)
/// and random search. Optuna's TPESampler on the same functions: Benchmarks/search-side-by-side.sh.
struct SearchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Median best value of bayes (GP), TPE and random search on Branin and Hartmann-6.")

    @Option(help: "Seeds per method and function.") var seeds = 20
    @Option(help: "Trials per seed.") var trials = 50
    @Flag(help: "End with one JSON object on its own line.") var json = false

    static func branin(_ u: [Double]) -> Double {
        let x1 = -5 + 15 * u[0]
        let x2 = 15 * u[1]
        let b = 5.1 / (4 * Double.pi * Double.pi)
        let c = 5 / Double.pi
        let t = 1 / (8 * Double.pi)
        let a = x2 - b * x1 * x1 + c * x1 - 6
        return a * a + 10 * (1 - t) * DMath.cos(x1) + 10
    }

    static func hartmann6(_x: [Double]) -> Double {
        let alpha = [1.0, 1.2, 3.0, 3.2]
        let a: [[Double]] = [
            [10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14],
        ]
        let p: [[Double]] = [
            [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
            [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
        ]
        var s = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<6 { inner += a[i][j] * (_x[j] - p[i][j]) * (_x[j] - p[i][j]) }
            s += alpha[i] * DMath.exp(-inner)
        }
        return -s
    }

    /// The best value after `trials` of one method on one function with one seed.
    func best(_ model: ModelSearch.Model?, dims: Int, seed: UInt64, _ f: ([Double]) -> Double) -> Double {
        guard let model else {
            var rng = RandomStream(seed: seed, purpose: .sweep)
            return (0..<trials).map { _ in f((0..<dims).map { _ in rng.nextUniform() }) }.min()!
        }
        let search = ModelSearch.Core(model: model, dimensions: dims, cap: trials, multivariate: model == .tpe, seed: seed)
        var results: [(point: [Double], loss: Double?)] = []
        for r in 0..<search.rounds {
            for s in search.round(r, after: results) { results.append((s.point, f(s.point))) }
        }
        return results.compactMap(\.loss).min()!
    }

    func run() throws {
        var out: [String: JSONValue] = ["seeds": .number(Double(seeds)), "trials": .number(Double(trials))]
        let functions: [(String, Int, ([Double]) -> Double)] = [("branin", 2, Self.branin), ("hartmann6", 6, { Self.hartmann6(_x: $0) })]
        for (name, dims, f) in functions {
            var row: [String: JSONValue] = [:]
            for (label, model) in [("gp", ModelSearch.Model.gp), ("tpe", .tpe), ("random", nil)] as [(String, ModelSearch.Model?)] {
                let start = ContinuousClock.now
                let values = (0..<seeds).map { best(model, dims: dims, seed: UInt64($0), f) }.sorted()
                let median =
                    values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
                let took = seconds(ContinuousClock.now - start)
                let head =
                    name.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + label.padding(toLength: 7, withPad: " ", startingAt: 0)
                print(head + String(format: " median best %.5f  (%d seeds × %d trials, %.2f s)", median, seeds, trials, took))
                row[label] = ["median_best": .number(median), "seconds": .number(took), "best": .array(values.map(JSONValue.number))]
            }
            out[name] = .object(row)
        }
        emit(out, json: json)
    }
}
