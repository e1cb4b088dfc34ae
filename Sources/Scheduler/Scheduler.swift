import Foundation
import Tracker

/// Runs a list of runs, each as its own process through an `Executor`, with a pool of
/// `workers`, retries, timeouts and interruption; it ingests each run's event log (it is the
/// index's only writer) and reports what happens through `onEvent`. It never trains.
public final class Scheduler<E: Executor> {
    public typealias Options = SchedulerOptions
    public typealias Event = SchedulerEvent
    public typealias Outcome = SchedulerOutcome

    let tracker: Tracker
    let executor: E
    let options: Options
    let interrupt: Interrupt

    public init(tracker: Tracker, executor: E, options: Options, interrupt: Interrupt) {
        self.tracker = tracker
        self.executor = executor
        self.options = options
        self.interrupt = interrupt
    }

    struct Active {
        let hash: String
        let handle: E.Handle
        let attempt: Int
        /// Tries of this run in this invocation.
        let tries: Int
        let started: Date
        var termSentAt: Date?
        var killSent = false
        var timedOut = false
    }

    /// Runs `hashes` (already claimed: each `queued` with its attempt counted) and follows
    /// `elsewhere` (runs another live scheduler holds) until every one has a result, is
    /// failed, or Ctrl-C stops it: a followed run is ingested as its log grows, and taken over
    /// — claimed and run here, resuming from its last epoch — once no live process holds it.
    ///
    /// `adopting`: runs an earlier scheduler left running on a cluster, with their handles;
    /// they are followed as this scheduler's own (cancelled by Ctrl-C, retried if they fail).
    public func run(
        _ hashes: [String], adopting: [(hash: String, handle: E.Handle)] = [], following elsewhere: [String] = [],
        onEvent: (Event) -> Void
    ) throws -> Outcome {
        var queue: [(String, Int)] = hashes.map { ($0, 1) }
        // Each run's attempt number, as its claim counted it; a retry counts one more.
        let records = try tracker.runs(hashes + adopting.map(\.hash))
        var attempts = Dictionary(records.map { ($0.hash, $0.attempts) }, uniquingKeysWith: { a, _ in a })
        try tracker.writeSpecs(records)
        // Early termination: runs paused at a band or rung wait here for their decision; each
        // queued run trains to its next one.
        var parked: [String] = []
        var pauseAt = options.pauseAfter
        var continuing: Set<String> = []
        var outcome = Outcome()
        if options.stopping != nil {
            queue = []
            parked = hashes
            try decide(&parked, into: &queue, pauseAt: &pauseAt, continuing: &continuing, outcome: &outcome, onEvent: onEvent)
            continuing = []  // a claimed run's first start was counted by its claim
        } else {
            queue.reverse()  // pop from the end, first run first
        }
        var followed = elsewhere
        for hash in followed { onEvent(.following(hash: hash)) }
        var active: [Active] = adopting.map {
            Active(hash: $0.hash, handle: $0.handle, attempt: attempts[$0.hash] ?? 1, tries: 1, started: Date())
        }
        for a in active { onEvent(.attached(hash: a.hash)) }
        var lastIngest = Date.distantPast
        var lastLease = Date()
        var forcedAll = false
        var logSizes: [String: Int] = [:]
        while !queue.isEmpty || !active.isEmpty || (!followed.isEmpty && !outcome.wasInterrupted) {
            // Queued runs are this scheduler's: keep their leases fresh for other machines.
            if Date().timeIntervalSince(lastLease) > Lease.interval {
                lastLease = Date()
                // (And the started ones: on a cluster a started run may wait in its queue.)
                Lease.refresh((queue.map(\.0) + parked + active.map(\.hash)).map { tracker.leasePath($0) })
            }
            if interrupt.requested && !outcome.wasInterrupted {
                outcome.wasInterrupted = true
                executor.cancel(batch: active.map(\.handle), force: false)
                for i in active.indices { active[i].termSentAt = Date() }
                for (hash, _) in queue {
                    try tracker.interrupt(run: hash)
                    unlink(tracker.leasePath(hash))
                }
                outcome.interrupted += queue.count
                queue.removeAll()
                for hash in parked { unlink(tracker.leasePath(hash)) }  // paused: the next invocation goes on
                outcome.paused += parked.count
                parked.removeAll()
                followed.removeAll()  // they are their own scheduler's
            }
            if interrupt.forced && !forcedAll {
                forcedAll = true
                executor.cancel(batch: active.map(\.handle), force: true)
                for i in active.indices { active[i].killSent = true }
            }
            // Processes that ended are collected first and their slots refilled before their
            // logs are ingested: a worker never waits for the bookkeeping of the run before.
            var ended: [(Active, ProcessExit)] = []
            try executor.refresh(active.map(\.handle))
            var late: [E.Handle] = []  // past the grace period since their SIGTERM: SIGKILL, once
            var i = 0
            while i < active.count {
                if let timeout = options.timeout, !active[i].timedOut, Date().timeIntervalSince(active[i].started) > timeout {
                    executor.cancel(active[i].handle, force: false)
                    active[i].timedOut = true
                    active[i].termSentAt = Date()
                }
                if let t = active[i].termSentAt, !active[i].killSent, Date().timeIntervalSince(t) > options.grace {
                    late.append(active[i].handle)
                    active[i].killSent = true
                }
                // After the timeout check: a process may end right after its SIGTERM.
                guard let exit = executor.poll(active[i].handle) else {
                    i += 1
                    continue
                }
                // The process group may hold grandchildren that outlived it: end them too.
                executor.cancel(active[i].handle, force: true)
                ended.append((active.remove(at: i), exit))
            }
            if !late.isEmpty { executor.cancel(batch: late, force: true) }
            // The free slots' runs start together (on a cluster, one job array).
            var starting: [(hash: String, tries: Int, attempt: Int, invocation: ExecInvocation)] = []
            while active.count + starting.count < options.workers, let (hash, tries) = queue.popLast() {
                // A first try was counted by its claim; its process's start event marks it running.
                if tries > 1 || continuing.remove(hash) != nil {
                    try tracker.startRetry(run: hash)
                    // As the index counts them: a cluster may have restarted the run since
                    // (each requeue of its task is an attempt its log records).
                    attempts[hash] = try tracker.run(hash)?.attempts ?? (attempts[hash, default: 0] + 1)
                }
                let attempt = attempts[hash] ?? tries
                let invocation = ExecInvocation(
                    hash: hash, attempt: attempt, store: tracker.directory, dataDirectory: options.dataDirectory,
                    pauseAfter: pauseAt[hash], threads: options.threads)
                starting.append((hash, tries, attempt, invocation))
            }
            if !starting.isEmpty {
                let handles: [E.Handle]
                do {
                    handles = try executor.start(batch: starting.map { ($0.invocation.arguments, tracker.logPath($0.hash)) })
                } catch {
                    // Nothing of the batch was started: the runs go back to be claimed again.
                    for s in starting {
                        try tracker.interrupt(run: s.hash, reason: "not started: \(error)")
                        unlink(tracker.leasePath(s.hash))
                    }
                    throw error
                }
                for (s, handle) in zip(starting, handles) {
                    active.append(Active(hash: s.hash, handle: handle, attempt: s.attempt, tries: s.tries, started: Date()))
                    onEvent(.started(hash: s.hash, attempt: s.attempt))
                }
            }
            if options.detach && queue.isEmpty && ended.isEmpty {
                // Queued on the cluster: the next invocation re-attaches to them.
                outcome.detached = active.count
                return outcome
            }
            for (a, exit) in ended {
                let logged = try tracker.ingest(run: a.hash).status ?? tracker.run(a.hash)?.status
                var requeued = false
                defer { if !requeued { unlink(tracker.leasePath(a.hash)) } }
                if logged == .paused {
                    requeued = true
                    if outcome.wasInterrupted || options.stopping == nil {
                        onEvent(.finished(hash: a.hash, status: .paused, detail: nil))
                        outcome.paused += 1
                        unlink(tracker.leasePath(a.hash))
                    } else {
                        parked.append(a.hash)
                    }
                    continue
                }
                if logged == .completed || logged == .diverged {
                    if logged == .completed { outcome.completed += 1 } else { outcome.diverged += 1 }
                    try tracker.dropSupersededStates(run: a.hash)
                    onEvent(.finished(hash: a.hash, status: logged!, detail: nil))
                    continue
                }
                if logged == .failed {
                    // The log itself says the run failed (its attempts disagreed): no retry helps.
                    outcome.failed += 1
                    onEvent(.finished(hash: a.hash, status: .failed, detail: try tracker.run(a.hash)?.error))
                    continue
                }
                let reason = a.timedOut ? "timed out after \(String(format: "%g", options.timeout ?? 0)) s (\(exit))" : "\(exit)"
                let tail = Self.tail(tracker.logPath(a.hash), lines: 5)
                if outcome.wasInterrupted {
                    try tracker.interrupt(run: a.hash, reason: "interrupted")
                    outcome.interrupted += 1
                    onEvent(.finished(hash: a.hash, status: .interrupted, detail: nil))
                } else if a.tries <= options.retries {
                    onEvent(.retrying(hash: a.hash, attempt: a.attempt + 1, reason: reason))
                    requeued = true
                    try tracker.requeue(run: a.hash)
                    queue.append((a.hash, a.tries + 1))
                } else {
                    var code: Int?
                    var signal: Int?
                    if case .exited(let c) = exit { code = Int(c) }
                    if case .signaled(let s) = exit { signal = Int(s) }
                    try tracker.fail(run: a.hash, exitCode: code, signal: signal, error: reason + (tail.isEmpty ? "" : "\n" + tail))
                    outcome.failed += 1
                    onEvent(.finished(hash: a.hash, status: .failed, detail: reason + (tail.isEmpty ? "" : "\n" + tail)))
                }
            }
            // Every end can settle a band or a rung: the parked runs' decisions, in plan order.
            if !ended.isEmpty && !parked.isEmpty && !outcome.wasInterrupted {
                try decide(&parked, into: &queue, pauseAt: &pauseAt, continuing: &continuing, outcome: &outcome, onEvent: onEvent)
            }
            // Follow the running runs' logs (this scheduler's and the ones held elsewhere) for
            // progress, a few times a second: those whose log grew since the last look (a
            // stat each; a thousand runs waiting in a cluster's queue cost no index reads).
            if !(active.isEmpty && followed.isEmpty) && Date().timeIntervalSince(lastIngest) > 0.25 {
                lastIngest = Date()
                let grown = (active.map(\.hash) + followed).filter { hash in
                    let size = Self.size(tracker.eventLogPath(hash))
                    defer { logSizes[hash] = size }
                    return size != logSizes[hash]
                }
                let results = grown.isEmpty ? [:] : try tracker.ingest(runs: grown)
                for hash in grown where (results[hash]?.points ?? 0) > 0 {
                    let p = try tracker.progress(run: hash)
                    onEvent(.progress(hash: hash, epoch: p.epoch, loss: p.trainLoss))
                }
                // A run training past a rung of one bracket on its way to another's budget
                // settles that rung without pausing: its progress can free parked runs.
                if !parked.isEmpty && followed.isEmpty && !outcome.wasInterrupted && results.values.contains(where: { $0.points > 0 }) {
                    try decide(&parked, into: &queue, pauseAt: &pauseAt, continuing: &continuing, outcome: &outcome, onEvent: onEvent)
                }
                if !followed.isEmpty {
                    var adopted: [(hash: String, handle: E.Handle)] = []
                    let taken = try takeOver(
                        &followed, into: &queue, attempts: &attempts, adopted: &adopted, outcome: &outcome, onEvent: onEvent)
                    for a in adopted {
                        active.append(Active(hash: a.hash, handle: a.handle, attempt: attempts[a.hash] ?? 1, tries: 1, started: Date()))
                        onEvent(.attached(hash: a.hash))
                    }
                    parked += taken
                    if !parked.isEmpty {
                        try decide(&parked, into: &queue, pauseAt: &pauseAt, continuing: &continuing, outcome: &outcome, onEvent: onEvent)
                    }
                    continuing.subtract(taken)  // their claim counted this start
                }
            }
            // Until a process ends, or a twentieth of a second for timeouts, progress and
            // Ctrl-C; not at all while a retry waits for a free worker.
            if !active.isEmpty && (queue.isEmpty || active.count >= options.workers) {
                executor.wait(for: active.map(\.handle), timeout: 0.05)
            } else if active.isEmpty && queue.isEmpty && !followed.isEmpty {
                Thread.sleep(forTimeInterval: 0.05)  // only runs held elsewhere: look again soon
            }
        }
        // Runs still waiting for a decision that needs runs this invocation could not finish.
        for hash in parked { unlink(tracker.leasePath(hash)) }
        outcome.paused += parked.count
        return outcome
    }

    /// Early termination's decisions for the parked runs: to the queue (in plan order, each
    /// to its next band or rung), stopped, or left waiting.
    func decide(
        _ parked: inout [String], into queue: inout [(String, Int)], pauseAt: inout [String: Int], continuing: inout Set<String>,
        outcome: inout Outcome, onEvent: (Event) -> Void
    ) throws {
        guard let gate = options.stopping else { return }
        let decisions = try gate.decisions(tracker)
        var waiting: [String] = []
        var resumed: [String] = []
        for hash in parked {
            switch decisions[hash] ?? .done {
            case .train(let until):
                pauseAt[hash] = until < (gate.rule.epochs[gate.order(hash)]) ? until : nil
                resumed.append(hash)
            case .wait:
                waiting.append(hash)
            case .stop(let reason):
                guard try tracker.stop(run: hash, reason: reason) else {
                    // Its last epoch has no state to stop with: train that epoch again first.
                    pauseAt[hash] = try tracker.progress(run: hash).epoch
                    resumed.append(hash)
                    continue
                }
                try tracker.dropSupersededStates(run: hash)
                unlink(tracker.leasePath(hash))
                outcome.stopped += 1
                onEvent(.finished(hash: hash, status: .stopped, detail: reason))
            case .done:
                // Claimed with its epochs all trained but no end logged: one more start logs it.
                pauseAt[hash] = nil
                resumed.append(hash)
            }
        }
        parked = waiting
        for hash in resumed {
            // A paused run's next stretch is a new start of its process: one more attempt,
            // resuming from its state.
            continuing.insert(hash)
            // The queue pops from its end: keep it in reverse plan order, earliest run last.
            let i = queue.firstIndex { gate.order($0.0) < gate.order(hash) } ?? queue.endIndex
            queue.insert((hash, 1), at: i)
        }
    }

    /// Followed runs that have a result are done; those no live process holds any more are
    /// claimed (as they were seen, so of several followers one wins) and queued here — or,
    /// with early termination, returned, for its decision to place them.
    ///
    /// A run whose holders are gone but which a cluster still has queued or running (its
    /// task waits in the queue, or was requeued) is adopted with its handle, into `adopted`:
    /// submitting it again would train it twice.
    func takeOver(
        _ followed: inout [String], into queue: inout [(String, Int)], attempts: inout [String: Int],
        adopted: inout [(hash: String, handle: E.Handle)], outcome: inout Outcome, onEvent: (Event) -> Void
    ) throws -> [String] {
        var still: [String] = []
        var taken: [String] = []
        var free: [RunRecord] = []
        for run in try tracker.runs(followed) {
            if run.status.isResult || run.status == .failed {
                outcome.finishedElsewhere += 1
                if run.status == .failed { outcome.failed += 1 }
                onEvent(.finished(hash: run.hash, status: run.status, detail: "by another cairn" + (run.error.map { ": \($0)" } ?? "")))
            } else if tracker.isHeld(run) {
                still.append(run.hash)
            } else {
                free.append(run)
            }
        }
        let queued = free.isEmpty ? [:] : try executor.queued(runs: free.map(\.hash))
        for run in free {
            if let handle = queued[run.hash] {
                if try tracker.adopt(runs: [(run.hash, run.status, run.attempts, run.owner)]) == [run.hash] {
                    adopted.append((run.hash, handle))
                } else {
                    still.append(run.hash)  // another follower adopted it
                }
            } else if try tracker.claim(run: run.hash, sawStatus: run.status, sawAttempts: run.attempts) {
                attempts[run.hash] = run.attempts + 1
                try tracker.writeSpecs([run])
                if options.stopping != nil { taken.append(run.hash) } else { queue.insert((run.hash, 1), at: 0) }
            } else {
                still.append(run.hash)  // another follower took it: follow that one
            }
        }
        followed = still
        return taken
    }

    /// A file's size; -1 if there is none.
    static func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }

    /// The last lines of a file.
    static func tail(_ path: String, lines: Int) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }
}

/// How a `Scheduler` runs its runs.
public struct SchedulerOptions: Sendable {
    public var workers: Int
    public var retries: Int
    /// Seconds a run's process may take (nil: no limit).
    public var timeout: Double?
    /// Seconds between SIGTERM and SIGKILL.
    public var grace: Double = 3
    /// `--data-dir` for each run's process (see `ExecInvocation`).
    public var dataDirectory: String?
    /// Early termination: runs pause at its bands or rungs and go on, or stop, as it decides.
    public var stopping: StopGate?
    /// Without early termination: runs to pause at the end of a given epoch (a stopped
    /// run's reproduction trains to where it was stopped).
    public var pauseAfter: [String: Int] = [:]
    /// Threads each run's process trains with (see `ThreadBudget`).
    public var threads = 1
    /// Return once the first runs are started (a cluster's queue holds them; the next
    /// invocation re-attaches to them).
    public var detach = false
    public init(workers: Int, retries: Int = 0, timeout: Double? = nil, dataDirectory: String? = nil, stopping: StopGate? = nil) {
        self.stopping = stopping
        self.workers = workers
        self.retries = retries
        self.timeout = timeout
        self.dataDirectory = dataDirectory
    }
}

/// What happens to a scheduler's runs, as it happens.
public enum SchedulerEvent {
    case started(hash: String, attempt: Int)
    /// A run an earlier scheduler submitted to a cluster, still queued or running there:
    /// followed as this one's own (see `run(_:adopting:following:onEvent:)`).
    case attached(hash: String)
    /// A run another live scheduler holds: this one follows it until it has a result, or
    /// takes it over when its holders are gone.
    case following(hash: String)
    case progress(hash: String, epoch: Int, loss: Double?)
    case finished(hash: String, status: RunStatus, detail: String?)
    case retrying(hash: String, attempt: Int, reason: String)
}

/// What a scheduler's runs came to.
public struct SchedulerOutcome: Sendable {
    public var completed = 0, failed = 0, diverged = 0, interrupted = 0
    /// Runs early termination stopped, and runs left paused (their decision waits on runs
    /// another cairn holds, or Ctrl-C came first): the next invocation goes on with them.
    public var stopped = 0, paused = 0
    /// Followed runs that another cairn brought to a result (or to failure).
    public var finishedElsewhere = 0
    /// Runs left queued or running on a cluster by `detach`.
    public var detached = 0
    public var wasInterrupted = false
}

/// Ctrl-C and SIGTERM: the first asks the scheduler to stop launching and end its runs; a
/// second stops them at once.
public final class Interrupt: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    public func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { [weak self] in self?.raise() }
            s.resume()
            sources.append(s)
        }
    }

    public func raise() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    public var requested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return count >= 1
    }
    public var forced: Bool {
        lock.lock()
        defer { lock.unlock() }
        return count >= 2
    }
}
