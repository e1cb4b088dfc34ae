import Foundation
import Tracker

/// How runs are submitted to Slurm: from the command line (`--partition`, `--time-limit`…)
/// or a sweep file's `executor:` block. None of it is part of a run's spec or its hash.
public struct SlurmOptions: Equatable, Sendable {
    /// `--partition`; nil: the cluster's default.
    public var partition: String?
    /// `--time` in seconds (rounded up to whole seconds); nil: the partition's default.
    public var timeLimit: Double?
    /// The array throttle, `%K`: at most K tasks of a job array run at once.
    public var throttle: Int?
    /// More `sbatch` arguments, as given (`--qos=long`, `--account=ml`…).
    public var extraArguments: [String] = []
    /// Seconds before the time limit that a task gets SIGUSR1 (`--signal=B:USR1@N`).
    public var warning = 90
    /// `--cpus-per-task`: the threads each run trains with.
    public var cpusPerTask = 1

    /// `warning`, but at most a quarter of the time limit: Slurm sends the signal as soon as
    /// less time than that is left, which for a short limit would be at once.
    var warningSeconds: Int {
        guard let t = timeLimit else { return warning }
        return max(1, min(warning, Int(t / 4)))
    }

    public init(partition: String? = nil, timeLimit: Double? = nil, throttle: Int? = nil, extraArguments: [String] = []) {
        self.partition = partition
        self.timeLimit = timeLimit
        self.throttle = throttle
        self.extraArguments = extraArguments
    }

    /// Slurm's `--time` syntax: minutes, or days-hours:minutes:seconds.
    static func slurmTime(_ seconds: Double) -> String {
        let s = max(1, Int(seconds.rounded(.up)))
        return String(format: "%d-%02d:%02d:%02d", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60)
    }
}

/// Runs each run as a task of a Slurm job array: `cairn exec` on a compute node, reading the
/// run's spec file and writing its event log and objects on the shared store (never the
/// index: the submitting cairn stays its only writer).
///
/// - **Submission**: one `sbatch --parsable --array=0-(n-1)[%K]` per chunk of the cluster's
///   `MaxArraySize`. Each chunk gets a nonce, recorded in the index with its runs *before*
///   it is submitted and used as the job's name (`cairn-<nonce>`), so a submitter that dies
///   between `sbatch` and recording the job id finds the job again (`squeue --name`). Its
///   folder (`runs/slurm/<nonce>/`: the task list, the job script, Slurm's own output) is
///   made before submitting: Slurm 22.05 does not create log folders, and a job whose
///   output cannot be opened fails without a word.
/// - **State**: one `squeue` for every job of the sweep per poll, at intervals that start at
///   a second and double to 16 s while nothing changes; `sacct` only for tasks `squeue` has
///   forgotten, and only where accounting is on ("accounting storage is disabled" is a
///   normal cluster). The run's event log, not Slurm's state, says whether it succeeded.
/// - **Preemption and requeue**: tasks are `--requeue`able and get SIGUSR1 `warning` seconds
///   before their time limit, and at preemption (`preempt_send_user_signal`). The job script
///   then stops the run (its last epoch's state is already in its log), requeues its task if
///   the run logged a new epoch in this attempt, and exits; the requeued task is the run's
///   next attempt (`--attempt` + `SLURM_RESTART_COUNT`) and resumes from that epoch,
///   byte-identical to a run that never stopped. A run that made no progress is left to meet
///   its time limit and is reported as timed out, rather than requeued for ever.
public final class SlurmExecutor: Executor {
    public struct Handle: Hashable, Sendable {
        public let nonce: String
        public let task: Int
    }

    /// The `cairn` binary, as the compute nodes see it.
    public let executable: String
    public let options: SlurmOptions
    let tracker: Tracker
    let tools: SlurmTools
    /// Each submission's array job id.
    public private(set) var jobIds: [String: String] = [:]
    /// Each submission's tasks not yet seen to end, and when it was made.
    private var submissions: [String: (unended: Int, at: Date)] = [:]
    /// The last `squeue` (and `sacct`) answer: a task's state by `<job>_<task>`.
    private var states: [String: SlurmTaskState] = [:]
    private var ended: Set<Handle> = []
    private var lastQuery = Date.distantPast
    private var failedQueries = 0
    /// Consecutive looks in which a task was not listed.
    private var misses: [Handle: Int] = [:]
    private var interval = SlurmExecutor.firstInterval
    /// What the cluster allows per array (`scontrol show config`), read at the first submission.
    private var maxArraySize: Int?
    /// Calls made, for tests and figures.
    public private(set) var calls: [String: Int] = [:]

    static let firstInterval = 1.0
    static let longestInterval = 16.0

    /// Fails at once, with one line, where Slurm's commands are not on PATH.
    public init(executable: String, tracker: Tracker, options: SlurmOptions) throws {
        self.executable = executable
        self.tracker = tracker
        self.options = options
        tools = try SlurmTools()
    }

    public func start(arguments: [String], logPath: String) throws -> Handle {
        try start(batch: [(arguments, logPath)])[0]
    }

    public func start(batch: [(arguments: [String], logPath: String)]) throws -> [Handle] {
        guard !batch.isEmpty else { return [] }
        let size = try arraySize()
        var handles: [Handle] = []
        var from = 0
        while from < batch.count {
            let chunk = Array(batch[from..<min(from + size, batch.count)])
            do {
                handles += try submit(chunk)
            } catch {
                // All or nothing: the arrays of this batch already queued are cancelled (their
                // records stay open until a later look sees their tasks ended).
                for nonce in Set(handles.map(\.nonce)) { _ = try? tools.run("scancel", ["--name=\(Self.jobName(nonce))"]) }
                throw error
            }
            from += chunk.count
        }
        // Something changed: look soon.
        interval = Self.firstInterval
        return handles
    }

    /// One job array: recorded, then submitted, then its id recorded.
    func submit(_ chunk: [(arguments: [String], logPath: String)]) throws -> [Handle] {
        let nonce = Self.nonce()
        let folder = "\(tracker.directory)/slurm/\(nonce)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let lines = chunk.map { ([$0.logPath] + $0.arguments).map(Self.quote).joined(separator: " ") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: "\(folder)/tasks"))
        try Data(jobScript(folder: folder).utf8).write(to: URL(fileURLWithPath: "\(folder)/job.sh"))
        let tasks = chunk.map { ExecInvocation.runAndAttempt(of: $0.arguments) }
        let job = ClusterJob(nonce: nonce, executor: "slurm", tasks: tasks)
        try tracker.record(clusterJob: job)
        submissions[nonce] = (chunk.count, job.submittedAt)
        var args = [
            "--parsable", "--job-name=\(Self.jobName(nonce))", "--array=0-\(chunk.count - 1)" + (options.throttle.map { "%\($0)" } ?? ""),
        ]
        args += ["--output=\(folder)/%a.out", "--open-mode=append", "--requeue", "--signal=B:USR1@\(options.warningSeconds)"]
        if options.cpusPerTask > 1 { args.append("--cpus-per-task=\(options.cpusPerTask)") }
        if let p = options.partition { args.append("--partition=\(p)") }
        if let t = options.timeLimit { args.append("--time=\(SlurmOptions.slurmTime(t))") }
        args += options.extraArguments
        args.append("\(folder)/job.sh")
        let result = try tools.run("sbatch", args)
        calls["sbatch", default: 0] += 1
        // --parsable prints "<jobid>" or "<jobid>;<cluster>" (a site's wrapper may print more first).
        let id = result.stdout.split(separator: "\n").last?.split(separator: ";").first.map(String.init) ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            // sbatch can fail after the controller took the job (a timed-out reply): cancel
            // by name whatever it queued. The record stays open, so a later submitter that
            // still finds the job by name follows it rather than submitting its runs again.
            _ = try? tools.run("scancel", ["--name=\(Self.jobName(nonce))"])
            throw ExecutorError("sbatch refused the job: \(Self.firstLine(result.stderr, or: result.stdout))")
        }
        try tracker.setClusterJobID(nonce: nonce, jobId: id)
        jobIds[nonce] = id
        return chunk.indices.map { Handle(nonce: nonce, task: $0) }
    }

    /// The batch script every task of a submission runs (see the type's comment).
    func jobScript(folder: String) -> String {
        let q = Self.quote
        return """
            #!/bin/bash
            # Written by cairn: task i of this job array trains the run on line i+1 of `tasks`
            # (its log's path, then the `cairn exec` arguments).
            # SIGUSR1 (the time limit is near, or the job is preempted): a run that logged an
            # epoch in this attempt stops now, to resume from that epoch, and its task is
            # requeued; one that did not goes on, to finish or to meet its time limit.
            child=
            warned=0
            trap 'if [ -n "$child" ] && [ "$(epochs)" != "$before" ]; then warned=1; kill -TERM "$child" 2>/dev/null; fi' USR1
            trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; exit 143' TERM
            epochs() { local n; n=$(grep -c '"type":"resume"' "$events" 2>/dev/null); echo "${n:-0}"; }
            tasks=\(q("\(folder)/tasks"))
            line=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$tasks")
            if [ -z "$line" ]; then echo "cairn: $tasks: no line for task $SLURM_ARRAY_TASK_ID" >&2; exit 1; fi
            eval "set -- $line"
            log=$1
            shift
            # A requeued task is the run's next attempt.
            args=()
            while [ $# -gt 0 ]; do
              if [ "$1" = --attempt ]; then args+=(--attempt "$(($2 + ${SLURM_RESTART_COUNT:-0}))"); shift 2
              else args+=("$1"); shift; fi
            done
            hash=${args[1]}
            events=\(q("\(tracker.directory)/events"))/$hash.jsonl
            before=$(epochs)
            echo "$(date '+%F %T') task $SLURM_ARRAY_TASK_ID (job $SLURM_JOB_ID, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname): run $hash"
            \(q(executable)) "${args[@]}" >>"$log" 2>&1 </dev/null &
            child=$!
            wait "$child"
            rc=$?
            # `wait` returns early when a trapped signal arrives: wait for the run itself.
            while [ $rc -gt 128 ] && kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
            if [ $warned = 1 ] && [ $rc != 0 ]; then
              echo "$(date '+%F %T') stopped at its last epoch on SIGUSR1: requeueing task $SLURM_ARRAY_TASK_ID"
              scontrol requeue "$SLURM_JOB_ID" || { echo "cairn: scontrol requeue failed: the run resumes when it is run again" >&2; exit 75; }
              exit 0
            fi
            exit $rc

            """
    }

    public func refresh(_ handles: [Handle]) throws {
        let open = handles.filter { !ended.contains($0) }
        guard !open.isEmpty, Date().timeIntervalSince(lastQuery) >= interval else { return }
        lastQuery = Date()
        let before = states
        let nonces = Set(open.map(\.nonce))
        do {
            states = try query(nonces: nonces)
            failedQueries = 0
        } catch {
            // A busy controller times out now and then: keep what was known, ask again later,
            // give up only when it keeps failing.
            failedQueries += 1
            interval = min(interval * 2, Self.longestInterval)
            if failedQueries >= 5 { throw error }
            return
        }
        // squeue forgets a job MinJobAge seconds after it ends: ask accounting about those.
        let forgotten = open.filter { h in jobIds[h.nonce].map { states["\($0)_\(h.task)"] == nil } ?? true }
        if !forgotten.isEmpty { states.merge(accounting(forgotten)) { a, _ in a } }
        for h in open {
            let listed = jobIds[h.nonce].map { states["\($0)_\(h.task)"] != nil } ?? false
            misses[h] = listed ? nil : (misses[h] ?? 0) + 1
        }
        interval = states == before ? min(interval * 2, Self.longestInterval) : Self.firstInterval
    }

    /// One `squeue` for every task of these submissions, finished ones included (`-t all`),
    /// in every partition (`-a`, hidden ones too).
    func query(nonces: Set<String>) throws -> [String: SlurmTaskState] {
        let names = nonces.sorted().map(Self.jobName).joined(separator: ",")
        let result = try tools.run(
            "squeue", ["-h", "-a", "-r", "-t", "all", "--name=\(names)", "-O", "JobArrayID:48,State:24,exit_code:12,Name:48"])
        calls["squeue", default: 0] += 1
        guard result.status == 0 else { throw ExecutorError("squeue failed: \(Self.firstLine(result.stderr, or: result.stdout))") }
        var out: [String: SlurmTaskState] = [:]
        for line in result.stdout.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard f.count >= 4 else { continue }
            out[f[0]] = SlurmTaskState(state: f[1], status: Int32(f[2]) ?? 0)
            // A job found by name whose id the submitter did not live to record.
            if let nonce = Self.nonce(ofJobName: f[3]), jobIds[nonce] == nil, let job = f[0].split(separator: "_").first {
                jobIds[nonce] = String(job)
                try? tracker.setClusterJobID(nonce: nonce, jobId: String(job))
            }
        }
        return out
    }

    /// `sacct` for tasks `squeue` no longer lists; empty where accounting is disabled.
    func accounting(_ handles: [Handle]) -> [String: SlurmTaskState] {
        guard tools.has("sacct") else { return [:] }
        let ids = Set(handles.compactMap { jobIds[$0.nonce] })
        guard !ids.isEmpty,
            let r = try? tools.run("sacct", ["-n", "-P", "-X", "-j", ids.sorted().joined(separator: ","), "-o", "JobID,State,ExitCode"]),
            r.status == 0
        else { return [:] }
        calls["sacct", default: 0] += 1
        var out: [String: SlurmTaskState] = [:]
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: "|").map(String.init)
            guard f.count == 3 else { continue }
            // "3:0" is exit code 3, "0:9" signal 9; "CANCELLED by 0" is CANCELLED.
            let parts = f[2].split(separator: ":").compactMap { Int32($0) }
            let status = parts.count == 2 ? (parts[0] << 8) | parts[1] : 0
            out[f[0]] = SlurmTaskState(state: String(f[1].split(separator: " ")[0]), status: status)
        }
        return out
    }

    public func poll(_ handle: Handle) -> ProcessExit? {
        if ended.contains(handle) { return nil }
        guard let job = jobIds[handle.nonce] else { return nil }
        guard let s = states["\(job)_\(handle.task)"] else {
            // Not listed three looks running, the first after it was submitted: long gone
            // (squeue forgot it, accounting is off). Its log decides.
            if (misses[handle] ?? 0) >= 3, let at = submissions[handle.nonce]?.at, lastQuery.timeIntervalSince(at) > 2 {
                return finish(
                    handle, .cluster(state: "UNKNOWN", exitCode: 0, meaning: "squeue no longer lists the task and accounting is off"))
            }
            return nil
        }
        guard let exit = s.exit else { return nil }
        return finish(handle, exit)
    }

    private func finish(_ handle: Handle, _ exit: ProcessExit) -> ProcessExit {
        ended.insert(handle)
        // A submission whose tasks have all been seen to end needs no more looking for.
        submissions[handle.nonce]?.unended -= 1
        if submissions[handle.nonce]?.unended == 0 { try? tracker.closeClusterJob(nonce: handle.nonce) }
        return exit
    }

    public func cancel(_ handle: Handle, force: Bool) { cancel(batch: [handle], force: force) }

    /// One `scancel` for all of them (`force`: SIGKILL to every process of the task).
    public func cancel(batch: [Handle], force: Bool) {
        let ids = batch.filter { !ended.contains($0) }.compactMap { h in jobIds[h.nonce].map { "\($0)_\(h.task)" } }
        guard !ids.isEmpty else { return }
        _ = try? tools.run("scancel", (force ? ["--signal=KILL", "--full"] : []) + ids)
        calls["scancel", default: 0] += 1
        interval = Self.firstInterval
    }

    /// Nothing can be seen to end before the next `squeue`: sleep until then, at most a
    /// quarter of a second (Ctrl-C, progress).
    public func wait(for handles: [Handle], timeout: Double) {
        let next = lastQuery.addingTimeInterval(interval).timeIntervalSinceNow
        Thread.sleep(forTimeInterval: max(0.001, min(max(next, timeout), 0.25)))
    }

    /// Of `runs`, those earlier submissions still have queued or running on the cluster (one
    /// `squeue` for every open submission): what a new submitter re-attaches to instead of
    /// submitting them again. A run in several (an earlier submitter retried it) is the
    /// latest one's. Submissions whose tasks have all ended are closed on the way.
    public func queued(runs: [String]) throws -> [String: Handle] {
        let wanted = Set(runs)
        let jobs = try tracker.openClusterJobs(executor: "slurm")
        guard !jobs.isEmpty else { return [:] }
        for j in jobs {
            if let id = j.jobId { jobIds[j.nonce] = id }
            submissions[j.nonce] = (j.tasks.count, j.submittedAt)
        }
        states = try query(nonces: Set(jobs.map(\.nonce)))
        lastQuery = Date()
        var out: [String: Handle] = [:]
        for j in jobs {
            let age = Date().timeIntervalSince(j.submittedAt)
            guard let id = jobIds[j.nonce] else {
                // Recorded but not found: never submitted (its submitter died first, or sbatch
                // failed), or still being submitted by a live one. Closed once surely stale.
                if age > 600 { try tracker.closeClusterJob(nonce: j.nonce) }
                continue
            }
            var alive = false
            for (i, t) in j.tasks.enumerated() {
                guard let s = states["\(id)_\(i)"], s.exit == nil else { continue }
                alive = true
                if wanted.contains(t.hash) { out[t.hash] = Handle(nonce: j.nonce, task: i) }
            }
            // Nothing queued or running (tasks squeue no longer lists ended long ago).
            if !alive && age > 60 { try tracker.closeClusterJob(nonce: j.nonce) }
        }
        return out
    }

    func arraySize() throws -> Int {
        if let m = maxArraySize { return m }
        let r = try tools.run("scontrol", ["show", "config"])
        calls["scontrol", default: 0] += 1
        guard r.status == 0 else { throw ExecutorError("scontrol show config failed: \(Self.firstLine(r.stderr, or: r.stdout))") }
        // "MaxArraySize = 1001": indices 0 to 1000 (the largest index is one less).
        var size = 1001
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("MaxArraySize") {
            if let v = line.split(separator: "=").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) { size = v }
        }
        maxArraySize = max(1, size)
        return maxArraySize!
    }

    static func jobName(_ nonce: String) -> String { "cairn-\(nonce)" }
    static func nonce(ofJobName name: String) -> String? { name.hasPrefix("cairn-") ? String(name.dropFirst(6)) : nil }
    static func nonce() -> String { (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined() }

    /// Single-quoted for bash.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func firstLine(_ a: String, or b: String) -> String {
        let text = a.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? b : a
        return text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "no message"
    }
}

/// A task's state as Slurm reports it, and what it means for the run.
struct SlurmTaskState: Equatable {
    let state: String
    /// The wait status (`squeue -O exit_code`): exit code << 8 | signal.
    let status: Int32

    /// Still queued or running (nil), or how it ended.
    var exit: ProcessExit? {
        let code = status >> 8
        let signal = status & 0x7F
        switch state {
        case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SUSPENDED",
            "STOPPED", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD", "SPECIAL_EXIT":
            return nil
        case "COMPLETED", "FAILED":
            return signal != 0 ? .signaled(signal) : .exited(code)
        case "TIMEOUT":
            return .cluster(state: state, exitCode: code, meaning: "timed out: it hit its time limit")
        case "CANCELLED":
            return .cluster(state: state, exitCode: code, meaning: "cancelled")
        case "PREEMPTED":
            return .cluster(state: state, exitCode: code, meaning: "preempted and not requeued")
        case "NODE_FAIL", "BOOT_FAIL":
            return .cluster(state: state, exitCode: code, meaning: "its node failed")
        case "OUT_OF_MEMORY":
            return .cluster(state: state, exitCode: code, meaning: "out of memory")
        case "DEADLINE":
            return .cluster(state: state, exitCode: code, meaning: "missed its deadline")
        default:
            return .cluster(state: state, exitCode: code, meaning: "ended")
        }
    }
}

/// Slurm's client commands, found on PATH once.
struct SlurmTools {
    let paths: [String: String]

    init() throws {
        var found: [String: String] = [:]
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for tool in ["sbatch", "squeue", "scancel", "scontrol", "sacct"] {
            if let dir = dirs.first(where: { access("\($0)/\(tool)", X_OK) == 0 }) { found[tool] = "\(dir)/\(tool)" }
        }
        for tool in ["sbatch", "squeue", "scancel", "scontrol"] where found[tool] == nil {
            throw ExecutorError(
                "\(tool): not found on PATH: --executor slurm needs Slurm's client commands (sbatch, squeue, scancel, scontrol)")
        }
        paths = found
    }

    func has(_ tool: String) -> Bool { paths[tool] != nil }

    /// Runs a tool to its end; its stdout and stderr.
    func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: paths[tool]!)
        p.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // stderr in the background, so neither pipe can fill while the other is read.
        nonisolated(unsafe) var errData = Data()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
