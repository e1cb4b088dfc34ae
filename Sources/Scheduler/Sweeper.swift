import Determinism
import Engine
import Foundation
import Planner
import Tracker

/// A sweep against a store: records the plan, ingests what earlier invocations left, sorts
/// the runs into cached (already a result), owned by another live scheduler, and to run —
/// claiming each of those so no run is trained twice — and runs them.
public struct Sweeper {
    public let tracker: Tracker
    public let plan: Plan

    public struct Preparation: Sendable {
        /// Runs that were results before this invocation.
        public var cached: [String] = []
        /// Runs this invocation claimed: new ones, and failed, interrupted or abandoned ones.
        public var toRun: [String] = []
        /// Of `toRun`, those an earlier invocation had started.
        public var resumed: [String] = []
        /// Runs another live scheduler is running now.
        public var elsewhere: [String] = []
    }

    public init(tracker: Tracker, plan: Plan) {
        self.tracker = tracker
        self.plan = plan
    }

    public func prepare(source: String, rerun: Bool) throws -> Preparation {
        let definition = plan.sweep.map { s in
            JSONValue.object(["source": .string(source), "method": .string(s.method.rawValue), "run_cap": s.runCap.map { .number(Double($0)) } ?? .null])
        } ?? .object(["source": .string(source)])
        let records = try tracker.record(
            sweep: SweepRecord(hash: plan.sweepHash, source: source, definition: definition.canonical,
                               metric: plan.sweep?.metric?.name, goal: plan.sweep?.metric?.goal.rawValue),
            runs: plan.runs.map { r in
                Tracker.PlannedRun(record: RunRecord(hash: r.hash, name: r.name, config: r.spec.json.canonical,
                                                     numericsVersion: Engine.numericsVersion, datasetSHA256: r.datasetSHA256),
                                   params: r.spec.json.flattened)
            })
        // Logs an earlier invocation left (its scheduler may have been killed) go in first.
        _ = try tracker.ingest(runs: records.map(\.hash).filter { FileManager.default.fileExists(atPath: tracker.eventLogPath($0)) })
        var p = Preparation()
        for hash in records.map(\.hash) {
            guard let run = try tracker.run(hash) else { continue }
            if run.status.isResult && !rerun { p.cached.append(hash); continue }
            // Queued or running under a live lease: another scheduler owns it.
            if (run.status == .running || run.status == .queued) && Lease.isAlive(tracker.leasePath(hash)) { p.elsewhere.append(hash); continue }
            // The lease first, then the claim: a run is never claimed without a live lease. The
            // claim compares against the state this decision was made on (a re-read could see
            // another scheduler's claim and succeed on it); of two claimers exactly one wins.
            // A result (with --rerun) is claimed the same way.
            Lease.hold(tracker.leasePath(hash))
            guard try tracker.claim(run: hash, sawStatus: run.status, sawAttempts: run.attempts) else {
                p.elsewhere.append(hash)
                continue
            }
            if run.attempts > 0 && !run.status.isResult { p.resumed.append(hash) }
            p.toRun.append(hash)
        }
        return p
    }
}
