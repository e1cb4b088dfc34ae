import ArgumentParser
import Codecs
import Determinism
import Foundation
import Tracker
import Vocabulary

/// The tracker workload, the same as Benchmarks/anchors/mlflow_tracker.py does with MLflow:
/// runs × 10 params × 3 metrics × 100 steps, on a fresh temporary store.
struct TrackerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracker",
        abstract: "Ingest rate, filtered listing, metric histories, checkpoint puts and store size.")

    @Option(help: "Runs in the workload (each: 10 params, 3 metrics × 100 steps).")
    var runs = 1000

    @Option(help: "Where to make the temporary store (default: the system's temporary directory).")
    var directory: String?

    @Option(help: "Keep the store in this directory (it must not exist yet) instead of removing it: for timing read commands on it.")
    var keep: String?

    @Flag(help: "End with one JSON object on its own line.")
    var json = false

    func run() throws {
        let base = directory ?? FileManager.default.temporaryDirectory.path
        let dir = keep ?? "\(base)/cairn-bench-tracker-\(UUID().uuidString)"
        if let keep, FileManager.default.fileExists(atPath: keep) { throw ValidationError("--keep \(keep): it exists already") }
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let tracker = try Tracker(directory: dir)
        var rng = RandomStream(seed: 1, purpose: .synthetic)
        let optimizers = ["adam", "sgd", "adamw", "rmsprop"]
        var planned: [RunEntry] = []
        for i in 0..<runs {
            var params: [String: JSONValue] = [:]
            params["train.lr"] = .number([0.1, 0.03, 0.01, 0.003, 0.001][i % 5])
            params["train.optimizer"] = .string(optimizers[i % 4])
            params["train.seed"] = .number(Double(i % 3))
            params["train.batch_size"] = .number([32, 64, 128][i % 3])
            params["train.epochs"] = .number(10)
            params["model.hidden"] = .array([.number(Double(64 << (i % 3)))])
            params["model.activation"] = .string(i % 2 == 0 ? "relu" : "tanh")
            params["model.dropout"] = .number(Double(i % 4) * 0.1)
            params["data.validation"] = .number(5000)
            params["data.split_seed"] = .number(Double(i))
            let hash = sha256Hex([Array("bench run \(i)".utf8)])
            planned.append(
                RunEntry(
                    hash: hash, name: "bench", canonicalSpec: JSONValue.object(params).canonical, numericsVersion: 2,
                    datasetSHA256: "bench", params: params))
        }
        try tracker.record(
            sweep: SweepRecord(hash: "bench", source: "bench", definition: "{}", metric: "val_accuracy", goal: "maximize"),
            runs: planned)
        // The event logs a sweep's children would have written.
        for p in planned {
            var log = [UInt8]()
            log.append(contentsOf: RunEvent.start(.init(attempt: 1, time: 0, provenance: nil)).line())
            var loss = 2.0
            var acc = 0.1
            for step in 1...(ProcessInfo.processInfo.environment["STEPS"].flatMap(Int.init) ?? 100) {
                loss *= 0.97 + 0.02 * rng.nextUniform()
                acc += (0.95 - acc) * 0.05 * rng.nextUniform()
                log.append(
                    contentsOf: RunEvent.metrics(
                        .init(
                            scope: .epoch, step: step, epoch: step, kind: .model,
                            values: ["train_loss": loss, "val_loss": loss * 1.1, "val_accuracy": acc])
                    ).line())
            }
            log.append(contentsOf: RunEvent.end(.init(status: .completed, time: 1)).line())
            FileManager.default.createFile(atPath: tracker.eventLogPath(p.hash), contents: Data(log))
        }
        let clock = ContinuousClock()
        var points = 0
        let ingestTime = try clock.measure {
            points = try tracker.ingest(runs: planned.map(\.hash)).values.reduce(0) { $0 + $1.points }
        }
        let rate = Double(points) / seconds(ingestTime)
        print(String(format: "ingested %d points in %.0f ms: %.0f points/s", points, seconds(ingestTime) * 1e3, rate))

        // A filtered, sorted listing (best of 5: the first also warms SQLite's cache).
        let query = RunQuery(filter: "train.lr < 0.01 and val_accuracy >= 0.5", sort: "val_accuracy", descending: true)
        var listed = 0
        let list = try (0..<5).map { _ in try clock.measure { listed = try tracker.runs(query).count } }.min()!
        print(String(format: "listed %d of %d runs (filtered, sorted by a metric) in %.2f ms", listed, runs, seconds(list) * 1e3))
        let ten = Array(planned.prefix(10).map(\.hash))
        var got = 0
        let hist = try (0..<5).map { _ in
            try clock.measure {
                got = try tracker.history(runs: ten, keys: ["train_loss", "val_loss", "val_accuracy"]).values.reduce(0) {
                    $0 + $1.values.reduce(0) { $0 + $1.count }
                }
            }
        }.min()!
        print(String(format: "histories of 10 runs × 3 keys (%d points) in %.2f ms", got, seconds(hist) * 1e3))

        // An 800 KB checkpoint of floats: gzip + SHA-256 + write; then 100 identical puts.
        var floats = [Float](repeating: 0, count: 200_000)
        for i in floats.indices { floats[i] = Float(rng.nextNormal() * 0.05) }
        let bytes = floats.withUnsafeBytes { Array($0) }
        var stored = 0
        let put = try (0..<5).map { i -> Duration in
            var b = bytes
            b[0] = UInt8(i)  // a new object each time
            return try clock.measure { stored = try tracker.objects.put(b).storedSize }
        }.min()!
        print(
            String(
                format: "put an %d KB checkpoint (gzip to %d KB + SHA-256 + write + fsync) in %.2f ms", bytes.count / 1000, stored / 1000,
                seconds(put) * 1e3))
        let compute = try (0..<5).map { _ in
            try clock.measure {
                _ = try Gzip.compress(bytes)
                _ = sha256Hex([bytes])
            }
        }.min()!
        print(String(format: "gzip + SHA-256 of it, in memory: %.2f ms", seconds(compute) * 1e3))
        var same = bytes
        same[0] = 99  // not one of the objects above
        let before = Set(tracker.objects.all())
        for _ in 0..<100 { try tracker.objects.put(same) }
        let new = Set(tracker.objects.all()).subtracting(before)
        let added = new.count
        let addedBytes = new.reduce(0) { $0 + tracker.objects.storedSize($1) }
        print("100 puts of one identical checkpoint added \(added) object of \(addedBytes / 1000) KB")
        let size = tracker.sizeOnDisk()
        print(String(format: "store on disk: %.1f MB", Double(size) / 1e6))
        emit(
            [
                "runs": .number(Double(runs)), "points": .number(Double(points)), "ingest_points_per_second": .number(rate.rounded()),
                "ingest_ms": .number((seconds(ingestTime) * 1e4).rounded() / 10), "list_ms": .number((seconds(list) * 1e5).rounded() / 100),
                "history_ms": .number((seconds(hist) * 1e5).rounded() / 100),
                "checkpoint_put_ms": .number((seconds(put) * 1e5).rounded() / 100),
                "checkpoint_gzip_sha256_ms": .number((seconds(compute) * 1e5).rounded() / 100),
                "identical_puts_objects_added": .number(Double(added)),
                "identical_puts_bytes": .number(Double(addedBytes)), "store_bytes": .number(Double(size)),
            ], json: json)
    }
}
