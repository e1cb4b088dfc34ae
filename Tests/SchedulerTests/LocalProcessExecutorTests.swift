import Foundation
import TestSupport
import Testing

@testable import Scheduler

/// The local executor against real processes: its wait sleeps until a process ends (not until
/// the timeout, not less), and polling reports how each ended.
@Suite struct LocalProcessExecutorTests {
    let log: String

    init() throws { log = try scratch(label: "executor") + "/run.log" }

    @Test func waitReturnsWhenAProcessEndsAndPollReportsHow() throws {
        let executor = LocalProcessExecutor(executable: "/bin/sh")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let slow = try executor.start(arguments: ["-c", "sleep 0.3; exit 3"], logPath: log)
        let long = try executor.start(arguments: ["-c", "sleep 60"], logPath: log)
        defer {
            executor.cancel(long, force: true)
            _ = executor.poll(long)
        }
        #expect(executor.poll(slow) == nil)
        let started = Date()
        var ended: ProcessExit?
        // Each wait returns once `slow` ended (long before the 60 s timeout), or early and
        // spuriously; either way a few waits see it end.
        for _ in 0..<5 where ended == nil {
            executor.wait(for: [slow, long], timeout: 60)
            ended = executor.poll(slow)
        }
        #expect(ended == .exited(3))
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(executor.poll(long) == nil)
        executor.cancel(long, force: true)
        executor.wait(for: [long], timeout: 60)
        #expect(executor.poll(long) == .signaled(SIGKILL))
    }
}
