import ArgumentParser
import Determinism
import Foundation
import Tracker

/// Scheduling overhead: a sweep of trivial runs (tiny synthetic data, one step each) through
/// the real `cairn sweep`, and the speed-up of 2 workers over 1 on a quickstart-sized sweep.
struct ScheduleBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Per-run overhead of cairn sweep (spawn, store, ingest) and the speed-up of 2 workers.")

    @Option(help: "Trivial runs for the overhead figure.") var runs = 200
    @Option(help: "Quickstart-sized runs for the speed-up figure.") var speedupRuns = 64
    @Option(help: "Pairs of 1- and 2-worker sweeps for the speed-up figure (its median is reported).") var trials = 3
    @Flag(help: "End with one JSON object on its own line.") var json = false

    func run() throws {
        let cairn = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cairn").path
        guard FileManager.default.isExecutableFile(atPath: cairn) else {
            throw ValidationError("no cairn next to cairn-bench (build it: swift build -c release)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-bench-schedule-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        name: trivial
        data: { dataset: synthetic, synthetic: { features: 4, train_size: 16, test_size: 8 } }
        model: { hidden: [4] }
        train: { optimizer: sgd, lr: 0.1, epochs: 1, batch_size: 16 }
        """.write(toFile: "\(dir)/trivial.yaml", atomically: true, encoding: .utf8)
        let cwd = FileManager.default.currentDirectoryPath
        try """
        name: quick
        data: { dataset: digits, validation: 200 }
        model: { hidden: [32] }
        train: { optimizer: adam, lr: 0.01, batch_size: 32, epochs: 10, log_every: 10 }
        """.write(toFile: "\(dir)/quick.yaml", atomically: true, encoding: .utf8)
        _ = cwd

        func sweep(_ experiment: String, _ n: Int, workers: Int, store: String) throws -> (seconds: Double, train: Double) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: cairn)
            p.arguments = [
                "sweep", "\(dir)/\(experiment)", "--set", "train.seed=range(0,\(n))", "--workers", String(workers),
                "--store", "\(dir)/\(store)",
            ]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            let start = Date()
            try p.run()
            p.waitUntilExit()
            let wall = Date().timeIntervalSince(start)
            guard p.terminationStatus == 0 else { throw ValidationError("cairn sweep failed (\(p.terminationStatus))") }
            let rows = try Tracker(directory: "\(dir)/\(store)").runs()
            let train = rows.reduce(0.0) { $0 + ($1.summaries["epoch_seconds"]?.final ?? 0) }
            return (wall, train)
        }
        let overhead = try sweep("trivial.yaml", runs, workers: 2, store: "trivial")
        let perRun = (overhead.seconds - overhead.train / 2) / Double(runs) * 1000
        print(
            String(
                format: "%d trivial runs at 2 workers: %.2f s wall, %.3f s of training: %.1f ms overhead per run",
                runs, overhead.seconds, overhead.train, perRun))
        // Each trial runs the two sweeps back to back on fresh stores, so both see the same
        // machine; on a shared machine single pairs vary by ±10%, hence the median of several.
        var pairs: [(one: Double, two: Double)] = []
        for t in 0..<max(1, trials) {
            let one = try sweep("quick.yaml", speedupRuns, workers: 1, store: "one-\(t)")
            let two = try sweep("quick.yaml", speedupRuns, workers: 2, store: "two-\(t)")
            pairs.append((one.seconds, two.seconds))
            print(
                String(
                    format: "%d quickstart-sized runs: %.2f s with 1 worker, %.2f s with 2: %.2fx",
                    speedupRuns, one.seconds, two.seconds, one.seconds / two.seconds))
        }
        let ratios = pairs.map { $0.one / $0.two }.sorted()
        let speedup = ratios[ratios.count / 2]
        let median = pairs.first { $0.one / $0.two == speedup }!
        print(
            String(
                format: "speed-up of 2 workers: median %.2fx of %d pairs (%@)", speedup, pairs.count,
                ratios.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
        func r2(_ x: Double) -> JSONValue { .number((x * 100).rounded() / 100) }
        emit(
            [
                "runs": .number(Double(runs)), "overhead_ms_per_run": .number((perRun * 10).rounded() / 10),
                "sweep_seconds": r2(overhead.seconds), "speedup_2_workers": r2(speedup), "speedups": .array(ratios.map(r2)),
                "workers_1_seconds": r2(median.one), "workers_2_seconds": r2(median.two),
            ],
            json: json)
    }
}
