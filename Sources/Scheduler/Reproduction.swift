import Codecs
import Foundation
import Planner
import Tracker
import Vocabulary

/// Re-creates a run from its stored spec alone — in a scratch store, in its own process,
/// exactly as the scheduler runs it — and compares every model metric at every step and every
/// kept checkpoint with the original's.
public struct Reproduction {
    public enum Verdict: Sendable, Equatable {
        case identical(metrics: Int, checkpoints: Int)
        /// The first model metric point that differs (nil: missing on that side).
        case metricDiffers(key: String, scope: MetricScope, step: Int, original: Double?, reproduced: Double?)
        case checkpointDiffers(step: Int, kinds: Set<CheckpointKind>, original: String, reproduced: String?)
        /// An original checkpoint object is missing or corrupt: nothing to compare with.
        case originalCorrupt(String)
        /// The reproduction's own process did not end with a result.
        case runFailed(String)
    }

    public struct Report: Sendable {
        public let verdict: Verdict
        /// The whole reproduction: its process (data loading included), ingest and comparison.
        public let seconds: Double
        /// The reproduction's run, from its start event to its end event (training,
        /// evaluation, checkpoints), and the original's, measured the same way.
        public var runSeconds: Double = 0
        public let originalSeconds: Double
        /// Why the result may differ before it was even run (numerics or data changed).
        public let warnings: [String]
    }

    /// Reproduces `hash` from `tracker` using `cairn` (this executable) in a scratch store.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(
        hash: String, tracker: Tracker, executable: String, dataDirectory: String?, threads: Int? = nil,
        warn: (String) -> Void = { _ in }
    ) throws -> Report {
        guard let original = try tracker.run(hash) else { throw Failure(description: "no run \(hash)") }
        guard original.status.isResult else {
            throw Failure(description: "run \(hash.prefix(12)) is \(original.status.rawValue): it has no result to reproduce")
        }
        var warnings: [String] = []
        if original.numericsVersion != Planner.numericsVersion {
            warnings.append(
                "the run was made with numerics version \(original.numericsVersion); this Cairn has \(Planner.numericsVersion): results may differ"
            )
        }
        warnings.forEach(warn)
        // The data-set check reads and hashes the whole data set (0.27 s for Fashion-MNIST, as
        // long as the process it checks for takes to load it): it runs while that process
        // starts and loads the data, and its note comes before the process trains.
        let spec = try RunSpec(canonicalJSON: original.config, source: "run \(hash.prefix(12))")
        let recorded = original.datasetSHA256
        let fileData = spec.data.dataset.isFile  // checked file by file below, against the manifest
        let dataCheck = Background { [dataDirectory] in
            fileData
                ? nil
                : (try? Planner.datasetSHA256(of: spec, directory: dataDirectory)).flatMap { data in
                    data == recorded
                        ? nil
                        : "the data set differs from the run's (SHA-256 \(data.prefix(12)), recorded \(recorded.prefix(12))): results will differ"
                }
        }
        var dataChecked = false
        func noteDataSet() {
            guard !dataChecked else { return }
            dataChecked = true
            if let w = dataCheck.wait() {
                warnings.append(w)
                warn(w)
            }
        }
        // The original's checkpoints must be intact to be compared with.
        let checkpoints = try tracker.checkpoints(run: hash)
        for c in checkpoints {
            do { _ = try tracker.objects.get(c.object) } catch {
                noteDataSet()
                return Report(verdict: .originalCorrupt("\(error)"), seconds: 0, originalSeconds: 0, warnings: warnings)
            }
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-reproduce-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let copy = try Tracker(directory: scratch)
        try copy.record(
            sweep: nil,
            runs: [
                PlannedRun(
                    hash: hash, name: original.name, spec: spec, datasetSHA256: original.datasetSHA256,
                    params: [:])
            ])
        _ = try copy.claim(run: hash, sawStatus: .planned, sawAttempts: 0)
        if fileData {
            // The run's data files: the originals if unchanged, else the stored copies; the
            // reproduction's store names whichever is used, and the report says which.
            guard var manifest = try tracker.layout.readDataManifest(original.datasetSHA256) else {
                throw Failure(
                    description: "the store has no data manifest for run \(hash.prefix(12))'s data set \(original.datasetSHA256.prefix(12))"
                )
            }
            let resolved: DataManifest.Resolved
            do { resolved = try manifest.resolve(objects: tracker.objects, scratch: scratch + "/data-copies") } catch {
                throw Failure(description: "cannot reproduce \(hash.prefix(12)): \(error)")  // not bad input: the store lacks something
            }
            for i in manifest.files.indices { manifest.files[i].path = resolved.paths[manifest.files[i].role] ?? manifest.files[i].path }
            try copy.recordData(manifest, copy: false)
            for note in resolved.notes {
                warnings.append(note)
                warn(note)
            }
        }
        var options = Scheduler<LocalProcessExecutor>.Options(workers: 1, dataDirectory: dataDirectory)
        options.threads = ThreadBudget.singleRun(requested: threads)
        // A run early termination stopped is reproduced to where it stopped, and stopped there.
        let stoppedAt = original.status == .stopped ? checkpoints.last { $0.kinds.contains(.final) }?.epoch : nil
        if let stoppedAt { options.pauseAfter = [hash: stoppedAt] }
        let scheduler = Scheduler(
            tracker: copy, executor: LocalProcessExecutor(executable: executable), options: options, interrupt: Interrupt())
        let start = Date()
        var failure: String?
        _ = try scheduler.run([hash]) { event in
            noteDataSet()  // at the first event: the process has started and is loading its data
            if case let .finished(_, status, detail) = event, !status.isResult, status != .paused || stoppedAt == nil {
                failure = "\(status.rawValue): \(detail ?? "")"
            }
        }
        if failure == nil, stoppedAt != nil, try !copy.stop(run: hash, reason: original.error ?? "stopped") {
            failure = "the reproduction has no state at epoch \(stoppedAt!) to stop with"
        }
        let seconds = Date().timeIntervalSince(start)
        noteDataSet()
        func duration(_ r: RunRecord?) -> Double {
            guard let start = r?.startedAt, let end = r?.finishedAt else { return 0 }
            return end.timeIntervalSince(start)
        }
        let originalSeconds = duration(original)
        if let failure {
            return Report(verdict: .runFailed(failure), seconds: seconds, originalSeconds: originalSeconds, warnings: warnings)
        }
        var report = Report(
            verdict: try compare(hash, original: tracker, reproduced: copy), seconds: seconds, originalSeconds: originalSeconds,
            warnings: warnings)
        report.runSeconds = duration(try copy.run(hash))
        return report
    }

    /// Model metrics point by point (in key, then step order), then checkpoints by step and kind.
    static func compare(_ hash: String, original: Tracker, reproduced: Tracker) throws -> Verdict {
        let a = try original.modelHistory(run: hash)
        let b = try reproduced.modelHistory(run: hash)
        switch ModelHistory.firstDifference(a, b) {
        case let .differs(key, scope, step, x, y):
            return .metricDiffers(key: key, scope: scope, step: step, original: x, reproduced: y)
        case .identical(let compared):
            let ca = try original.checkpoints(run: hash)
            let cb = try reproduced.checkpoints(run: hash)
            for c in ca {
                let match = cb.first { $0.step == c.step && $0.kinds == c.kinds }
                if match?.object != c.object {
                    return .checkpointDiffers(step: c.step, kinds: c.kinds, original: c.object, reproduced: match?.object)
                }
            }
            return .identical(metrics: compared, checkpoints: ca.count)
        }
    }
}

/// A value computed on another thread; `wait()` returns it once it is there.
final class Background<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: Value?

    init(_ work: @escaping @Sendable () -> Value) {
        Thread { [self] in
            value = work()
            done.signal()
        }.start()
    }

    /// Blocks until the value is computed; only one caller may wait.
    func wait() -> Value {
        done.wait()
        return value!
    }
}
