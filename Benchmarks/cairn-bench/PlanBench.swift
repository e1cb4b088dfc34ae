import ArgumentParser
import Determinism
import Foundation
import Planner

/// Planning and hashing a 10,000-run grid, and counting a 10⁹-point grid without building it.
struct PlanBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Time to plan and hash a 10,000-run grid; time to count a 10^9-point grid.")

    @Option(help: "Runs in the planned grid (a power of 10 up to 10,000 works best).")
    var runs = 10_000

    @Flag(help: "End with one JSON object on its own line.")
    var json = false

    func run() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-bench-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        name: bench
        data: { dataset: digits, validation: 200 }
        model: { hidden: [32] }
        train: { optimizer: adam, lr: 0.01, epochs: 5 }
        """.write(toFile: "\(dir)/e.yaml", atomically: true, encoding: .utf8)
        let side = Int(Double(runs).squareRoot().rounded())
        try """
        experiment: e.yaml
        method: grid
        parameters:
          train.seed: { distribution: int_uniform, min: 0, max: \(side - 1) }
          data.split_seed: { distribution: int_uniform, min: 0, max: \(runs / side - 1) }
        """.write(toFile: "\(dir)/grid.yaml", atomically: true, encoding: .utf8)
        try """
        experiment: e.yaml
        parameters:
          train.seed: { distribution: int_uniform, min: 1, max: 1000 }
          data.split_seed: { distribution: int_uniform, min: 1, max: 1000 }
          train.log_every: { distribution: int_uniform, min: 1, max: 1000 }
        """.write(toFile: "\(dir)/huge.yaml", atomically: true, encoding: .utf8)
        let clock = ContinuousClock()
        var plan: Plan?
        let planTime = try clock.measure { plan = try Planner.plan(file: "\(dir)/grid.yaml", maxRuns: runs) }
        var count = 0.0
        let countTime = try clock.measure { count = try Planner.gridCount(file: "\(dir)/huge.yaml") }
        let n = plan?.runs.count ?? 0
        print(
            String(
                format: "planned and hashed %d runs in %.1f ms (%.1f µs per run)", n, seconds(planTime) * 1e3,
                seconds(planTime) * 1e6 / Double(max(n, 1))))
        print(String(format: "counted a grid of %.0f points in %.3f ms", count, seconds(countTime) * 1e3))
        emit(
            [
                "runs": .number(Double(n)), "plan_ms": .number((seconds(planTime) * 1e4).rounded() / 10),
                "grid_points_counted": .number(count), "count_ms": .number((seconds(countTime) * 1e6).rounded() / 1e3),
            ], json: json)
    }
}
