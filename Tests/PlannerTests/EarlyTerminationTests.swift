import Determinism
import Testing
import Vocabulary

@testable import Planner

/// W&B's Hyperband rule on the examples of its own test suite (wandb/sweeps,
/// tests/test_hyperband_stopping.py), Hyperband's bracket table against the paper, and
/// Cairn's plan-order decisions against one worker running W&B's rule.
@Suite struct EarlyTerminationTests {
    static func rule(_ yaml: String) throws -> EarlyTermination {
        let plan = try planSweep(
            """
            experiment: e.yaml
            method: grid
            early_terminate: \(yaml)
            parameters: { train.lr: { values: [0.1, 0.01] }, train.epochs: { value: 81 } }
            """)
        return try #require(plan.sweep?.earlyTermination)
    }

    @Test func bandsAreW_BsBands() throws {
        #expect(Array(try Self.rule("{ type: hyperband, min_iter: 3, eta: 3 }").bands().prefix(3)) == [3, 9, 27])
        #expect(try Self.rule("{ type: hyperband, max_iter: 81, eta: 3, s: 3 }").bands() == [3, 9, 27])
        #expect(try Self.rule("{ type: hyperband, max_iter: 18, eta: 3, s: 2 }").bands() == [2, 6])
        // Truncated after each multiplication by a fractional eta, as int(band) in Python.
        #expect(Array(try Self.rule("{ type: hyperband, min_iter: 30, eta: 1.5 }").bands().prefix(3)) == [30, 45, 67])
        #expect(try Self.rule("{ type: hyperband, max_iter: 9, eta: 3, s: 2 }").bands() == [1, 3])
    }

    static func wb(_ yaml: String) throws -> EarlyTermination { try rule(yaml) }

    /// W&B's `test_5runs_band1_stop_2`: a and e are finished (never stopped), b is stopped.
    @Test func w_bStopsTheRunsItsTestsStop() throws {
        let t = try Self.wb("{ type: hyperband, max_iter: 5, eta: 2, s: 2 }")
        #expect(t.bands() == [1, 2])
        #expect(
            t.wandbStops(
                histories: [[10, 9], [10, 10], [10, 8, 8], [10, 7, 7], [10, 6, 6]], running: [false, true, true, true, false])
                == [false, true, false, false, false])
        // test_5runs_band1_stop_2_1stnoband: b fails band 1, c passes band 1 but not band 2.
        #expect(
            t.wandbStops(histories: [[10], [11], [10, 8, 8], [10, 7, 7], [10, 6, 6]], running: [false, true, true, true, false])
                == [false, true, true, false, false])
        // test_eta_3 (not strict): bands 1 and 3, thresholds 7 and 4.
        let loose = try Self.wb("{ type: hyperband, max_iter: 9, eta: 3, s: 2, strict: false }")
        #expect(
            loose.wandbStops(
                histories: [[9, 8], [11, 11], [10, 8, 3], [10, 7, 4], [10, 6, 6]], running: [false, true, true, true, true])
                == [false, true, false, false, true])
        // test_eta_3_max: the same with the goal maximize (values negated).
        let maxHistories: [[Double]] = [[-10, -9], [-11, -11], [-10, -8, -5, -3], [-10, -6, -2], [-10, -6, -6, -6]]
        #expect(
            loose.wandbStops(histories: maxHistories.map { $0.map { -$0 } }, running: [false, true, true, true, true])
                == [false, true, false, false, true])
    }

    @Test func w_bSingleRunTwoRunsAndBrokenMetrics() throws {
        let t = try Self.wb("{ type: hyperband, max_iter: 18, eta: 3, s: 2, strict: false }")
        // test_single_run: a run alone is never stopped.
        #expect(t.wandbStops(histories: [(0..<10).map { 10 - Double($0) }], running: [true]) == [false])
        // test_2runs_band1_pass.
        #expect(t.wandbStops(histories: [[10, 10, 6], (0..<10).map { 10 - Double($0) }], running: [true, true]) == [false, false])
        // test_init_from_max_iter (strict): the flat run is stopped, the improving one not.
        let strict = try Self.wb("{ type: hyperband, max_iter: 18, eta: 3, s: 2 }")
        #expect(
            strict.wandbStops(histories: [[10, 10, 10, 10], (0..<10).map { 10 - Double($0) }], running: [true, true]) == [true, false])
        // test_hyperband_min_iter_bands_max: maximize, so the values are negated.
        let minIter = try Self.wb("{ type: hyperband, min_iter: 3, eta: 3 }")
        #expect(
            minIter.wandbStops(histories: [[-10, -10, -10, -10], (0..<10).map { -10 - Double($0) }], running: [true, true])
                == [true, false])
        // test_hyperband_runs_with_nan_metrics: NaNs are dropped, so no band is reached.
        let nan = try Self.wb("{ type: hyperband, max_iter: 300, eta: 3, s: 2 }")
        #expect(
            nan.wandbStops(
                histories: [[19.7] + [Double](repeating: .nan, count: 56), (0..<60).map { 6 - Double($0) / 30 }],
                running: [true, false]) == [false, false])
    }

    /// Table 1 of Li et al. (R = 81, η = 3), and six brackets for R = 243, where a floating-
    /// point logarithm gives five.
    @Test func bracketsAreTheHyperbandPapersTable() {
        let table = Hyperband.brackets(maxBudget: 81, eta: 3).map { $0.rungs.map { [$0.configs, $0.epochs] } }
        #expect(
            table == [
                [[81, 1], [27, 3], [9, 9], [3, 27], [1, 81]], [[34, 3], [11, 9], [3, 27], [1, 81]], [[15, 9], [5, 27], [1, 81]],
                [[8, 27], [2, 81]], [[5, 81]],
            ])
        #expect(Hyperband.brackets(maxBudget: 243, eta: 3).count == 6)
        #expect(Hyperband.brackets(maxBudget: 243, eta: 3).first?.rungs.first == Hyperband.Rung(configs: 243, epochs: 1))
        #expect(Hyperband.brackets(maxBudget: 27, eta: 3).map(\.s) == [3, 2, 1, 0])
        #expect(Hyperband.brackets(maxBudget: 1, eta: 3).map { $0.rungs.count } == [1])
    }

    /// One worker running the plan in order under W&B's rule: each run trains epoch by epoch
    /// after the runs before it have ended, and W&B's function, asked after every epoch,
    /// stops it or not. Cairn's rule decides the same from all the histories at once.
    @Test(arguments: [true, false])
    func planOrderDecisionsAreOneWorkerRunningW_BsRule(strict: Bool) throws {
        let t = try Self.wb("{ type: hyperband, min_iter: 2, eta: 3, strict: \(strict) }")
        let epochs = 20
        var stops = 0
        for trial in 0..<20 {
            var rng = RandomStream(seed: UInt64(trial), purpose: .sweep)
            let n = 4 + Int(rng.nextInt(below: 20))
            // Noisy decreasing curves (as losses), some runs shorter than the sweep's bands.
            let full: [[Double]] = (0..<n).map { _ in
                let level = rng.nextUniform()
                return (1...epochs).map { e in level / Double(e) + 0.05 * rng.nextUniform() }
            }
            var histories: [[Double]] = []
            for run in full {
                var h: [Double] = []
                for v in run {
                    h.append(v)
                    if t.wandbStops(histories: histories + [h], running: histories.map { _ in false } + [true]).last! { break }
                }
                histories.append(h)
            }
            let rule = Stopping.Rule(
                termination: t, epochs: [Int](repeating: epochs, count: n), hashes: (0..<n).map { String($0) }, brackets: [],
                metric: "val_loss", goal: .minimize)
            // Every run as far as it trained; a run that trained all its epochs has ended.
            let decisions = rule.decide(histories.map { Stopping.RunState(epochs: $0.count, values: $0, ended: $0.count == epochs) })
            for (i, d) in decisions.enumerated() {
                let stopped: Bool
                if case .stop = d { stopped = true } else { stopped = false }
                #expect(stopped == (histories[i].count < epochs), "trial \(trial), run \(i): \(d)")
                if !stopped { #expect(d == .done) }
                stops += stopped ? 1 : 0
            }
        }
        #expect(stops > 20, "the curves stop runs at several bands")
    }

    /// A run the store holds from elsewhere — here completed by a sweep without early
    /// termination — counts only as far as this sweep would have let it get: the run after
    /// it is judged as if it had been stopped at band 2.
    @Test func aRunCompletedElsewhereCountsOnlyWhereTheRuleLetsItGo() throws {
        let t = try Self.wb("{ type: hyperband, min_iter: 2, eta: 3 }")
        let rule = Stopping.Rule(
            termination: t, epochs: [9, 9, 9], hashes: ["a", "b", "c"], brackets: [], metric: "val_loss", goal: .minimize)
        func curve(_ at2: Double, _ at6: Double, epochs: Int) -> [Double] {
            (1...epochs).map { $0 < 2 ? 0.9 : $0 < 6 ? at2 : at6 }
        }
        let first = Stopping.RunState(epochs: 9, values: curve(0.3, 0.2, epochs: 9), ended: true)
        let paused = Stopping.RunState(epochs: 6, values: curve(0.2, 0.25, epochs: 6), ended: false)
        // In a fresh store the second run is stopped at band 2 (0.5 against 0.3) …
        let fresh = rule.decide([first, Stopping.RunState(epochs: 2, values: curve(0.5, 0.3, epochs: 2), ended: false), paused])
        guard case .stop = fresh[1], case .stop = fresh[2] else {
            Issue.record("\(fresh)")
            return
        }
        // … and the third is stopped at band 6, against the first run alone. Had the second run
        // counted there (0.3), the threshold would have been 0.25 and the third would go on.
        let elsewhere = rule.decide([first, Stopping.RunState(epochs: 9, values: curve(0.5, 0.3, epochs: 9), ended: true), paused])
        #expect(elsewhere[1] == .done)
        #expect(elsewhere[2] == fresh[2])
    }

    /// Successive halving in a bracket, by hand: R = 9, η = 3, one bracket of 9 configs.
    @Test func aRungKeepsTheBestThirdTiesByHash() {
        let t = EarlyTermination(mode: .brackets, minIter: nil, maxIter: nil, s: nil, eta: 3, strict: true)
        let bracket = Hyperband.brackets(maxBudget: 9, eta: 3)[0]
        #expect(bracket.rungs == [.init(configs: 9, epochs: 1), .init(configs: 3, epochs: 3), .init(configs: 1, epochs: 9)])
        let hashes = ["i", "h", "g", "f", "e", "d", "c", "b", "a"]
        let rule = Stopping.Rule(
            termination: t, epochs: [Int](repeating: 9, count: 9), hashes: hashes, brackets: [(bracket, Array(0..<9))],
            metric: "val_loss", goal: .minimize)
        // After one epoch: run 2 is best, then 5, 6 and 7 tie at 0.2 and the hashes decide: 7 ("b"), 6 ("c").
        let first: [Double] = [0.9, 0.8, 0.1, 0.7, 0.6, 0.2, 0.2, 0.2, 0.5]
        var states = first.map { Stopping.RunState(epochs: 1, values: [$0], ended: false) }
        var d = rule.decide(states)
        #expect([2, 6, 7].allSatisfy { d[$0] == .train(until: 3) })
        #expect([0, 1, 3, 4, 5, 8].allSatisfy { if case .stop = d[$0] { true } else { false } })
        // Before every member has reached the rung, those that have wait.
        states[3] = Stopping.RunState(epochs: 0, values: [], ended: false)
        d = rule.decide(states)
        #expect(d[3] == .train(until: 1) && d[2] == .wait && d[0] == .wait)
        // At rung 2: only the best of the three goes on to 9 epochs.
        states = first.map { Stopping.RunState(epochs: 1, values: [$0], ended: false) }
        for (i, v) in [(2, 0.5), (6, 0.3), (7, 0.4)] { states[i] = Stopping.RunState(epochs: 3, values: [first[i], v, v], ended: false) }
        d = rule.decide(states)
        #expect(d[6] == .train(until: 9))
        #expect([2, 7].allSatisfy { if case .stop = d[$0] { true } else { false } })
    }

    @Test func badBlocksAreRefusedWithTheirKey() {
        let base = "experiment: e.yaml\nmethod: grid\nparameters: { train.lr: { values: [0.1, 0.01] } }\n"
        let cases: [(String, String)] = [
            ("early_terminate: { type: hyperband }", "needs min_iter, or max_iter and s"),
            ("early_terminate: { type: median, min_iter: 3 }", "early_terminate.type"),
            ("early_terminate: { type: hyperband, min_iter: 0 }", "early_terminate.min_iter"),
            ("early_terminate: { type: hyperband, min_iter: 3, eta: 1 }", "early_terminate.eta"),
            ("early_terminate: { type: hyperband, mode: brackets, eta: 2.5 }", "whole-number eta"),
            ("early_terminate: { type: hyperband, mode: brackets, min_iter: 3 }", "early_terminate.min_iter"),
            ("early_terminate: { type: hyperband, min_iter: 3, band: 2 }", "early_terminate.band"),
            ("early_terminate: { type: hyperband, mode: brackets, max_iter: 5 }", "max_iter is 5"),
            ("metric: { name: val_accuracy }\nearly_terminate: { type: hyperband, min_iter: 3 }", "metric.name"),
        ]
        for (block, expected) in cases {
            let errors = planErrors(base + block)
            #expect(errors.contains { $0.contains(expected) }, "\(block): \(errors)")
        }
    }

    @Test func onlyASweepWithEarlyTerminationChangesItsHash() throws {
        let plain = "experiment: e.yaml\nmethod: grid\nparameters: { train.lr: { values: [0.1, 0.01] } }\n"
        let a = try planSweep(plain)
        let b = try planSweep(plain + "early_terminate: { type: hyperband, min_iter: 3 }")
        let c = try planSweep(plain + "early_terminate: { type: hyperband, min_iter: 3, strict: false }")
        #expect(a.stopping == nil && b.stopping != nil)
        #expect(Set([a.sweepHash, b.sweepHash, c.sweepHash]).count == 3)
        #expect(a.runs.map(\.hash) == b.runs.map(\.hash))
    }

    /// A grid's brackets draw from the grid with the sweep seed; a config in two brackets is
    /// one run, and the plan holds only runs some bracket uses.
    @Test func bracketsDrawTheirConfigsFromTheGridWithTheSeed() throws {
        func plan(_ seed: Int) throws -> Plan {
            try planSweep(
                """
                experiment: e.yaml
                method: grid
                seed: \(seed)
                early_terminate: { type: hyperband, mode: brackets, eta: 3 }
                parameters: { train.lr: { values: [0.1, 0.03, 0.01, 0.003, 0.001] }, train.batch_size: { values: [4, 8] }, train.epochs: { value: 9 } }
                """)
        }
        let a = try plan(0)
        let rule = try #require(a.stopping)
        #expect(rule.brackets.map { $0.members.count } == [9, 5, 3])
        #expect(rule.brackets.allSatisfy { Set($0.members).count == $0.members.count && $0.members.allSatisfy { $0 < a.runs.count } })
        #expect(Set(rule.brackets.flatMap(\.members)).count == a.runs.count)
        #expect(try plan(0).runs.map(\.hash) == a.runs.map(\.hash))
        #expect(try plan(1).stopping!.brackets.map(\.members) != rule.brackets.map(\.members))
    }

    /// A random search's brackets take its draws in turn: 9 + 5 + 3 distinct configs for
    /// R = 9, the plan's runs in draw order; run_cap is the brackets' to decide.
    @Test func bracketsOfARandomSearchTakeItsDrawsInTurn() throws {
        let sweep = """
            experiment: e.yaml
            method: random
            seed: 4
            early_terminate: { type: hyperband, mode: brackets, eta: 3 }
            parameters: { train.lr: { distribution: log_uniform_values, min: 0.0001, max: 0.1 }, train.epochs: { value: 9 } }
            """
        let plan = try planSweep(sweep)
        #expect(plan.runs.count == 17)
        #expect(plan.stopping?.brackets.map(\.members) == [Array(0..<9), Array(9..<14), Array(14..<17)])
        #expect(planErrors(sweep + "\nrun_cap: 5").contains { $0.contains("run_cap") })
    }
}
