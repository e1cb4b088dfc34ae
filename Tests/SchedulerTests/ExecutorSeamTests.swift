import Codecs
import Determinism
import Foundation
import TestSupport
import Testing
import Tracker
import Vocabulary

@testable import Scheduler

/// A second executor, in the test: its "processes" are scripted. Each writes its run's event
/// log directly and then exits with the scripted status, or hangs until cancelled. The
/// scheduler cannot tell: it sees only the seam.
final class ScriptedExecutor: Executor {
    enum Script {
        case complete, diverge
        case fail(Int32)
        case failOnce, hang
    }

    struct Handle {
        let hash: String
        let attempt: Int
    }

    let tracker: Tracker
    var scripts: [String: Script]
    var started: [(hash: String, attempt: Int)] = []
    var cancelled: [String: [Bool]] = [:]
    var tries: [String: Int] = [:]

    init(tracker: Tracker, scripts: [String: Script]) {
        self.tracker = tracker
        self.scripts = scripts
    }

    func start(arguments: [String], logPath: String) throws -> Handle {
        #expect(arguments.first == "exec")
        let hash = arguments[1]
        let attempt = Int(arguments[3])!
        started.append((hash, attempt))
        tries[hash, default: 0] += 1
        cancelled[hash] = nil  // a new process
        return Handle(hash: hash, attempt: attempt)
    }

    func write(_ hash: String, _ events: [RunEvent]) {
        let path = tracker.eventLogPath(hash)
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile()
        for e in events { h.write(Data(e.line())) }
        h.closeFile()
    }

    func poll(_ handle: Handle) -> ProcessExit? {
        let start = RunEvent.start(.init(attempt: handle.attempt, time: 1, provenance: nil))
        let metrics = RunEvent.metrics(.init(scope: .epoch, step: 10, epoch: 1, kind: .model, values: ["test_accuracy": 0.5]))
        switch scripts[handle.hash] ?? .complete {
        case .complete:
            write(handle.hash, [start, metrics, .end(.init(status: .completed, time: 2))])
            return .exited(0)
        case .diverge:
            write(handle.hash, [start, .end(.init(status: .diverged, time: 2, error: "nan"))])
            return .exited(0)
        case .fail(let code):
            write(handle.hash, [start])
            return .exited(code)
        case .failOnce:
            if tries[handle.hash] == 1 {
                write(handle.hash, [start])
                return .signaled(SIGKILL)
            }
            write(handle.hash, [start, metrics, .end(.init(status: .completed, time: 2))])
            return .exited(0)
        case .hang:
            return cancelled[handle.hash] != nil ? .signaled(SIGTERM) : nil
        }
    }

    func cancel(_ handle: Handle, force: Bool) {
        cancelled[handle.hash, default: []].append(force)
    }
}

@Suite struct ExecutorSeamTests {
    func store(_ n: Int) throws -> (Tracker, [String]) {
        let t = try Tracker(
            directory: try scratch(label: "sched"))
        let runs = (0..<n).map { i in
            TestRun(hash: sha256Hex([Array("seam \(i)".utf8)]), name: "r\(i)", canonicalSpec: "{}", params: [:])
        }
        try t.record(sweep: nil, runs: runs)
        for r in runs { #expect(try t.claim(run: r.hash, sawStatus: .planned, sawAttempts: 0)) }
        return (t, runs.map(\.hash))
    }

    @Test func outcomesRetriesAndTimeoutsThroughTheSeam() throws {
        let (t, h) = try store(5)
        let executor = ScriptedExecutor(
            tracker: t, scripts: [h[0]: .complete, h[1]: .diverge, h[2]: .fail(3), h[3]: .failOnce, h[4]: .hang])
        var options = Scheduler<ScriptedExecutor>.Options(workers: 2, retries: 1, timeout: 0.05)
        options.grace = 0.05
        var events: [String] = []
        let outcome = try Scheduler(tracker: t, executor: executor, options: options, interrupt: Interrupt()).run(h) { e in
            switch e {
            case .started(let hash, let attempt): events.append("start \(hash.prefix(4)) \(attempt)")
            case .finished(let hash, let status, _): events.append("\(status.rawValue) \(hash.prefix(4))")
            case .retrying(let hash, _, _): events.append("retry \(hash.prefix(4))")
            case .progress, .following, .attached: break
            }
        }
        #expect(outcome.completed == 2 && outcome.diverged == 1 && outcome.failed == 2)
        #expect(try t.run(h[0])?.status == .completed)
        #expect(try t.run(h[1])?.status == .diverged)
        // A failure is retried once (retries: 1), then recorded with its exit code.
        #expect(executor.tries[h[2]] == 2)
        #expect(try t.run(h[2])?.status == .failed && t.run(h[2])?.exitCode == 3)
        #expect(try t.run(h[3])?.status == .completed && t.run(h[3])?.attempts == 2)
        // The hanging run: SIGTERM at the timeout, for each of its two tries; failed, with the reason.
        #expect(executor.cancelled[h[4]]?.first == false)
        #expect(try t.run(h[4])?.status == .failed)
        let timeoutError = try t.run(h[4])?.error ?? ""
        #expect(timeoutError.hasPrefix("timed out after"), "\(timeoutError)")
        // Never more than two at once, and every run started before it finished.
        #expect(events.filter { $0.hasPrefix("start") }.count == executor.started.count)
        #expect(Set(executor.started.map(\.hash)) == Set(h))
    }

    @Test func anInterruptStopsLaunchingAndMarksTheRest() throws {
        let (t, h) = try store(4)
        let executor = ScriptedExecutor(tracker: t, scripts: Dictionary(uniqueKeysWithValues: h.map { ($0, .hang) }))
        let interrupt = Interrupt()
        var options = Scheduler<ScriptedExecutor>.Options(workers: 1)
        options.grace = 0.01
        var first = true
        let outcome = try Scheduler(tracker: t, executor: executor, options: options, interrupt: interrupt).run(h) { e in
            if case .started = e, first {
                first = false
                interrupt.raise()
            }
        }
        #expect(outcome.wasInterrupted && outcome.interrupted == 4 && outcome.completed == 0)
        #expect(executor.started.count == 1)
        for hash in h { #expect(try t.run(hash)?.status == .interrupted) }
    }
}
