import Codecs
import Determinism
import Foundation
import Planner
import TestSupport
import Testing
import Tracker
import Vocabulary

@testable import Scheduler

/// A fourth executor: each "process" reads its run's spec file, evaluates a test objective
/// of its parameters and logs it as the run's one epoch — when a seeded coin says so, so runs
/// finish in an order that differs with the seed and the worker count.
final class ObjectiveExecutor: Executor {
    struct Handle {
        let hash: String
        let attempt: Int
    }

    let tracker: Tracker
    var coin: RandomStream
    var starts = 0
    var onStart: (Int) -> Void = { _ in }
    var cancelled: Set<String> = []

    init(tracker: Tracker, seed: UInt64) {
        self.tracker = tracker
        coin = RandomStream(seed: seed, purpose: .sweep)
    }

    static func objective(_ spec: JSONValue) -> Double {
        let x = spec.value(at: "train.weight_decay")?.doubleValue ?? 0
        let b = spec.value(at: "train.batch_size")?.doubleValue ?? 0
        return (x - 0.3) * (x - 0.3) + (b == 8 ? 0 : 0.05)
    }

    func start(arguments: [String], logPath: String) throws -> Handle {
        starts += 1
        onStart(starts)
        let log = try EventLog(path: tracker.eventLogPath(arguments[1]))
        try log.append(.start(.init(attempt: Int(arguments[3])!, time: 1, provenance: nil)))
        return Handle(hash: arguments[1], attempt: Int(arguments[3])!)
    }

    func poll(_ handle: Handle) -> ProcessExit? {
        if cancelled.contains(handle.hash) { return .signaled(SIGTERM) }
        guard coin.nextUniform() < 0.3 else { return nil }
        let spec = try! JSONValue.parse(Array(FileManager.default.contents(atPath: tracker.layout.spec(handle.hash))!))
        let log = try! EventLog(path: tracker.eventLogPath(handle.hash))
        try! log.append(.metrics(.init(scope: .epoch, step: 5, epoch: 1, kind: .model, values: ["test_loss": Self.objective(spec)])))
        try! log.append(.end(.init(status: .completed, time: 2)))
        return .exited(0)
    }

    func cancel(_ handle: Handle, force: Bool) { cancelled.insert(handle.hash) }
}

@Suite struct ModelSearchSchedulerTests {
    static func files(model: String) throws -> String {
        try scratch([
            "e.yaml": """
            name: small
            data: { dataset: synthetic, synthetic: { features: 4, train_size: 40, test_size: 10 } }
            model: { hidden: [8] }
            train: { optimizer: sgd, lr: 0.01, epochs: 1, batch_size: 8 }
            """,
            "s.yaml": """
            experiment: e.yaml
            method: bayes
            seed: 7
            run_cap: 15
            metric: { name: test_loss, goal: minimize }
            bayes: { model: \(model), batch: 3 }
            parameters:
              train.weight_decay: { min: 0.0, max: 1.0 }
              train.batch_size: { values: [4, 8, 16] }
            """,
        ])
    }

    /// The sweep's suggestion file after a run at `workers` (interrupted at the n-th start,
    /// then run again, when `interruptAt` is set).
    static func suggestions(model: String, workers: Int, interruptAt: Int? = nil) throws -> String {
        let dir = try files(model: model)
        let plan = try Planner.plan(file: "\(dir)/s.yaml")
        let tracker = try Tracker(directory: "\(dir)/runs")
        var options = Scheduler<ObjectiveExecutor>.Options(workers: workers)
        options.grace = 0.01
        let first = ObjectiveExecutor(tracker: tracker, seed: UInt64(workers) * 31 + 1)
        let interrupt = Interrupt()
        if let n = interruptAt { first.onStart = { if $0 == n { interrupt.raise() } } }
        let a = try ModelBasedSweep(tracker: tracker, executor: first, options: options, interrupt: interrupt).run(
            plan, source: "s.yaml", rerun: false
        ) { _ in }
        if interruptAt != nil {
            #expect(a.outcome.total.wasInterrupted)
            let again = ObjectiveExecutor(tracker: tracker, seed: 99)
            let b = try ModelBasedSweep(tracker: tracker, executor: again, options: options, interrupt: Interrupt()).run(
                plan, source: "s.yaml", rerun: false
            ) { _ in }
            #expect(!b.outcome.total.wasInterrupted && b.suggestions.count == 15)
        } else {
            #expect(a.suggestions.count == 15 && a.outcome.total.completed == 15)
        }
        return try String(contentsOfFile: "\(dir)/runs/searches/\(plan.sweepHash).jsonl", encoding: .utf8)
    }

    @Test(arguments: ["gp", "tpe"])
    func theSameSuggestionsAtOneFourAndEightWorkersInAnyOrder(_ model: String) throws {
        let one = try Self.suggestions(model: model, workers: 1)
        #expect(one.split(separator: "\n").count == 15)
        // Model-based rounds rate their suggestions; round 0 is random.
        #expect(one.contains("\"acquisition\":null") && one.split(separator: "\n").last!.contains("\"acquisition\":null") == false)
        for workers in [4, 8] { #expect(try Self.suggestions(model: model, workers: workers) == one, "workers \(workers)") }
    }

    @Test(arguments: ["gp", "tpe"])
    func aSweepInterruptedMidRoundResumesToTheSameSuggestions(_ model: String) throws {
        let reference = try Self.suggestions(model: model, workers: 2)
        #expect(try Self.suggestions(model: model, workers: 2, interruptAt: 8) == reference)
    }
}
