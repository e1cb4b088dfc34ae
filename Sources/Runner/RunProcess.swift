import Codecs
import Datasets
import Determinism
import Engine
import Foundation
import Planner
import Tracker
import Vocabulary

/// What a run's own process does (`cairn exec <hash>`): read the spec from the store, check
/// it still names the same run, train, and append every event to the run's event log —
/// fsynced at each epoch end and at the end — with checkpoints written straight into the
/// object store. The scheduler only reads the log; it is the index's single writer.
///
/// If the scheduler dies, the run goes on: it finishes and leaves a complete log, which the
/// next `cairn sweep` (or `cairn ingest`) ingests without training the run again.
public enum RunProcess {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func execute(hash: String, store: Tracker, attempt: Int, dataDirectory: String?) throws -> TrainResult.Status {
        guard let record = try store.run(hash) else { throw Failure(description: "no run \(hash) in \(store.directory)") }
        let spec = try RunSpec(canonicalJSON: record.config, source: "run \(hash.prefix(12))")
        let data = try Datasets.prepare(spec.data, directory: dataDirectory)
        let recomputed = spec.hash(datasetSHA256: data.sha256)
        guard recomputed == hash else {
            throw Failure(
                description: "run \(hash.prefix(12)) no longer resolves to its hash (now \(recomputed.prefix(12))): "
                    + "the data set or Cairn's numerics changed (numerics version \(Planner.numericsVersion), stored \(record.numericsVersion))"
            )
        }
        let log = try EventLog(path: store.eventLogPath(hash))
        let lease = Lease(path: store.leasePath(hash))
        lease.start()
        defer { lease.stop() }
        try log.append(.start(.init(attempt: attempt, time: Date().timeIntervalSince1970, provenance: .current())))
        var failure: Error?
        // The best checkpoint so far is kept in memory and stored when the run ends: an
        // unfinished run is trained again, never resumed from its best, and each object
        // stored costs two fsyncs, which serialise across workers on one disk.
        var pendingBest: CheckpointEvent?
        func keep(_ c: CheckpointEvent) throws {
            let (object, stored) = try store.objects.put(c.bytes)
            try log.append(
                .checkpoint(
                    .init(
                        object: object, step: c.step, epoch: c.epoch, kinds: c.kinds,
                        rawSize: c.bytes.count, storedSize: stored)))
        }
        let result = Engine.train(model: spec.model, train: spec.train, checkpoint: spec.checkpoint, data: data, runHash: hash) { event in
            guard failure == nil else { return }
            do {
                switch event {
                case let .trainLoss(epoch, step, value):
                    try log.append(.metrics(.init(scope: .step, step: step, epoch: epoch, kind: .model, values: ["train_loss": value])))
                case let .epochEnd(model, machine):
                    try log.append(
                        .metrics(
                            .init(
                                scope: .epoch, step: model.step, epoch: model.epoch, kind: .model,
                                values: Dictionary(model.values.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))))
                    try log.append(
                        .metrics(
                            .init(
                                scope: .epoch, step: machine.step, epoch: machine.epoch, kind: .machine,
                                values: Dictionary(machine.values.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))))
                    // An fsync at every epoch end, in the background; the last epoch's is the
                    // end-of-run fsync below, which waits.
                    if model.epoch < spec.train.epochs { try log.syncInBackground() }
                case let .checkpoint(c):
                    if c.kinds == [.best] {
                        pendingBest = c
                    } else {
                        if c.kinds.contains(.best) { pendingBest = nil }
                        try keep(c)
                    }
                case let .diverged(epoch, step, loss):
                    try log.append(.metrics(.init(scope: .step, step: step, epoch: epoch, kind: .model, values: ["train_loss": loss])))
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        if let best = pendingBest { try keep(best) }
        if result.status == .diverged {
            // A diverged run keeps its last state as its final checkpoint: it is a result.
            let (object, stored) = try store.objects.put(result.finalCheckpoint)
            let step = result.final?.step ?? 0
            try log.append(
                .checkpoint(
                    .init(
                        object: object, step: step, epoch: result.final?.epoch ?? 0, kinds: [.final],
                        rawSize: result.finalCheckpoint.count, storedSize: stored)))
        }
        let status: RunStatus = result.status == .completed ? .completed : .diverged
        try log.append(
            .end(
                .init(
                    status: status, time: Date().timeIntervalSince1970,
                    error: result.status == .diverged ? "the loss became non-finite" : nil)))
        try log.sync()
        return result.status
    }
}
