import Codecs
import Datasets
import Determinism
import Engine
import Foundation
import Planner
import Tracker

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
        // The stored spec is canonical JSON, which is YAML: the experiment reader decodes it.
        let spec = try Experiment.parse(record.config, source: "run \(hash.prefix(12))").spec
        let data = try Datasets.prepare(spec.data, directory: dataDirectory)
        let recomputed = spec.hash(datasetSHA256: data.sha256)
        guard recomputed == hash else {
            throw Failure(description: "run \(hash.prefix(12)) no longer resolves to its hash (now \(recomputed.prefix(12))): "
                + "the data set or Cairn's numerics changed (numerics version \(Engine.numericsVersion), stored \(record.numericsVersion))")
        }
        let log = try EventLog(path: store.eventLogPath(hash))
        let lease = Lease(path: store.leasePath(hash))
        lease.start()
        defer { lease.stop() }
        try log.append(.start(.init(attempt: attempt, time: Date().timeIntervalSince1970, provenance: Provenance.current())))
        var failure: Error?
        // The best checkpoint so far is kept in memory and stored when the run ends: an
        // unfinished run is trained again, never resumed from its best, and each object
        // stored costs two fsyncs, which serialise across workers on one disk.
        var pendingBest: CheckpointEvent?
        func keep(_ c: CheckpointEvent) throws {
            let (object, stored) = try store.objects.put(c.bytes)
            try log.append(.checkpoint(.init(object: object, step: c.step, epoch: c.epoch, kinds: c.kinds.map(\.rawValue),
                                             rawSize: c.bytes.count, storedSize: stored)))
        }
        let result = Engine.train(model: spec.model, train: spec.train, checkpoint: spec.checkpoint, data: data, runHash: hash) { event in
            guard failure == nil else { return }
            do {
                switch event {
                case let .trainLoss(epoch, step, value):
                    try log.append(.metrics(.init(scope: "step", step: step, epoch: epoch, kind: "model", values: ["train_loss": value])))
                case let .epochEnd(model, machine):
                    try log.append(.metrics(.init(scope: "epoch", step: model.step, epoch: model.epoch, kind: "model",
                                                  values: Dictionary(model.values.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))))
                    try log.append(.metrics(.init(scope: "epoch", step: machine.step, epoch: machine.epoch, kind: "machine",
                                                  values: Dictionary(machine.values.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))))
                    // fsync at every epoch end; the last epoch's is the end-of-run fsync below.
                    if model.epoch < spec.train.epochs { try log.sync() }
                case let .checkpoint(c):
                    if c.kinds == [.best] {
                        pendingBest = c
                    } else {
                        if c.kinds.contains(.best) { pendingBest = nil }
                        try keep(c)
                    }
                case let .diverged(epoch, step, loss):
                    try log.append(.metrics(.init(scope: "step", step: step, epoch: epoch, kind: "model", values: ["train_loss": loss])))
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
            try log.append(.checkpoint(.init(object: object, step: step, epoch: result.final?.epoch ?? 0, kinds: ["final"],
                                             rawSize: result.finalCheckpoint.count, storedSize: stored)))
        }
        let status: RunStatus = result.status == .completed ? .completed : .diverged
        try log.append(.end(.init(status: status, time: Date().timeIntervalSince1970,
                                  error: result.status == .diverged ? "the loss became non-finite" : nil)))
        try log.sync()
        return result.status
    }
}

/// Appends events to a run's log: O_APPEND writes, fsync on demand.
final class EventLog {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw RunProcess.Failure(description: "\(path): cannot open the event log: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func append(_ event: RunEvent) throws {
        let line = event.line()
        try line.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = write(fd, b.baseAddress! + off, b.count - off)
                guard n > 0 else { throw RunProcess.Failure(description: "\(path): cannot write: \(String(cString: strerror(errno)))") }
                off += n
            }
        }
    }

    func sync() throws {
        guard fsync(fd) == 0 else { throw RunProcess.Failure(description: "\(path): fsync failed: \(String(cString: strerror(errno)))") }
    }
}

/// A running run's lease: a file whose modification time its process refreshes every
/// `Lease.interval` seconds. A scheduler that finds a run `running` in the index treats it as
/// alive while its lease is younger than `Lease.expiry`, and re-queues it after.
final class Lease: @unchecked Sendable {
    static let interval: TimeInterval = 1
    static let expiry: TimeInterval = 10
    let path: String
    private var timer: DispatchSourceTimer?

    init(path: String) { self.path = path }

    func start() {
        touch()
        let t = DispatchSource.makeTimerSource(queue: .global())
        t.schedule(deadline: .now() + Lease.interval, repeating: Lease.interval)
        t.setEventHandler { [path] in _ = utimes(path, nil) }
        t.resume()
        timer = t
    }

    func touch() {
        _ = FileManager.default.createFile(atPath: path, contents: Data("\(getpid())\n".utf8))
    }

    /// Stops refreshing. The file stays: until the scheduler has recorded the run's outcome,
    /// the run must not look abandoned to another scheduler; the scheduler removes it then.
    func stop() {
        timer?.cancel()
    }

    /// Takes or refreshes a lease on behalf of a scheduler (for a run it has claimed but not
    /// started yet).
    static func hold(_ path: String) {
        if utimes(path, nil) != 0 { _ = FileManager.default.createFile(atPath: path, contents: Data("\(getpid())\n".utf8)) }
    }

    /// Whether the lease at `path` was refreshed within `expiry` seconds.
    static func isAlive(_ path: String, now: Date = Date()) -> Bool {
        guard let m = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return false }
        return now.timeIntervalSince(m) < expiry
    }
}

enum Provenance {
    static func current() -> RunEvent.Provenance {
        var uts = utsname()
        uname(&uts)
        func s<T>(_ field: T) -> String { withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } }
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? s(uts.machine)
        return RunEvent.Provenance(cairnVersion: Cairn.version, numericsVersion: Engine.numericsVersion, gitCommit: gitCommit(),
                                   host: ProcessInfo.processInfo.hostName, cpu: cpu, os: "\(s(uts.sysname)) \(s(uts.release))",
                                   swiftVersion: Cairn.swiftVersion)
    }

    /// The project's git commit, read from .git without running git, when there is one.
    static func gitCommit() -> String? {
        guard let head = try? String(contentsOfFile: ".git/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        return (try? String(contentsOfFile: ".git/" + head.dropFirst(5), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Cairn's own version facts.
public enum Cairn {
    public static let version = "0.1.0"
    #if swift(>=6.3)
    public static let swiftVersion = "6.3"
    #elseif swift(>=6.2)
    public static let swiftVersion = "6.2"
    #else
    public static let swiftVersion = "6"
    #endif
}
