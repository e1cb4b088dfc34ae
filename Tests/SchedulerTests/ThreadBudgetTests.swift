import Scheduler
import Testing

@Suite struct ThreadBudgetTests {
    @Test func workersTimesThreadsNeverExceedTheCores() {
        // A sweep with at least as many runs as cores: one thread per run.
        #expect(ThreadBudget.perRun(requested: nil, workers: 2, runs: 12, cores: 2) == 1)
        #expect(ThreadBudget.perRun(requested: 4, workers: 2, runs: 12, cores: 2) == 1)
        // A single run may use every core; fewer runs than workers share them.
        #expect(ThreadBudget.perRun(requested: nil, workers: 1, runs: 1, cores: 2) == 2)
        #expect(ThreadBudget.perRun(requested: nil, workers: 8, runs: 2, cores: 8) == 4)
        #expect(ThreadBudget.perRun(requested: 3, workers: 8, runs: 2, cores: 8) == 3)
        #expect(ThreadBudget.perRun(requested: nil, workers: 4, runs: 0, cores: 2) == 2)
        // More workers than cores: still one thread, never zero.
        #expect(ThreadBudget.perRun(requested: nil, workers: 6, runs: 6, cores: 2) == 1)
        for cores in 1...8 {
            for workers in 1...8 {
                for runs in 1...8 {
                    let t = ThreadBudget.perRun(requested: 64, workers: workers, runs: runs, cores: cores)
                    #expect(t >= 1 && (t == 1 || min(workers, runs) * t <= cores))
                }
            }
        }
    }

    @Test func theVariableIsReadWhenTheOptionIsAbsent() {
        #expect(ThreadBudget.requested(nil, environment: ["CAIRN_THREADS": "3"]) == 3)
        #expect(ThreadBudget.requested(2, environment: ["CAIRN_THREADS": "3"]) == 2)
        #expect(ThreadBudget.requested(nil, environment: ["CAIRN_THREADS": "lots"]) == nil)
        #expect(ThreadBudget.requested(nil, environment: ["CAIRN_THREADS": "0"]) == nil)
        #expect(ThreadBudget.requested(nil, environment: [:]) == nil)
    }
}
