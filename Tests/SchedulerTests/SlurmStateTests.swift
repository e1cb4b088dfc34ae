import Testing

@testable import Scheduler

/// What Slurm's states mean for a run, without a cluster (the cluster tests are in
/// EndToEndTests/SlurmClusterTests.swift).
@Suite struct SlurmStateTests {
    @Test(arguments: ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "SUSPENDED"])
    func queuedOrRunningHasNotEnded(_ state: String) {
        #expect(SlurmTaskState(state: state, status: 0).exit == nil)
    }

    @Test func exitCodesAndSignalsComeFromTheWaitStatus() {
        // squeue's exit_code is the raw wait status: exit code 3 is 768, SIGKILL is 9.
        #expect(SlurmTaskState(state: "COMPLETED", status: 0).exit == .exited(0))
        #expect(SlurmTaskState(state: "FAILED", status: 3 << 8).exit == .exited(3))
        #expect(SlurmTaskState(state: "FAILED", status: 9).exit == .signaled(9))
    }

    @Test func theClustersOwnEndsSayWhy() {
        let timeout = SlurmTaskState(state: "TIMEOUT", status: 15).exit
        #expect(timeout?.description == "timed out: it hit its time limit (Slurm TIMEOUT)")
        for state in ["CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "SOMETHING_NEW"] {
            guard case .cluster(let s, _, _)? = SlurmTaskState(state: state, status: 0).exit else {
                Issue.record("\(state) is not an end of the cluster's")
                continue
            }
            #expect(s == state)
        }
    }

    @Test func timeLimitsInSlurmsSyntax() {
        #expect(SlurmOptions.slurmTime(90) == "0-00:01:30")
        #expect(SlurmOptions.slurmTime(0.2) == "0-00:00:01")
        #expect(SlurmOptions.slurmTime(2 * 86400 + 3 * 3600 + 4 * 60 + 5) == "2-03:04:05")
    }

    @Test func theRunAndAttemptOfACommandLine() {
        let inv = ExecInvocation(hash: "abc", attempt: 4, store: "runs", dataDirectory: nil, pauseAfter: 3)
        let parsed = ExecInvocation.runAndAttempt(of: inv.arguments)
        #expect(parsed.hash == "abc" && parsed.attempt == 4)
    }

    @Test func bashQuoting() {
        #expect(SlurmExecutor.quote("a b") == "'a b'")
        #expect(SlurmExecutor.quote("it's") == "'it'\\''s'")
    }
}
