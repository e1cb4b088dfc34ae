import Determinism
import Foundation
import Planner
import Tracker

/// Which runs of a plan this scheduler takes: it records the plan, ingests what earlier
/// invocations left, and sorts the runs into cached (already a result), owned by another
/// live scheduler, and to run — claiming each of those so no run is trained twice.
///
///     let claims = try RunClaims.take(plan, in: tracker, source: "sweeps/quickstart.yaml", rerun: false)
///     try scheduler.run(claims.toRun) { _ in }
public struct RunClaims: Sendable {
    /// Runs that were results before this invocation.
    public var cached: [String] = []
    /// Runs this invocation claimed: new ones, and failed, interrupted or abandoned ones.
    public var toRun: [String] = []
    /// Of `toRun`, those an earlier invocation had started.
    public var resumed: [String] = []
    /// Runs another live scheduler is running now.
    public var elsewhere: [String] = []
    /// Runs a cluster still runs for a scheduler that is gone: this one follows them as its
    /// own, without submitting them again.
    public var adopted: [String] = []

    /// `only`: of the plan's runs (all recorded with the sweep), the ones to sort and claim
    /// (a model-based sweep's latest round). `live`: runs a cluster has queued or running for
    /// an earlier submission (`SlurmExecutor.live`).
    public static func take(
        _ plan: Plan, in tracker: Tracker, source: String, rerun: Bool, only: [String]? = nil, live: Set<String> = []
    ) throws -> RunClaims {
        try recordData(plan.runs, in: tracker)
        let records = try tracker.record(
            sweep: SweepRecord(
                hash: plan.sweepHash, source: source, definition: plan.definition,
                metric: plan.metric.name, goal: plan.metric.goal.rawValue),
            runs: plan.runs)
        // Logs an earlier invocation left (its scheduler may have been killed) go in first.
        _ = try tracker.ingest(runs: records.map(\.hash).filter { FileManager.default.fileExists(atPath: tracker.eventLogPath($0)) })
        var p = RunClaims()
        var candidates: [(hash: String, sawStatus: RunStatus, sawAttempts: Int)] = []
        var orphans: [(hash: String, sawStatus: RunStatus, sawAttempts: Int, sawOwner: String?)] = []
        // A stopped run is a result while this plan would stop it there too; otherwise it is
        // resumed (a sweep without early termination needs all its epochs).
        // (Decided with failed runs as not ended: this invocation runs them again.)
        var stays: Set<String> = []
        if let rule = plan.stopping {
            for (hash, d) in try StopGate(rule: rule).decisions(tracker, failedEnded: false) { if case .stop = d { stays.insert(hash) } }
        }
        let only = only.map(Set.init)
        for run in try tracker.runs(records.map(\.hash)) {
            if let only, !only.contains(run.hash) { continue }
            if run.status.isResult && !rerun && (run.status != .stopped || stays.contains(run.hash)) {
                p.cached.append(run.hash)
                continue
            }
            // On a cluster for an earlier submission: its owner's while that is alive, else
            // this one's to follow (adopted, not submitted again). For an owner on another
            // host the lease's age decides; until it lapses the run is followed, and it is
            // adopted then (`Scheduler.takeOver`).
            if live.contains(run.hash) && !run.status.isResult {
                switch tracker.ownerIsAlive(run) {
                case true?: p.elsewhere.append(run.hash)
                case false?: orphans.append((run.hash, run.status, run.attempts, run.owner))
                case nil:
                    if tracker.isHeld(run) {
                        p.elsewhere.append(run.hash)  // followed; adopted once its lease lapses (`Scheduler.takeOver`)
                    } else {
                        orphans.append((run.hash, run.status, run.attempts, run.owner))
                    }
                }
                continue
            }
            // Queued, running or paused and held by a live process: another scheduler owns it.
            if [.running, .queued, .paused].contains(run.status) && tracker.isHeld(run) {
                p.elsewhere.append(run.hash)
                continue
            }
            candidates.append((run.hash, run.status, run.attempts))
        }
        // Each claim compares against the state this decision was made on (a re-read could see
        // another scheduler's claim and succeed on it) and names this process its owner in the
        // same statement; of two claimers exactly one wins. A result (with --rerun) is claimed
        // the same way. One transaction for all of them.
        let adopted = Set(try tracker.adopt(runs: orphans))
        for o in orphans {
            if adopted.contains(o.hash) { p.adopted.append(o.hash) } else { p.elsewhere.append(o.hash) }
        }
        let won = Set(try tracker.claim(runs: candidates))
        for c in candidates {
            guard won.contains(c.hash) else {
                p.elsewhere.append(c.hash)
                continue
            }
            if c.sawAttempts > 0 && (!c.sawStatus.isResult || c.sawStatus == .stopped) { p.resumed.append(c.hash) }
            p.toRun.append(c.hash)
        }
        return p
    }
}

/// A planned run is recorded with its canonical spec and every key of it as a param.
extension PlannedRun: RecordableRun {
    public var canonicalSpec: String { spec.json.canonical }
    public var numericsVersion: Int { Planner.numericsVersion }
    public var recordedParams: [String: JSONValue] { spec.json.flattened }
}

extension RunClaims {
    /// Each file data set of the plan: its manifest, and the files' bytes as objects unless
    /// the experiment says `store_copy: false` — before any run starts, so a run can always
    /// find its data again.
    static func recordData(_ runs: [PlannedRun], in tracker: Tracker) throws {
        var done: Set<String> = []
        for run in runs where !run.dataFiles.isEmpty && done.insert(run.datasetSHA256).inserted {
            let files = run.dataFiles.map {
                DataManifest.File(role: $0.role, sha256: $0.sha256, bytes: $0.bytes, path: $0.path, stored: false)
            }
            try tracker.recordData(DataManifest(dataset: run.datasetSHA256, files: files), copy: run.spec.data.file.storeCopy)
        }
    }
}
