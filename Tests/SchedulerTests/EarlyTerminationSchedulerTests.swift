import Codecs
import Determinism
import Foundation
import Planner
import TestSupport
import Testing
import Tracker
import Vocabulary

@testable import Scheduler

/// A third executor: each "process" trains one epoch of a made-up curve (a function of the
/// run and the epoch) whenever a seeded coin says so, which shuffles the order in which runs
/// reach their epochs differently for every worker count. It honours `--pause-after` and
/// resumes from the run's last logged epoch, as `cairn exec` does.
final class CurveExecutor: Executor {
    struct Handle {
        let hash: String
        let attempt: Int
        let pauseAfter: Int?
    }

    let tracker: Tracker
    let epochs: Int
    var coin: RandomStream
    var started: [String] = []

    init(tracker: Tracker, epochs: Int, seed: UInt64) {
        self.tracker = tracker
        self.epochs = epochs
        coin = RandomStream(seed: seed, purpose: .sweep)
    }

    static func curve(_ hash: String, _ epoch: Int) -> Double {
        let level = Double(Int(hash.prefix(4), radix: 16)!) / 65536
        return 0.2 + level / Double(epoch) + (epoch == 4 && hash.hasPrefix("a") ? 0.5 : 0)
    }

    func logged(_ hash: String) -> Int {
        EventLog.read(tracker.eventLogPath(hash)).reduce(0) { n, e in
            if case .metrics(let m) = e { max(n, m.epoch) } else { n }
        }
    }

    func write(_ hash: String, _ events: [RunEvent]) {
        let log = try! EventLog(path: tracker.eventLogPath(hash))
        for e in events { try! log.append(e) }
    }

    func start(arguments: [String], logPath: String) throws -> Handle {
        let hash = arguments[1]
        let attempt = Int(arguments[3])!
        let pause = arguments.first { $0.hasPrefix("--pause-after=") }.map { Int($0.dropFirst("--pause-after=".count))! }
        started.append(hash)
        write(hash, [.start(.init(attempt: attempt, time: 1, provenance: nil, resumedFromEpoch: logged(hash)))])
        return Handle(hash: hash, attempt: attempt, pauseAfter: pause)
    }

    func poll(_ handle: Handle) -> ProcessExit? {
        guard coin.nextUniform() < 0.3 else { return nil }
        let epoch = logged(handle.hash) + 1
        let (state, _) = try! tracker.objects.put(Array("\(handle.hash) \(epoch)".utf8), durable: false, compressed: false)
        var events: [RunEvent] = [
            .metrics(
                .init(
                    scope: .epoch, step: epoch * 10, epoch: epoch, kind: .model, values: ["val_loss": Self.curve(handle.hash, epoch)]))
        ]
        if epoch < epochs { events.append(.resume(.init(object: state, step: epoch * 10, epoch: epoch, best: nil))) }
        if epoch == epochs {
            events.append(.end(.init(status: .completed, time: 2)))
        } else if epoch == handle.pauseAfter {
            events.append(.end(.init(status: .paused, time: 2)))
        } else {
            write(handle.hash, events)
            return nil
        }
        write(handle.hash, events)
        return .exited(0)
    }

    func cancel(_ handle: Handle, force: Bool) {}
}

@Suite struct EarlyTerminationSchedulerTests {
    static let epochs = 9

    /// Runs every run of `rule` at `workers`; returns each run's status, epochs and reason.
    static func sweep(_ rule: (([String]) -> Stopping.Rule), runs n: Int, workers: Int) throws -> [String] {
        let t = try Tracker(directory: try scratch(label: "et"))
        let runs = (0..<n).map { i in
            TestRun(hash: sha256Hex([Array("et \(i)".utf8)]), name: "r\(i)", canonicalSpec: "{}", params: [:])
        }
        try t.record(sweep: nil, runs: runs)
        for r in runs { #expect(try t.claim(run: r.hash, sawStatus: .planned, sawAttempts: 0)) }
        let hashes = runs.map(\.hash)
        let executor = CurveExecutor(tracker: t, epochs: epochs, seed: UInt64(workers))
        let options = Scheduler<CurveExecutor>.Options(workers: workers, stopping: StopGate(rule: rule(hashes)))
        let outcome = try Scheduler(tracker: t, executor: executor, options: options, interrupt: Interrupt()).run(hashes) { _ in }
        #expect(outcome.paused == 0 && outcome.failed == 0)
        return try t.runs(hashes).map { r in "\(r.hash.prefix(8)) \(r.status.rawValue) \(executor.logged(r.hash)) \(r.error ?? "")" }
    }

    static func expectSameAtEveryWorkerCount(_ rule: @escaping ([String]) -> Stopping.Rule, runs: Int) throws {
        let one = try sweep(rule, runs: runs, workers: 1)
        #expect(one.contains { $0.contains(" stopped ") } && one.contains { $0.contains(" completed ") }, "\(one)")
        for workers in [2, 8] {
            #expect(try sweep(rule, runs: runs, workers: workers) == one, "workers \(workers)")
        }
    }

    /// A run whose process died between an epoch's metrics and its state cannot stop there:
    /// its final checkpoint would be the epoch before.
    @Test func aRunStopsOnlyWithTheStateOfItsLastEpoch() throws {
        let t = try Tracker(directory: try scratch(label: "stop"))
        let hash = sha256Hex([Array("stop".utf8)])
        try t.record(sweep: nil, runs: [TestRun(hash: hash, name: "r", canonicalSpec: "{}", params: [:])])
        let log = try EventLog(path: t.eventLogPath(hash))
        func epoch(_ e: Int, state: Bool) throws {
            try log.append(.metrics(.init(scope: .epoch, step: e * 10, epoch: e, kind: .model, values: ["val_loss": 1])))
            guard state else { return }
            let (object, _) = try t.objects.put(Array("state \(e)".utf8), durable: false, compressed: false)
            try log.append(.resume(.init(object: object, step: e * 10, epoch: e, best: nil)))
        }
        try log.append(.start(.init(attempt: 1, time: 1, provenance: nil)))
        try epoch(1, state: true)
        try epoch(2, state: false)
        _ = try t.ingest(run: hash)
        #expect(try !t.stop(run: hash, reason: "stopped at band 2"))
        #expect(try t.run(hash)?.status == .running)
        try epoch(2, state: true)
        try log.append(.end(.init(status: .paused, time: 2)))
        _ = try t.ingest(run: hash)
        #expect(try t.stop(run: hash, reason: "stopped at band 2"))
        #expect(try t.run(hash)?.status == .stopped)
        #expect(try t.checkpoints(run: hash).last { $0.kinds.contains(.final) }?.epoch == 2)
    }

    @Test func w_bsRuleStopsTheSameRunsAtOneTwoAndEightWorkers() throws {
        let t = EarlyTermination(mode: .bands, minIter: 2, maxIter: nil, s: nil, eta: 3, strict: true)
        try Self.expectSameAtEveryWorkerCount(
            {
                Stopping.Rule(
                    termination: t, epochs: [Int](repeating: Self.epochs, count: $0.count), hashes: $0, brackets: [], metric: "val_loss",
                    goal: .minimize)
            },
            runs: 16)
    }

    @Test func bracketsPromoteTheSameRunsAtOneTwoAndEightWorkers() throws {
        let t = EarlyTermination(mode: .brackets, minIter: nil, maxIter: nil, s: nil, eta: 3, strict: true)
        let brackets = Hyperband.brackets(maxBudget: Self.epochs, eta: 3)
        try Self.expectSameAtEveryWorkerCount(
            { hashes in
                Stopping.Rule(
                    termination: t, epochs: [Int](repeating: Self.epochs, count: hashes.count), hashes: hashes,
                    brackets: [(brackets[0], Array(0..<9)), (brackets[1], [0, 2, 4, 9, 10]), (brackets[2], [1, 11, 3])],
                    metric: "val_loss", goal: .minimize)
            }, runs: 12)
    }
}
