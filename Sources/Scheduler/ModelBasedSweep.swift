import Foundation
import Planner
import Tracker
import Vocabulary

/// A `method: bayes` sweep, round by round: each round's runs are planned from the results
/// of the rounds before it, claimed and recorded like any plan's, run by the scheduler to a
/// result, and read back as losses. Round r depends only on the results of rounds before it
/// in plan order, so any worker count, any order of completion, and a rerun after `kill -9`
/// (its finished rounds are cached) give the same suggestions. The suggestions and their
/// acquisition values go to `searches/<sweep hash>.jsonl` in the store after each round.
public struct ModelBasedSweep<E: Executor> {
    public struct Summary {
        public var plan: Plan
        public var claims = RunClaims()
        public var outcome: Scheduler<E>.Outcome.Sum
        public var suggestions: [ModelSearch.Suggestion] = []
    }

    let tracker: Tracker
    let executor: E
    let options: Scheduler<E>.Options
    let interrupt: Interrupt

    public init(tracker: Tracker, executor: E, options: Scheduler<E>.Options, interrupt: Interrupt) {
        self.tracker = tracker
        self.executor = executor
        self.options = options
        self.interrupt = interrupt
    }

    public func run(
        _ plan: Plan, source: String, rerun: Bool, onRound: (Int, Int) -> Void = { _, _ in },
        onEvent: (Scheduler<E>.Event) -> Void
    ) throws -> Summary {
        guard let search = plan.search else { preconditionFailure("not a model-based plan") }
        var results: [ModelSearch.Result] = []
        var summary = Summary(plan: plan, outcome: .init())
        let (metric, goal) = plan.metric
        for r in 0..<search.rounds {
            let round = try search.round(r, after: results)
            if round.isEmpty { break }
            onRound(r, round.count)
            summary.plan = plan.with(runs: results.map(\.run) + round.map(\.0))
            summary.suggestions += round.map(\.1)
            // Every run so far is recorded with the sweep; only this round's are claimed (those a
            // cluster still runs for an earlier cairn are adopted, not submitted again).
            let live = try executor.queued(runs: round.map(\.0.hash))
            let claims = try RunClaims.take(
                summary.plan, in: tracker, source: source, rerun: rerun, only: round.map(\.0.hash), live: Set(live.keys))
            summary.claims.cached += claims.cached
            summary.claims.toRun += claims.toRun
            summary.claims.resumed += claims.resumed
            summary.claims.elsewhere += claims.elsewhere
            summary.claims.adopted += claims.adopted
            try record(summary.suggestions, sweep: plan.sweepHash)
            var roundOptions = options
            roundOptions.stopping = summary.plan.stopping.map(StopGate.init)
            let outcome = try Scheduler(tracker: tracker, executor: executor, options: roundOptions, interrupt: interrupt).run(
                claims.toRun, adopting: claims.adopted.map { ($0, live[$0]!) }, following: claims.elsewhere, onEvent: onEvent)
            summary.outcome.add(outcome)
            if outcome.wasInterrupted || outcome.paused > 0 { break }
            let records = Dictionary(try tracker.runs(round.map(\.0.hash)).map { ($0.hash, $0) }, uniquingKeysWith: { a, _ in a })
            let rows = Dictionary(
                try tracker.runs(RunQuery(sweep: plan.sweepHash)).map { ($0.record.hash, $0) }, uniquingKeysWith: { a, _ in a })
            for (run, suggestion) in round {
                let status = records[run.hash]?.status
                let best = rows[run.hash]?.summaries[metric]?.best(goal)
                let usable = status == .completed || status == .stopped
                let loss = usable ? best.map { goal.maximizes ? -$0 : $0 } : nil
                results.append(ModelSearch.Result(run: run, suggestion: suggestion, loss: loss))
            }
        }
        return summary
    }

    /// The suggestions so far, one JSON line each, replacing the file whole.
    func record(_ suggestions: [ModelSearch.Suggestion], sweep: String) throws {
        let dir = "\(tracker.directory)/searches"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = suggestions.map { $0.json.canonical + "\n" }.joined()
        try text.write(toFile: "\(dir)/\(sweep).jsonl", atomically: true, encoding: .utf8)
    }
}

extension SchedulerOutcome {
    /// Outcomes of several scheduler runs (a model-based sweep's rounds), added up.
    public struct Sum: Sendable {
        public var total = SchedulerOutcome()
        public init() {}
        mutating func add(_ o: SchedulerOutcome) {
            total.completed += o.completed
            total.failed += o.failed
            total.diverged += o.diverged
            total.interrupted += o.interrupted
            total.stopped += o.stopped
            total.paused += o.paused
            total.finishedElsewhere += o.finishedElsewhere
            total.detached += o.detached
            total.wasInterrupted = total.wasInterrupted || o.wasInterrupted
        }
    }
}
