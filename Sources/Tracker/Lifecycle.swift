import Foundation
import GRDB
import Vocabulary

/// A run's lifecycle as named transitions. Ingest moves a run to `running` (its start event)
/// and to a result (its end event); the scheduler claims runs and records what the event log
/// cannot say: a retry, a requeue, an interruption, a failure with its exit status.
///
///     planned ─claim→ queued ─(start event)→ running ─(end event)→ completed | diverged
///                       ↑  └─interrupt→ interrupted          └─fail→ failed
///                       └──────────requeue / retry────────────┘
extension Tracker {
    /// One claim: `queued` with the next attempt, only if the run is still in the state the
    /// caller saw (status and attempts), so of two schedulers racing for a run exactly one wins.
    /// The claim names this process as the run's owner in the same statement.
    static let claimSQL = """
        UPDATE run SET status = 'queued', attempts = attempts + 1, exitCode = NULL, signal = NULL, error = NULL, owner = ?
        WHERE hash = ? AND status = ? AND attempts = ?
        """

    /// Claims a run for this process (see `claimSQL`); returns whether this one won.
    package func claim(run hash: String, sawStatus: RunStatus, sawAttempts: Int) throws -> Bool {
        try claim(runs: [(hash, sawStatus, sawAttempts)]) == [hash]
    }

    /// Claims several runs in one transaction; returns the hashes this process won.
    package func claim(runs: [(hash: String, sawStatus: RunStatus, sawAttempts: Int)]) throws -> [String] {
        try db.write { db in
            let st = try db.cachedStatement(sql: Tracker.claimSQL)
            let owner = ProcessIdentity.current.json.canonical
            var won: [String] = []
            for r in runs {
                try st.execute(arguments: [owner, r.hash, r.sawStatus.rawValue, r.sawAttempts])
                if db.changesCount == 1 { won.append(r.hash) }
            }
            return won
        }
    }

    /// Whether the run is held by a live process: the scheduler that claimed it, or its own
    /// process (see `Lease`).
    package func isHeld(_ run: RunRecord) -> Bool {
        Lease.isHeld(owner: ProcessIdentity(text: run.owner), lease: layout.lease(run.hash))
    }

    /// A claimed run's next attempt is starting (a retry): `running`, one more attempt.
    package func startRetry(run hash: String) throws {
        try update(run: hash) {
            $0.status = .running
            $0.attempts += 1
        }
    }

    /// A run whose process failed goes back in this scheduler's queue for another attempt.
    package func requeue(run hash: String) throws {
        try update(run: hash) { $0.status = .queued }
    }

    /// The run was stopped by Ctrl-C or SIGTERM before it had a result (`reason` is kept as
    /// its error, when given).
    package func interrupt(run hash: String, reason: String? = nil) throws {
        try update(run: hash) { r in
            r.status = .interrupted
            if let reason { r.error = reason }
        }
    }

    /// The run's process ended without a result: its exit code or signal, and why.
    package func fail(run hash: String, exitCode: Int?, signal: Int?, error: String, at time: Date = Date()) throws {
        try update(run: hash) { r in
            r.status = .failed
            r.exitCode = exitCode
            r.signal = signal
            r.error = error
            r.finishedAt = time
        }
    }

    /// Changes a run's record in one write. Internal: callers outside the store go through the
    /// named transitions above.
    func update(run hash: String, _ change: @Sendable (inout RunRecord) -> Void) throws {
        try db.write { db in
            guard var run = try RunRecord.fetch(db, hash: hash) else { throw StoreError("no run \(hash) in the store") }
            change(&run)
            try run.update(db)
        }
    }

    /// The latest epoch a run has reported and its training loss then.
    package func progress(run hash: String) throws -> (epoch: Int, trainLoss: Double?) {
        try db.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT max(point.epoch), (SELECT final FROM summary WHERE summary.runId = run.id AND summary.key = 'train_loss')
                    FROM run JOIN series ON series.runId = run.id JOIN point ON point.seriesId = series.id WHERE run.hash = ?
                    """, arguments: [hash])
            return (row?[0] ?? 0, row?[1])
        }
    }
}

extension Tracker {
    /// Early termination stopped a paused run: its last epoch state becomes its final
    /// checkpoint (a state and a checkpoint of one epoch are the same bytes) and its log ends
    /// `stopped` with the reason — in the log, which stays the authority on the run, then in
    /// the index. Only the scheduler calls it, while no process of the run is alive.
    ///
    /// Returns false, and changes nothing, when the run's latest intact state is older than
    /// the last epoch it logged (its process died between an epoch's metrics and its state, or
    /// a state was lost): that epoch must be trained again, to its state, before it can stop.
    package func stop(run hash: String, reason: String) throws -> Bool {
        let path = eventLogPath(hash)
        let states = EventLog.read(path).compactMap { e -> RunEvent.Resume? in if case .resume(let r) = e { r } else { nil } }
        let last = states.last { (try? objects.get($0.object)) != nil }
        guard (last?.epoch ?? 0) >= (try progress(run: hash).epoch), let last else { return false }
        let log = try EventLog(path: path)
        try log.appendCheckpoint(storedAs: last.object, step: last.step, epoch: last.epoch, kinds: [.final], objects: objects)
        try log.append(.end(.init(status: .stopped, time: Date().timeIntervalSince1970, error: reason)))
        try log.sync()
        _ = try ingest(run: hash)
        return true
    }
}

extension EventLog {
    /// Logs an object already in the store as a checkpoint (a best state stored with its
    /// epoch, a stopped run's last state): read back and checked against its name first, then
    /// made durable, since a checkpoint must outlive a crash.
    package func appendCheckpoint(storedAs object: String, step: Int, epoch: Int, kinds: Set<CheckpointKind>, objects: ObjectStore) throws {
        let bytes = try objects.get(object)
        try objects.makeDurable(object)
        try append(
            .checkpoint(
                .init(
                    object: object, step: step, epoch: epoch, kinds: kinds, rawSize: bytes.count, storedSize: objects.storedSize(object))))
    }
}
