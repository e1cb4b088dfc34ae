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
///
/// Epoch-end fsyncs run on a background queue while training goes on: they bound what a
/// crash can lose of an unfinished run (which is trained again anyway), and waiting for
/// each one left a core idle for a disk flush per epoch — with several runs at once, one
/// flush after another, since they share the file system's journal. The end-of-run `sync`
/// waits for those and then for its own, before the run's process reports its result.
final class EventLog: @unchecked Sendable {
    let fd: Int32
    let path: String
    private let syncs = DispatchQueue(label: "cairn.event-log.sync")
    /// A background fsync's failure (errno), reported by the next `append` or `sync`.
    private var syncError: Int32 = 0
    private let lock = NSLock()

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw RunProcess.Failure(description: "\(path): cannot open the event log: \(String(cString: strerror(errno)))") }
    }

    deinit {
        syncs.sync {}
        close(fd)
    }

    func append(_ event: RunEvent) throws {
        try checkBackgroundSync()
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

    /// Starts an fsync of everything appended so far, without waiting for it.
    func syncInBackground() throws {
        try checkBackgroundSync()
        syncs.async { [self] in
            if fsync(fd) != 0 {
                let e = errno
                lock.lock(); syncError = e; lock.unlock()
            }
        }
    }

    /// Makes everything appended so far durable, waiting for it.
    func sync() throws {
        syncs.sync {}
        try checkBackgroundSync()
        guard fsync(fd) == 0 else { throw RunProcess.Failure(description: "\(path): fsync failed: \(String(cString: strerror(errno)))") }
    }

    private func checkBackgroundSync() throws {
        lock.lock(); let e = syncError; lock.unlock()
        guard e == 0 else { throw RunProcess.Failure(description: "\(path): fsync failed: \(String(cString: strerror(e)))") }
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

    func touch() { Self.stamp(path) }

    /// Creates or rewrites a lease file holding this process's pid. Neither atomic nor
    /// fsynced: only its modification time counts, a lease means something only while this
    /// machine is up, and one lost in a crash reads as expired, which it is. (A sweep claims
    /// all its runs at once: a sync per lease cost it a disk flush per run before its first.)
    static func stamp(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// Stops refreshing. The file stays: until the scheduler has recorded the run's outcome,
    /// the run must not look abandoned to another scheduler; the scheduler removes it then.
    func stop() {
        timer?.cancel()
    }

    /// Takes or refreshes a lease on behalf of a scheduler (for a run it has claimed but not
    /// started yet).
    static func hold(_ path: String) {
        if utimes(path, nil) != 0 { stamp(path) }
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
