import Codecs
import Datasets
import Determinism
import Engine
import Foundation
import Planner
import Tracker
import Vocabulary

/// What a run's own process does (`cairn exec <hash>`): read the run's spec file and check it
/// names this run, load the data, resume from the run's last good epoch state if an earlier
/// attempt left one, train, and append every event to the run's event log — fsynced at the
/// end, in the background at each epoch end — with checkpoints and epoch states written
/// straight into the object store. It never opens the index: it needs only the spec file,
/// the event log and the object store, so it runs on any host that sees those files. The
/// scheduler ingests the log; it is the index's single writer.
///
/// If the scheduler dies, the run goes on: it finishes and leaves a complete log, which the
/// next `cairn sweep` (or `cairn ingest`) ingests without training the run again. If the run's
/// process dies, its next attempt resumes from its last complete epoch and ends byte-identical
/// to a run that never stopped.
public enum RunProcess {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `pauseAfter`: early termination's next band or rung — train to the end of that epoch,
    /// log its state and end the attempt `paused` (the scheduler decides what comes next).
    package static func execute(
        hash: String, store: StoreLayout, attempt: Int, dataDirectory: String?, pauseAfter: Int? = nil, threads: Int = 1
    ) throws -> TrainResult.Status {
        var (spec, identity) = try readSpec(hash, store: store)
        let data = try loadData(&spec, dataset: identity.dataset, store: store, directory: dataDirectory)
        guard data.sha256 == identity.dataset else {
            throw Failure(
                description: "run \(hash.prefix(12)): the data set differs from the one it was planned on "
                    + "(SHA-256 \(data.sha256.prefix(12)), planned \(identity.dataset.prefix(12)))")
        }
        try store.create()  // the folders it writes (a store without an index may lack them)
        let objects = try ObjectStore(directory: store.objects)
        let from = ResumePoint.latest(in: store.eventLog(hash), objects: objects) { print($0) }
        let log = try EventLog(path: store.eventLog(hash))
        let lease = Lease(path: store.lease(hash))
        lease.start()
        defer { lease.stop() }
        if let from { print("attempt \(attempt): resuming from the end of epoch \(from.epoch) (state \(from.object.prefix(12)))") }
        try log.append(
            .start(.init(attempt: attempt, time: Date().timeIntervalSince1970, provenance: .current(), resumedFromEpoch: from?.epoch ?? 0)))
        let training = Training(spec: spec, log: log, objects: objects, best: from?.best)
        let result: TrainResult
        if let from {
            result = try Engine.train(
                model: spec.model, train: spec.train, checkpoint: spec.checkpoint, data: data, runHash: hash, threads: threads,
                resumingFrom: from.state,
                best: from.best?.value, epochStates: true, pauseAfter: pauseAfter, onEvent: training.handle)
        } else {
            result = Engine.train(
                model: spec.model, train: spec.train, checkpoint: spec.checkpoint, data: data, runHash: hash, threads: threads,
                epochStates: true, pauseAfter: pauseAfter, onEvent: training.handle)
        }
        if let failure = training.failure { throw failure }
        try training.finish(result)
        try log.sync()
        return result.status
    }

    /// Loads the run's data. A file data set's files are found through the store's data
    /// manifest: each from its original path if that still holds the planned content, else
    /// from the stored copy; a line in the run's log says which.
    static func loadData(_ spec: inout RunSpec, dataset: String, store: StoreLayout, directory: String?) throws -> PreparedData {
        guard spec.data.dataset.isFile else { return try Datasets.prepare(spec.data, directory: directory) }
        guard let manifest = try store.readDataManifest(dataset) else {
            throw Failure(description: "\(store.dataManifest(dataset)): missing: the store does not say where the run's data files are")
        }
        let resolved = try manifest.resolve(
            objects: try ObjectStore(directory: store.objects), scratch: NSTemporaryDirectory() + "cairn-data")
        defer { for t in resolved.temporary { try? FileManager.default.removeItem(atPath: t) } }
        for note in resolved.notes { print(note) }
        spec.data.file.paths = resolved.paths
        return try Datasets.prepare(spec.data, directory: directory)
    }

    /// The run's spec from its spec file, which must hash to the run's name, and the data set
    /// and numerics version it was planned under.
    static func readSpec(_ hash: String, store: StoreLayout) throws -> (RunSpec, (dataset: String, numerics: Int)) {
        let path = store.spec(hash)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "\(path): cannot read the run's spec (the scheduler writes it before it starts the run)")
        }
        let bytes = [UInt8](data)
        guard sha256Hex([bytes]) == hash else { throw Failure(description: "\(path): its bytes do not hash to \(hash.prefix(12))") }
        let json = try JSONValue.parse(bytes)
        guard let dataset = json[RunIdentity.datasetKey]?.stringValue, let numerics = json[RunIdentity.numericsKey]?.doubleValue else {
            throw Failure(description: "\(path): it names no data set or numerics version")
        }
        guard Int(numerics) == Planner.numericsVersion else {
            throw Failure(
                description: "run \(hash.prefix(12)) was planned under numerics version \(Int(numerics)); "
                    + "this Cairn has \(Planner.numericsVersion), so it would not give the run's results")
        }
        return (try RunSpec(canonicalJSON: String(decoding: bytes, as: UTF8.self), source: path), (dataset, Int(numerics)))
    }
}

/// The events of one attempt's training, as they happen, into the log and the object store.
final class Training {
    let spec: RunSpec
    let log: EventLog
    let objects: ObjectStore
    /// The best state so far, once stored (an epoch state or a checkpoint holds it).
    var best: RunEvent.Resume.Best?
    /// The best improved at this epoch; its state is stored with the epoch's state, next.
    var pendingBest: (epoch: Int, step: Int, value: Double)?
    /// Whether `best` is in the log as a checkpoint already (it came with a periodic or final one).
    var bestLogged = false
    var lastValue: Double?
    var failure: Error?

    init(spec: RunSpec, log: EventLog, objects: ObjectStore, best: RunEvent.Resume.Best?) {
        self.spec = spec
        self.log = log
        self.objects = objects
        self.best = best
    }

    func handle(_ event: TrainEvent) {
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
                lastValue = model[spec.checkpoint.best]
            case let .checkpoint(c):
                if c.kinds == [.best] {
                    // Stored with this epoch's state (the same bytes), rather than as a
                    // checkpoint now: most best states are superseded before the run ends.
                    pendingBest = (c.epoch, c.step, lastValue ?? .nan)
                } else {
                    let object = try keep(c.bytes, step: c.step, epoch: c.epoch, kinds: c.kinds)
                    if c.kinds.contains(.best) {
                        best = .init(value: lastValue ?? .nan, object: object, step: c.step, epoch: c.epoch)
                        bestLogged = true
                        pendingBest = nil
                    }
                }
            case let .epochState(epoch, step, bytes):
                // Not fsynced: a state lost in a crash means resuming from an earlier one.
                let (object, _) = try objects.put(bytes, durable: false, compressed: false)
                if let p = pendingBest, p.epoch == epoch {
                    best = .init(value: p.value, object: object, step: p.step, epoch: p.epoch)
                    bestLogged = false
                    pendingBest = nil
                }
                try log.append(.resume(.init(object: object, step: step, epoch: epoch, best: best)))
                // An fsync at every epoch end, in the background; the end of the run waits for its own.
                try log.syncInBackground()
            case let .diverged(epoch, step, loss):
                try log.append(.metrics(.init(scope: .step, step: step, epoch: epoch, kind: .model, values: ["train_loss": loss])))
            }
        } catch {
            failure = error
        }
    }

    /// Stores a checkpoint durably and logs it; returns its object.
    func keep(_ bytes: [UInt8], step: Int, epoch: Int, kinds: Set<CheckpointKind>) throws -> String {
        let (object, stored) = try objects.put(bytes)
        try log.append(.checkpoint(.init(object: object, step: step, epoch: epoch, kinds: kinds, rawSize: bytes.count, storedSize: stored)))
        return object
    }

    /// The best checkpoint, if it is not in the log yet; a diverged run's last state; the end
    /// (`paused` keeps the run's last state as the place to go on from).
    func finish(_ result: TrainResult) throws {
        // (A best found at an epoch is stored with that epoch's state, which always follows
        // it: the last epoch's best is its final checkpoint, logged with both kinds.)
        if let b = best, !bestLogged {
            try log.appendCheckpoint(storedAs: b.object, step: b.step, epoch: b.epoch, kinds: [.best], objects: objects)
        }
        if result.status == .diverged {
            // A diverged run keeps its last state as its final checkpoint: it is a result.
            _ = try keep(result.finalCheckpoint, step: result.final?.step ?? 0, epoch: result.final?.epoch ?? 0, kinds: [.final])
        }
        let status: RunStatus
        switch result.status {
        case .completed: status = .completed
        case .diverged: status = .diverged
        case .paused: status = .paused
        }
        try log.append(
            .end(
                .init(
                    status: status, time: Date().timeIntervalSince1970,
                    error: result.status == .diverged ? "the loss became non-finite" : nil)))
    }
}

/// Where an attempt starts: the latest epoch state an earlier attempt logged whose object is
/// intact (read back and checked against its name). One that fails its check is never used:
/// the attempt falls back to the one before, or to scratch, and says so in the run's log.
struct ResumePoint {
    let epoch: Int
    let object: String
    let state: [UInt8]
    let best: RunEvent.Resume.Best?

    static func latest(in logPath: String, objects: ObjectStore, note: (String) -> Void) -> ResumePoint? {
        let states = EventLog.read(logPath).compactMap { e -> RunEvent.Resume? in if case .resume(let r) = e { r } else { nil } }
        for r in states.reversed() {
            do {
                let bytes = try objects.get(r.object)
                if let b = r.best, b.object != r.object { _ = try objects.get(b.object) }  // its best must be there too
                return ResumePoint(epoch: r.epoch, object: r.object, state: bytes, best: r.best)
            } catch {
                note("the state of epoch \(r.epoch) is not used: \(error)")
            }
        }
        if !states.isEmpty { note("no earlier state is intact: starting from scratch") }
        return nil
    }
}
