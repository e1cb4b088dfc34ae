import Determinism
import Foundation
import Vocabulary

/// A sweep's `early_terminate` block: Weights & Biases' Hyperband stopping rule (the default
/// mode, `bands`) or true Hyperband brackets (`mode: brackets`, a Cairn extension).
///
///     early_terminate: { type: hyperband, min_iter: 3, eta: 3 }             # W&B's rule
///     early_terminate: { type: hyperband, max_iter: 27, s: 2 }              # W&B's rule
///     early_terminate: { type: hyperband, mode: brackets, eta: 3 }          # Li et al.
///
/// An iteration is one epoch: the sweep's metric at the end of each epoch, negated when the
/// goal is maximize, so lower is always better.
public struct EarlyTermination: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case bands, brackets }
    public let mode: Mode
    /// W&B's `min_iter`, or its `max_iter` and `s`.
    public let minIter: Int?
    public let maxIter: Int?
    public let s: Int?
    /// A number (W&B allows 1.5) for the rule; an integer ≥ 2 for brackets.
    public let eta: Double
    public let strict: Bool

    static let keys = ["type", "mode", "min_iter", "max_iter", "s", "eta", "strict"]

    public init(mode: Mode, minIter: Int? = nil, maxIter: Int? = nil, s: Int? = nil, eta: Double = 3, strict: Bool = true) {
        self.mode = mode
        self.minIter = minIter
        self.maxIter = maxIter
        self.s = s
        self.eta = eta
        self.strict = strict
    }

    /// The epochs at which W&B's rule decides, exactly as its `hyperband_stop_runs` builds
    /// them: `min_iter·eta^k` truncated, or `max_iter` divided by `eta` up to `s` times
    /// (stopping below 1), truncated, sorted. `upTo` bounds the first form (W&B makes 100).
    public func bands(upTo limit: Int = Int.max) -> [Int] {
        var out: [Int] = []
        if let minIter {
            var band = Double(minIter)
            for _ in 0..<100 {
                guard band <= Double(min(limit, 1 << 60)) else { break }
                out.append(Int(band))
                band *= eta
            }
        } else if let maxIter, let s {
            var band = Double(maxIter)
            for _ in 0..<max(s, 0) {
                band /= eta
                if band < 1 { break }
                out.append(Int(band))
            }
            out.sort()
        }
        return out
    }

    /// The canonical form, part of the sweep's hash.
    var canonical: JSONValue {
        var o: [String: JSONValue] = ["type": "hyperband", "mode": .string(mode.rawValue), "eta": .number(eta)]
        if mode == .bands { o["strict"] = .bool(strict) }
        if let minIter { o["min_iter"] = .number(Double(minIter)) }
        if let maxIter { o["max_iter"] = .number(Double(maxIter)) }
        if let s { o["s"] = .number(Double(s)) }
        return .object(o)
    }

    /// Reads the block; problems go to the section's reader.
    static func read(_ e: Section) -> EarlyTermination? {
        guard case .mapping = e.node else {
            e.reader.fail(e.path, e.node, "expected a mapping such as { type: hyperband, min_iter: 3 }")
            return nil
        }
        defer { e.finish(known: keys) }
        if e.value("type") == nil {
            e.reader.fail(e.path, e.node, "missing: type (hyperband)")
        } else if e.string("type", default: "") != "hyperband" {
            e.reader.fail(e.keyPath("type"), e.value("type"), "expected hyperband (the only early termination W&B and Cairn have)")
        }
        let mode = e.choice("mode", default: Mode.bands)
        let positive = { (v: Int) in v >= 1 }
        let minIter = e.has("min_iter") ? e.integer("min_iter", default: 1, where: positive, "≥ 1 (epochs)") : nil
        let maxIter = e.has("max_iter") ? e.integer("max_iter", default: 1, where: positive, "≥ 1 (epochs)") : nil
        let s = e.has("s") ? e.integer("s", default: 1, where: { $0 >= 0 }, "≥ 0") : nil
        let eta = e.number("eta", default: 3, where: { $0 > 1 }, "> 1")
        let strict = e.bool("strict", default: true)
        switch mode {
        case .bands:
            if minIter == nil && (maxIter == nil || s == nil) {
                e.reader.fail(e.path, e.node, "W&B's hyperband needs min_iter, or max_iter and s (the epochs at which runs are judged)")
            }
            if minIter != nil && maxIter != nil {
                e.reader.fail(e.keyPath("max_iter"), e.value("max_iter"), "give min_iter or max_iter, not both")
            }
            if let maxIter, let s, minIter == nil, Double(maxIter) / eta < 1 || s == 0 {
                e.reader.fail(
                    e.keyPath("max_iter"), e.value("max_iter"), "max_iter \(maxIter) and s \(s) give no band (W&B needs at least one)")
            }
        case .brackets:
            if eta != eta.rounded() || eta < 2 {
                e.reader.fail(e.keyPath("eta"), e.value("eta"), "brackets need a whole-number eta ≥ 2, found \(eta)")
            }
            for key in ["min_iter", "s", "strict"] where e.has(key) {
                e.reader.fail(e.keyPath(key), e.value(key), "\(key) is a setting of W&B's rule (mode: bands), not of brackets")
            }
        }
        return EarlyTermination(mode: mode, minIter: minIter, maxIter: maxIter, s: s, eta: eta, strict: strict)
    }
}

/// Li et al.'s Hyperband brackets (Algorithm 1) for a maximum budget R and a factor η, in
/// integer arithmetic: s_max is the largest s with η^s ≤ R (no floating-point logarithm:
/// Python's `math.log(243, 3)` is 4.999…, one bracket too few), bracket s starts
/// n = ⌈(s_max+1)·η^s / (s+1)⌉ configs at r = R / η^s epochs, and rung i keeps
/// ⌊n / η^i⌋ of them at R / η^(s−i) epochs.
///
///     Hyperband.brackets(maxBudget: 81, eta: 3)[1].rungs  // [(34, 3), (11, 9), (3, 27), (1, 81)]
public enum Hyperband {
    public struct Rung: Sendable, Equatable {
        public let configs: Int
        public let epochs: Int
    }
    public struct Bracket: Sendable, Equatable {
        public let s: Int
        public let rungs: [Rung]
    }

    public static func brackets(maxBudget r: Int, eta: Int) -> [Bracket] {
        precondition(r >= 1 && eta >= 2)
        var sMax = 0
        var power = 1
        while power <= r / eta {
            power *= eta
            sMax += 1
        }
        func pow(_ e: Int) -> Int { (0..<e).reduce(1) { p, _ in p * eta } }
        return stride(from: sMax, through: 0, by: -1).map { s in
            let n = ((sMax + 1) * pow(s) + s) / (s + 1)
            let rungs = (0...s).map { i in Rung(configs: n / pow(i), epochs: max(1, r / pow(s - i))) }
            return Bracket(s: s, rungs: rungs)
        }
    }
}

extension EarlyTermination {
    /// W&B's threshold at a band: the value at index ⌊n/η⌋ (as Python's `int(r * n)` with
    /// r = 1/η) of the sorted values of the n runs there.
    func threshold(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[Int(1.0 / eta * Double(sorted.count))]
    }

    /// W&B's `hyperband_stop_runs`, exactly, on one snapshot of a sweep: each run's history of
    /// the metric as a loss (non-finite values are dropped, as its `filter_invalid` does) and
    /// whether it is running. Thresholds come from every run's history; each running run is
    /// judged at the latest band its history has reached. Returns which runs it would stop.
    /// Cairn's own decisions (`Stopping.Rule`) are this function as one worker running the
    /// plan in order sees it.
    public func wandbStops(histories: [[Double]], running: [Bool]) -> [Bool] {
        let all = histories.map { $0.filter(\.isFinite) }.filter { !$0.isEmpty }
        let bands = self.bands()
        let thresholds = bands.map { b in
            let values = all.filter { $0.count >= b }.map { $0[b - 1] }
            return values.isEmpty ? Double.infinity : threshold(values)
        }
        return zip(histories, running).map { history, running in
            let h = history.filter(\.isFinite)
            guard running, let k = bands.lastIndex(where: { $0 <= h.count }) else { return false }
            let condition = strict ? h[bands[k] - 1] : h.min()!
            return condition > thresholds[k]
        }
    }
}

/// Where each run of an early-terminated sweep stands, and what it does next — a pure
/// function of the plan and the runs' metric histories, so every worker count and every
/// order of completion gives the same decisions.
public enum Stopping {
    /// One run, as the index knows it.
    public struct RunState: Sendable {
        /// Epochs trained and logged.
        public var epochs: Int
        /// The sweep metric at the end of epochs 1…`epochs`, as a loss (negated when the goal
        /// is maximize; a missing or non-finite value counts as +∞, the worst).
        public var values: [Double]
        /// It will train no further: completed, diverged, or failed.
        public var ended: Bool
        public init(epochs: Int, values: [Double], ended: Bool) {
            self.epochs = epochs
            self.values = values
            self.ended = ended
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Train (or go on training) to the end of this epoch, then pause for a decision.
        case train(until: Int)
        /// At a band or rung whose decision needs runs that have not got there yet.
        case wait
        /// Stopped at its current epoch, and why.
        case stop(reason: String)
        /// Nothing more to do: it ran its full budget, or it ended.
        case done
    }

    /// The rule of a plan, with its runs in plan order.
    public struct Rule: Sendable {
        public let termination: EarlyTermination
        /// Each run's full budget (`train.epochs`).
        public let epochs: [Int]
        public let hashes: [String]
        /// For brackets: each bracket's rungs and its members (indices into the plan).
        public let brackets: [(bracket: Hyperband.Bracket, members: [Int])]
        public let metric: String
        public let goal: Goal
        public init(
            termination: EarlyTermination, epochs: [Int], hashes: [String], brackets: [(bracket: Hyperband.Bracket, members: [Int])],
            metric: String, goal: Goal
        ) {
            self.goal = goal
            self.termination = termination
            self.epochs = epochs
            self.hashes = hashes
            self.brackets = brackets
            self.metric = metric
        }

        /// The bands at which W&B's rule judges some run: those below the longest budget.
        public var judgedBands: [Int] {
            let longest = epochs.max() ?? 0
            return termination.bands(upTo: longest).filter { $0 < longest }
        }

        public func decide(_ runs: [RunState]) -> [Decision] {
            termination.mode == .bands ? bands(runs) : hyperband(runs)
        }

        func value(_ r: RunState, at epoch: Int) -> Double {
            epoch >= 1 && epoch <= r.values.count && r.values[epoch - 1].isFinite ? r.values[epoch - 1] : .infinity
        }

        func show(_ loss: Double, goalSign: Double) -> String {
            loss.isFinite ? String(format: "%.4f", loss * goalSign) : "none"
        }

        /// W&B's rule, decided in plan order: run i's fate at band b is judged against the
        /// runs before it that reached b and were not stopped before it — the decision one
        /// worker running the plan in order makes — and waits until each run before it has
        /// reached b or stopped short of it. Every run's fate comes from its history alone, so
        /// a run the store holds from elsewhere (completed by a sweep without early
        /// termination, trained further by another) counts only where this sweep would have
        /// let it get to.
        func bands(_ runs: [RunState]) -> [Decision] {
            var out: [Decision] = []
            let sign = goal.maximizes ? -1.0 : 1.0
            let all = termination.bands(upTo: epochs.max() ?? 0)
            // Per run: the band index it is stopped at, and how many leading bands' fates are known.
            var stoppedAt = [Int?](repeating: nil, count: runs.count)
            var known = [Int](repeating: 0, count: runs.count)
            /// Whether run j counts at band index m: true, false, or nil while unknown.
            func counts(_ j: Int, _ m: Int) -> Bool? {
                if let s = stoppedAt[j], s < m { return false }
                if epochs[j] < all[m] { return false }  // its budget ends before the band
                guard known[j] >= m else { return nil }
                if runs[j].epochs >= all[m] { return true }
                return runs[j].ended ? false : nil
            }
            for (i, run) in runs.enumerated() {
                var decision: Decision?
                var m = 0
                while m < all.count {
                    let b = all[m]
                    if b >= epochs[i] || run.epochs < b {
                        // Not judged here (past its budget), or not there yet.
                        if run.epochs >= b || run.ended {
                            m += 1
                            continue
                        }
                        decision = b < epochs[i] ? .train(until: b) : nil
                        break
                    }
                    var values: [Double] = []
                    var ready = true
                    for j in 0..<i {
                        guard let c = counts(j, m) else {
                            ready = false
                            break
                        }
                        if c { values.append(value(runs[j], at: b)) }
                    }
                    guard ready else {
                        decision = .wait
                        break
                    }
                    values.append(value(run, at: b))
                    let threshold = termination.threshold(values)
                    let condition = termination.strict ? value(run, at: b) : (1...b).map { value(run, at: $0) }.min()!
                    if condition > threshold {
                        stoppedAt[i] = m
                        decision = .stop(
                            reason:
                                "stopped at band \(b): \(metric) \(termination.strict ? "" : "best ")\(show(condition, goalSign: sign)) "
                                + "worse than the threshold \(show(threshold, goalSign: sign)) of \(values.count) runs")
                        m = all.count
                        break
                    }
                    m += 1
                }
                known[i] = m
                if run.ended {
                    out.append(.done)  // a result stays one; its fate above only shapes the thresholds
                } else {
                    out.append(decision ?? (run.epochs < epochs[i] ? .train(until: epochs[i]) : .done))
                }
            }
            return out
        }

        /// Synchronous successive halving in each bracket: a rung is judged once all its
        /// members have reached its budget (or ended); the best ⌊n/η⌋ by value, ties by run
        /// hash, go on to the next rung. A run in several brackets trains to the furthest
        /// budget any of them gives it.
        func hyperband(_ runs: [RunState]) -> [Decision] {
            let eta = Int(termination.eta)
            let sign = goal.maximizes ? -1.0 : 1.0
            var target = [Int](repeating: 0, count: runs.count)
            var pending = [Bool](repeating: false, count: runs.count)
            var eliminated = [String?](repeating: nil, count: runs.count)
            for (bracket, members) in brackets {
                var alive = members
                for (k, rung) in bracket.rungs.enumerated() {
                    for i in alive { target[i] = max(target[i], rung.epochs) }
                    guard k + 1 < bracket.rungs.count else { break }
                    guard alive.allSatisfy({ runs[$0].epochs >= rung.epochs || runs[$0].ended }) else {
                        for i in alive where runs[i].epochs >= rung.epochs { pending[i] = true }
                        break
                    }
                    let ranked = alive.sorted {
                        let (a, b) = (value(runs[$0], at: rung.epochs), value(runs[$1], at: rung.epochs))
                        return a != b ? a < b : hashes[$0] < hashes[$1]
                    }
                    let keep = max(1, alive.count / eta)
                    let threshold = value(runs[ranked[keep - 1]], at: rung.epochs)
                    for i in ranked[keep...] where eliminated[i] == nil {
                        eliminated[i] =
                            "stopped at rung \(k + 1) of bracket s=\(bracket.s) (\(rung.epochs) epochs): \(metric) "
                            + "\(show(value(runs[i], at: rung.epochs), goalSign: sign)) behind the \(keep) kept of \(alive.count) "
                            + "(last kept \(show(threshold, goalSign: sign)))"
                    }
                    alive = Array(ranked[..<keep])
                }
            }
            return runs.enumerated().map { i, run in
                if run.ended { return .done }
                if run.epochs < target[i] { return .train(until: target[i]) }
                if pending[i] { return .wait }
                if run.epochs >= epochs[i] { return .done }
                return .stop(reason: eliminated[i] ?? "stopped at \(run.epochs) epochs")
            }
        }
    }
}
