import Codecs
import Determinism
import Foundation
import Scheduler
import TestSupport
import Testing
import Tracker

/// Whether a Slurm cluster answers here (`Tests/slurm/start-cluster.sh` starts one; `.ci/run`
/// does), and which job-array size it allows.
enum SlurmCluster {
    static let available: Bool = {
        guard let r = try? command("sinfo", ["-h", "-o", "%T"]), r.status == 0 else { return false }
        return r.stdout.split(separator: "\n").contains { ["idle", "mixed", "allocated"].contains(String($0)) }
    }()
    static let skipped: Comment = "no Slurm cluster answers `sinfo` here: start one with Tests/slurm/start-cluster.sh (as root)"

    /// Runs one of Slurm's commands (from PATH) to its end.
    static func command(_ tool: String, _ arguments: [String]) throws -> CairnProcess.Result {
        try CairnProcess.run([tool] + arguments, tool: "/usr/bin/env")
    }

    /// The job names a store's submissions used (`runs/slurm/<nonce>/`).
    static func jobNames(_ store: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(store)/slurm")) ?? []).map { "cairn-\($0)" }
    }

    /// The store's tasks Slurm lists in these states (`-t`), as `<job>_<task>`.
    static func tasks(_ store: String, states: String) throws -> [String] {
        let names = jobNames(store)
        guard !names.isEmpty else { return [] }
        let r = try command("squeue", ["-h", "-r", "-t", states, "--name=\(names.joined(separator: ","))", "-o", "%i"])
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// Every run the store's submissions gave a task to, once per submission.
    static func submittedRuns(_ store: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(store)/slurm")) ?? []).flatMap { nonce -> [String] in
            let text = (try? String(contentsOfFile: "\(store)/slurm/\(nonce)/tasks", encoding: .utf8)) ?? ""
            // Each line: the log's path, then `exec <hash> …`, single-quoted.
            return text.split(separator: "\n").map { line in
                String(line.split(separator: " ")[2].trimmingCharacters(in: ["'"]))
            }
        }
    }
}

/// The Slurm executor against a real Slurm (the single-node cluster of
/// `Tests/slurm/start-cluster.sh`: 8 CPUs advertised, partitions `low` and `high` with
/// preemption that requeues, MaxArraySize 256). One at a time: a preemption takes the node.
@Suite(.serialized, .enabled(if: SlurmCluster.available, SlurmCluster.skipped))
struct SlurmClusterTests {
    /// A sweep of `seeds` runs long enough (about 100 epochs of ~50 ms) to requeue, preempt or
    /// kill the submitter in.
    static func files(seeds: Int = 2, epochs: Int = 100) throws -> String {
        try ResumeTests.files(
            epochs: epochs, parameters: "  train.seed: { values: [\((0..<seeds).map(String.init).joined(separator: ", "))] }",
            trainSize: 20000, logEvery: 100)
    }

    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        try StoreCommandTests.waitUntil(seconds, condition)
    }

    /// Runs whose event logs hold at least `epochs` epoch states and no end.
    static func midway(_ store: String, _ hashes: [String], epochs: Int = 2) -> [String] {
        hashes.filter {
            let e = ResumeTests.events(store, $0)
            return ResumeTests.count(e, "resume") >= epochs && ResumeTests.count(e, "end") == 0
        }
    }

    static func runHashes(_ store: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(store)/specs")) ?? []).map { String($0.dropLast(".json".count)) }
    }

    @Test func theQuickstartSweepUnderSlurmWritesTheLocalExecutorsBytes() throws {
        let dir = try CairnProcess.temporaryDirectory()
        let slurm = try CairnProcess.run(["sweep", "sweeps/quickstart.yaml", "--executor", "slurm", "--store", "\(dir)/slurm", "--json"])
        #expect(slurm.status == 0, "\(slurm.stdout)\n\(slurm.stderr)")
        let local = try CairnProcess.run(["sweep", "sweeps/quickstart.yaml", "--store", "\(dir)/local", "--json"])
        let a = SweepCommandTests.runs(try SweepCommandTests.summary(slurm))
        let b = SweepCommandTests.runs(try SweepCommandTests.summary(local))
        #expect(a.count == 12 && Set(a.keys) == Set(b.keys))
        for (hash, run) in a {
            #expect(run["status"] as? String == "completed")
            #expect(run["checkpoint_sha256"] as? String == b[hash]?["checkpoint_sha256"] as? String, "\(hash.prefix(12))")
            #expect(
                NSDictionary(dictionary: run["metrics"] as? [String: Any] ?? [:]).isEqual(to: b[hash]?["metrics"] as? [String: Any] ?? [:]))
        }
        // One job array for the sweep, its log folder made before it was submitted.
        #expect(SlurmCluster.jobNames("\(dir)/slurm").count == 1)
        #expect(SlurmCluster.submittedRuns("\(dir)/slurm").sorted() == a.keys.sorted())
    }

    @Test func aTaskRequeuedWhileRunningResumesFromItsLastEpochWithIdenticalBytes() throws {
        let dir = try Self.files(seeds: 1)
        let store = "\(dir)/runs"
        let sweep = try CairnProcess.startCapturing(["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--store", store, "--json"])
        #expect(try Self.waitUntil(120) { !Self.midway(store, Self.runHashes(store)).isEmpty })
        let task = try #require(try SlurmCluster.tasks(store, states: "R").first)
        let requeue = try SlurmCluster.command("scontrol", ["requeue", task])
        #expect(requeue.status == 0, "\(requeue.stderr)")
        let r = try sweep.finish()
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let hash = try #require(Self.runHashes(store).first)
        let events = ResumeTests.events(store, hash)
        #expect(ResumeTests.count(events, "start") == 2)
        let second = events.filter { $0["type"] as? String == "start" }.last
        #expect(second?["attempt"] as? Int == 2)
        #expect((second?["resumed_from_epoch"] as? Int ?? 0) >= 2)
        ResumeTests.expectEachAttemptResumedFromTheLastState(events)
        try ResumeTests.expectSameAsUninterrupted(dir, store)
    }

    @Test func aRealPreemptionByAHighPriorityJobRequeuesAndThePreemptedRunsResumeWithIdenticalBytes() throws {
        let dir = try Self.files(seeds: 2)
        let store = "\(dir)/runs"
        let sweep = try CairnProcess.startCapturing(["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--store", store, "--json"])
        #expect(try Self.waitUntil(120) { Self.midway(store, Self.runHashes(store)).count == 2 })
        // A job in the high partition that needs all but one CPU of the node (the time-limit
        // test may hold that one): the low partition's tasks must go.
        let high = try SlurmCluster.command("sbatch", ["--parsable", "-p", "high", "-n", "7", "-o", "/dev/null", "--wrap", "sleep 1"])
        #expect(high.status == 0, "\(high.stderr)")
        let r = try sweep.finish()
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        // Slurm preempts as few as it must: one task or both, depending on what else runs.
        var preempted = 0
        for hash in Self.runHashes(store) {
            let events = ResumeTests.events(store, hash)
            #expect(ResumeTests.count(events, "end") == 1)
            #expect((1...2).contains(ResumeTests.count(events, "start")))
            if ResumeTests.count(events, "start") == 2 { preempted += 1 }
            ResumeTests.expectEachAttemptResumedFromTheLastState(events)
        }
        #expect(preempted >= 1)
        // Each preempted task's own output says what happened.
        let outputs = try FileManager.default.contentsOfDirectory(atPath: "\(store)/slurm").flatMap { nonce in
            try FileManager.default.contentsOfDirectory(atPath: "\(store)/slurm/\(nonce)").filter { $0.hasSuffix(".out") }.map {
                try String(contentsOfFile: "\(store)/slurm/\(nonce)/\($0)", encoding: .utf8)
            }
        }
        #expect(
            outputs.filter { $0.contains("stopped at its last epoch on SIGUSR1") && $0.contains("restart 1") }.count == preempted,
            "\(outputs)")
        try ResumeTests.expectSameAsUninterrupted(dir, store)
    }

    @Test func aSubmitterKilledWithSIGKILLIsReattachedWithoutSubmittingOrTrainingAnythingTwice() throws {
        let dir = try Self.files(seeds: 3, epochs: 60)
        let store = "\(dir)/runs"
        let args = ["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--store", store, "--json"]
        let first = try CairnProcess.startCapturing(args)
        // Killed once Slurm has the tasks (whether or not it lived to record the job's id).
        #expect(try Self.waitUntil(60) { try SlurmCluster.tasks(store, states: "all").count == 3 })
        kill(first.process.processIdentifier, SIGKILL)
        _ = try first.finish()
        let again = try CairnProcess.run(args)
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        #expect(again.stdout.contains("0 new"), "\(again.stdout)")
        // One submission, each run in it once, each trained once.
        #expect(SlurmCluster.jobNames(store).count == 1)
        #expect(SlurmCluster.submittedRuns(store).sorted() == Self.runHashes(store).sorted())
        for hash in Self.runHashes(store) {
            let events = ResumeTests.events(store, hash)
            #expect(ResumeTests.count(events, "start") == 1 && ResumeTests.count(events, "end") == 1)
        }
        // A third time: every run cached, nothing submitted.
        let third = try CairnProcess.run(args)
        #expect(third.stdout.contains("3 cached"), "\(third.stdout)")
        #expect(SlurmCluster.jobNames(store).count == 1)
    }

    @Test func aFollowerWhoseSubmitterDiesAdoptsItsQueuedTasksInsteadOfSubmittingThemAgain() throws {
        let dir = try Self.files(seeds: 3, epochs: 40)
        let store = "\(dir)/runs"
        // One task at a time: the others wait in the queue, with no process and no lease.
        let args = ["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--array-throttle", "1", "--store", store, "--json"]
        let a = try CairnProcess.startCapturing(args)
        #expect(try Self.waitUntil(60) { try SlurmCluster.tasks(store, states: "R").count == 1 })
        let b = try CairnProcess.startCapturing(args)
        #expect(
            try Self.waitUntil(60) { (try? String(contentsOfFile: b.outputPath, encoding: .utf8))?.contains("following") == true })
        kill(a.process.processIdentifier, SIGKILL)
        _ = try a.finish()
        let rb = try b.finish()
        #expect(rb.status == 0, "\(rb.stdout)\n\(rb.stderr)")
        #expect(rb.stdout.contains("attached"), "\(rb.stdout)")
        #expect(SlurmCluster.jobNames(store).count == 1, "nothing submitted again")
        for hash in Self.runHashes(store) { #expect(ResumeTests.count(ResumeTests.events(store, hash), "start") == 1) }
    }

    @Test func detachThenRunAgainFollowsTheJobsToTheSummary() throws {
        let dir = try Self.files(seeds: 2, epochs: 40)
        let store = "\(dir)/runs"
        let args = ["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--store", store]
        let detached = try CairnProcess.run(args + ["--detach", "--json"])
        #expect(detached.status == 0, "\(detached.stdout)\n\(detached.stderr)")
        let summary = try SweepCommandTests.summary(detached)
        #expect(summary["detached"] as? Int == 2)
        let again = try CairnProcess.run(args + ["--json"])
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        #expect(SweepCommandTests.runs(try SweepCommandTests.summary(again)).values.allSatisfy { $0["status"] as? String == "completed" })
        #expect(SlurmCluster.jobNames(store).count == 1, "nothing submitted again")
        try ResumeTests.expectSameAsUninterrupted(dir, store)
    }

    @Test func ctrlCCancelsEveryTaskOfTheSweep() throws {
        let dir = try Self.files(seeds: 3)
        let store = "\(dir)/runs"
        let sweep = try CairnProcess.startCapturing(["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--store", store])
        #expect(try Self.waitUntil(60) { try SlurmCluster.tasks(store, states: "R").count == 3 })
        kill(sweep.process.processIdentifier, SIGINT)
        let r = try sweep.finish()
        #expect(r.status == 130, "\(r.stdout)\n\(r.stderr)")
        // Gone from the queue by the time the submitter has returned (KillWait is 5 s).
        #expect(try SlurmCluster.tasks(store, states: "PD,R,CG,S,RQ").isEmpty)
        #expect(r.stdout.contains("interrupted"))
    }

    @Test func twoSubmittersRacingOnOneSweepSubmitEveryRunOnce() throws {
        let dir = try Self.files(seeds: 4, epochs: 20)
        let store = "\(dir)/runs"
        let args = ["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--store", store, "--json"]
        let a = try CairnProcess.startCapturing(args)
        let b = try CairnProcess.startCapturing(args)
        let ra = try a.finish()
        let rb = try b.finish()
        #expect(ra.status == 0 && rb.status == 0, "\(ra.stdout)\n\(ra.stderr)\n\(rb.stdout)\n\(rb.stderr)")
        #expect(SlurmCluster.submittedRuns(store).sorted() == Self.runHashes(store).sorted())
        for hash in Self.runHashes(store) { #expect(ResumeTests.count(ResumeTests.events(store, hash), "start") == 1) }
    }

    @Test func slurmRefusingTheJobIsOneLineQuotingItAndNothingIsLeftQueued() throws {
        let dir = try Self.files(seeds: 2)
        let store = "\(dir)/runs"
        let r = try CairnProcess.run(["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--partition", "nope", "--store", store])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("sbatch refused the job") && lines[0].contains("invalid partition"), "\(r.stderr)")
        #expect(try SlurmCluster.tasks(store, states: "all").isEmpty)
        // The runs were not left claimed: the next sweep takes them.
        let ls = try CairnProcess.run(["ls", "--store", store, "--json"])
        #expect(!ls.stdout.contains("\"queued\""), "\(ls.stdout)")
    }

    @Test func aTaskWhoseSpecIsDamagedFailsWithTheReasonFromItsLog() throws {
        let dir = try Self.files(seeds: 1, epochs: 5)
        let store = "\(dir)/runs"
        let args = ["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--store", store]
        // Held, so the spec can be damaged before the task starts.
        let detached = try CairnProcess.run(args + ["--detach", "--sbatch-arg=--hold"])
        #expect(detached.status == 0, "\(detached.stderr)")
        let hash = try #require(Self.runHashes(store).first)
        try "{}".write(toFile: "\(store)/specs/\(hash).json", atomically: true, encoding: .utf8)
        for task in try SlurmCluster.tasks(store, states: "PD") { _ = try SlurmCluster.command("scontrol", ["release", task]) }
        let r = try CairnProcess.run(args)
        #expect(r.status == 1)
        #expect(r.stdout.contains("exit code 1") && r.stdout.contains("its bytes do not hash to \(hash.prefix(12))"), "\(r.stdout)")
    }

    @Test func noSbatchOnPathIsOneLine() throws {
        let dir = try Self.files(seeds: 1)
        let r = try CairnProcess.run(
            ["sweep", "\(dir)/s.yaml", "--executor", "slurm", "--store", "\(dir)/runs"], environment: ["PATH": "/nonexistent"])
        #expect(r.status == 1)
        #expect(
            r.stderr
                == "error: sbatch: not found on PATH: --executor slurm needs Slurm's client commands (sbatch, squeue, scancel, scontrol)\n",
            "\(r.stderr)")
    }

    // MARK: The executor under the scheduler, with a stand-in for `cairn exec`

    /// A store with `n` recorded runs, and an executable that plays `cairn exec`: it logs a
    /// start, then does what `<store>/mode-<hash>` says (complete by default, `fail3`, `sleep`).
    static func standIn(_ n: Int) throws -> (Tracker, [String], String) {
        let t = try Tracker(directory: try scratch(label: "slurm-sched"))
        let runs = (0..<n).map { i in
            TestRun(hash: sha256Hex([Array("slurm \(i)".utf8)]), name: "r\(i)", canonicalSpec: "{}", params: [:])
        }
        try t.record(sweep: nil, runs: runs)
        for r in runs { #expect(try t.claim(run: r.hash, sawStatus: .planned, sawAttempts: 0)) }
        let start = String(decoding: RunEvent.start(.init(attempt: 1, time: 1, provenance: nil)).line(), as: UTF8.self)
        let metrics = String(
            decoding: RunEvent.metrics(.init(scope: .epoch, step: 1, epoch: 1, kind: .model, values: ["test_accuracy": 1])).line(),
            as: UTF8.self)
        let end = String(decoding: RunEvent.end(.init(status: .completed, time: 2)).line(), as: UTF8.self)
        let script = "\(t.directory)/fake-cairn"
        try """
        #!/bin/sh
        # exec <hash> --attempt N --store=DIR
        hash=$2
        store=${5#--store=}
        printf '%s' '\(start)' >> "$store/events/$hash.jsonl"
        case "$(cat "$store/mode-$hash" 2>/dev/null)" in
          fail3) echo "boom: this run fails on purpose"; exit 3 ;;
          sleep) sleep 600 ;;
        esac
        printf '%s%s' '\(metrics)' '\(end)' >> "$store/events/$hash.jsonl"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        return (t, runs.map(\.hash), script)
    }

    static func schedule(_ t: Tracker, _ hashes: [String], _ executor: SlurmExecutor) throws -> SchedulerOutcome {
        try Scheduler(tracker: t, executor: executor, options: SchedulerOptions(workers: Int.max), interrupt: Interrupt()).run(hashes) {
            _ in
        }
    }

    @Test func aTaskThatExits3IsFailedWithCode3AndItsLog() throws {
        let (t, h, script) = try Self.standIn(2)
        try "fail3".write(toFile: "\(t.directory)/mode-\(h[1])", atomically: true, encoding: .utf8)
        let executor = try SlurmExecutor(executable: script, tracker: t, options: SlurmOptions())
        let outcome = try Self.schedule(t, h, executor)
        #expect(outcome.completed == 1 && outcome.failed == 1)
        let failed = try #require(try t.run(h[1]))
        #expect(failed.status == .failed && failed.exitCode == 3)
        #expect(failed.error?.contains("boom: this run fails on purpose") == true, "\(failed.error ?? "")")
        #expect(try t.run(h[0])?.status == .completed)
    }

    @Test func aThousandTrivialRunsInArraysOfTheClustersMaxArraySize() throws {
        let (t, h, script) = try Self.standIn(1000)
        let executor = try SlurmExecutor(executable: script, tracker: t, options: SlurmOptions())
        let outcome = try Self.schedule(t, h, executor)
        #expect(outcome.completed == 1000)
        let config = try SlurmCluster.command("scontrol", ["show", "config"]).stdout
        let line = try #require(config.split(separator: "\n").first { $0.hasPrefix("MaxArraySize") })
        let size = try #require(Int(line.split(separator: "=").last!.trimmingCharacters(in: .whitespaces)))
        #expect(executor.calls["sbatch"] == (1000 + size - 1) / size)
        #expect(try t.runs(h).allSatisfy { $0.status == .completed })
    }
}

/// Slurm's time limits are whole minutes, checked every half minute: this one takes about
/// two, so it runs beside the suite above rather than after it, in the `high` partition,
/// where nothing preempts it (the preemption test's job leaves it its CPU).
@Suite(.enabled(if: SlurmCluster.available, SlurmCluster.skipped))
struct SlurmTimeLimitTests {
    @Test func aTaskThatHitsItsTimeLimitIsReportedAsTimedOut() throws {
        let (t, h, script) = try SlurmClusterTests.standIn(1)
        try "sleep".write(toFile: "\(t.directory)/mode-\(h[0])", atomically: true, encoding: .utf8)
        let executor = try SlurmExecutor(executable: script, tracker: t, options: SlurmOptions(partition: "high", timeLimit: 5))
        let outcome = try SlurmClusterTests.schedule(t, h, executor)
        #expect(outcome.failed == 1)
        let run = try #require(try t.run(h[0]))
        #expect(run.status == .failed)
        #expect(run.error?.hasPrefix("timed out: it hit its time limit (Slurm TIMEOUT)") == true, "\(run.error ?? "")")
    }
}
