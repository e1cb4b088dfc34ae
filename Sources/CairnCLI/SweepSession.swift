import ArgumentParser
import Determinism
import Foundation
import Planner
import Scheduler
import Tracker
import Vocabulary

/// Plans, records, runs and reports a sweep (or a single `cairn run`).
struct SweepSession {
    let file: String
    let options: ScheduleOptions

    func run() throws {
        let plan: Plan
        do { plan = try Planner.plan(file: file, overrides: options.overrides.values, dataDirectory: options.data.option) } catch let e
            as Planner.TooManyRuns
        {
            throw CLIError("\(file): \(e.description)")
        }
        for w in plan.warnings { Terminal.warn(w) }
        let tracker = try options.store.open(create: true)
        if options.dryRun {
            Terminal.line("\(plan.runs.count) runs planned (sweep \(plan.sweepHash.prefix(12))); --dry-run: nothing started")
            return
        }
        let block = plan.sweep?.executor
        let kind = options.cluster.executor ?? block?.kind ?? .local
        if kind == .local, let option = options.cluster.slurmOnly.first {
            throw CLIError("\(option) applies to --executor slurm (or executor: { type: slurm } in the sweep file); these runs are local")
        }
        if kind == .slurm, options.workers != nil {
            Terminal.warn("--workers: ignored on Slurm, whose queue (and --array-throttle) paces the runs")
        }
        switch kind {
        case .local:
            let local = LocalProcessExecutor(executable: CommandLine.executablePath)
            if plan.search != nil { return try runSearch(plan, tracker: tracker, executor: local) }
            try execute(plan, tracker: tracker, executor: local, live: [:])
        case .slurm:
            let slurm = try SlurmExecutor(executable: CommandLine.executablePath, tracker: tracker, options: slurmOptions(block))
            if plan.search != nil {
                if options.cluster.detach { throw CLIError("--detach: a bayes search plans each round from the last; it cannot detach") }
                return try runSearch(plan, tracker: tracker, executor: slurm)
            }
            // Runs earlier submissions still have queued or running: followed, not submitted again.
            try execute(plan, tracker: tracker, executor: slurm, live: try slurm.queued(runs: plan.runs.map(\.hash)))
        }
    }

    /// Claims the plan's runs (adopting `live` ones: a cluster still runs them for a
    /// submitter that is gone), runs them through `executor` and reports.
    func execute<E: Executor>(_ plan: Plan, tracker: Tracker, executor: E, live: [String: E.Handle]) throws {
        let prep = try RunClaims.take(plan, in: tracker, source: file, rerun: options.rerun, live: Set(live.keys))
        let fresh = prep.toRun.count - prep.resumed.count
        Terminal.line(
            "sweep \(plan.sweepHash.prefix(12)): \(plan.runs.count) runs — \(prep.cached.count) cached, \(prep.resumed.count) to resume, \(fresh) new"
                + (prep.adopted.isEmpty ? "" : ", \(prep.adopted.count) queued or running on Slurm (followed)")
                + (prep.elsewhere.isEmpty ? "" : ", \(prep.elsewhere.count) running in another cairn"))
        let varying = plan.varyingKeys
        let paramsOf = Dictionary(plan.runs.map { ($0.hash, $0.params) }, uniquingKeysWith: { a, _ in a })
        func label(_ hash: String) -> String {
            ([String(hash.prefix(12))] + varying.map { "\($0)=\(paramsOf[hash]?[$0].map(Table.cell) ?? "")" }).joined(separator: " ")
        }
        let interrupt = Interrupt()
        interrupt.install()
        let total = prep.toRun.count + prep.adopted.count + prep.elsewhere.count
        let scheduler = Scheduler(
            tracker: tracker, executor: executor, options: schedulerOptions(plan, runs: total, executor: executor), interrupt: interrupt)
        let epochs = Dictionary(plan.runs.map { ($0.hash, $0.spec.train.epochs) }, uniquingKeysWith: { a, _ in a })
        let progress = Progress(total: total, cached: prep.cached.count, epochs: epochs, label: label)
        let outcome = try scheduler.run(
            prep.toRun, adopting: prep.adopted.map { ($0, live[$0]!) }, following: prep.elsewhere, onEvent: progress.handle)
        progress.finish()
        if outcome.detached > 0, let slurm = executor as? SlurmExecutor {
            let jobs = slurm.jobIds.values.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }
            Terminal.line(
                "detached: \(outcome.detached) runs queued or running on Slurm (job\(jobs.count == 1 ? "" : "s") \(jobs.joined(separator: ", "))); "
                    + "run the same command again to follow them and report")
            if options.json {
                Terminal.line(
                    JSONValue.object([
                        "sweep_hash": .string(plan.sweepHash), "detached": .number(Double(outcome.detached)),
                        "jobs": .array(jobs.map(JSONValue.string)),
                    ]).canonical)
            }
            return
        }
        if outcome.wasInterrupted { Terminal.line("interrupted: run the same command again to resume") }
        try report(plan: plan, tracker: tracker, prep: prep, outcome: outcome)
        if outcome.wasInterrupted { throw ExitCode(130) }
        if outcome.paused > 0 {
            Terminal.line(
                "\(outcome.paused) runs are paused at a band or rung, waiting for runs this cairn could not finish: run the same command again"
            )
            throw ExitCode(1)
        }
        if outcome.failed > 0 { throw ExitCode(1) }
    }

    /// How runs go to Slurm: the command line's options over the sweep file's `executor:`.
    func slurmOptions(_ block: ExecutorBlock?) -> SlurmOptions {
        var o = SlurmOptions(
            partition: options.cluster.partition ?? block?.partition, timeLimit: options.timeout?.seconds ?? block?.time,
            throttle: options.cluster.throttle ?? block?.throttle,
            extraArguments: (block?.sbatchArguments ?? []) + options.cluster.sbatchArguments)
        o.cpusPerTask = options.threads.requested ?? 1
        return o
    }

    /// `runs`: how many this invocation may train, its own and those it may take over from a
    /// cairn that died (their leases lapse), which bounds the threads each may use. On a
    /// cluster every run is submitted at once (its queue and `--array-throttle` pace them),
    /// each with the threads asked for (one by default), and the time limit is Slurm's.
    func schedulerOptions<E: Executor>(_ plan: Plan, runs: Int, executor: E) -> SchedulerOptions {
        let cluster = executor is SlurmExecutor
        var o = SchedulerOptions(
            workers: cluster ? Int.max : options.workers ?? ProcessInfo.processInfo.activeProcessorCount,
            retries: options.retries, timeout: cluster ? nil : options.timeout?.seconds, dataDirectory: options.data.option,
            stopping: plan.stopping.map(StopGate.init))
        o.threads =
            cluster
            ? (options.threads.requested ?? 1) : ThreadBudget.perRun(requested: options.threads.requested, workers: o.workers, runs: runs)
        o.detach = options.cluster.detach
        return o
    }

    /// `method: bayes`: round after round, each planned from the results before it.
    func runSearch<E: Executor>(_ plan: Plan, tracker: Tracker, executor: E) throws {
        let search = plan.search!
        Terminal.line(
            "sweep \(plan.sweepHash.prefix(12)): bayes (\(search.model.rawValue)\(search.multivariate ? ", multivariate" : "")), "
                + "\(search.cap) runs in rounds of \(search.batch)")
        let interrupt = Interrupt()
        interrupt.install()
        let driver = ModelBasedSweep(
            tracker: tracker, executor: executor, options: schedulerOptions(plan, runs: search.batch, executor: executor),
            interrupt: interrupt)
        var paramsOf: [String: [String: JSONValue]] = [:]
        let keys = search.keys
        let progress = Progress(total: search.cap, cached: 0, epochs: [:]) { hash in
            ([String(hash.prefix(12))] + keys.map { "\($0)=\(paramsOf[hash]?[$0].map(Table.cell) ?? "")" }).joined(separator: " ")
        }
        progress.fallbackEpochs = plan.runs.first?.spec.train.epochs ?? 0
        let summary = try driver.run(plan, source: file, rerun: options.rerun) { e in
            if case .started(let hash, _) = e, paramsOf[hash] == nil, let r = try? tracker.run(hash) {
                paramsOf[hash] = Dictionary(
                    uniqueKeysWithValues: keys.map { k in (k, (try? JSONValue.parse(Array(r.config.utf8)))?.value(at: k) ?? .null) })
            }
            progress.handle(e)
        }
        progress.finish()
        let outcome = summary.outcome.total
        if outcome.wasInterrupted { Terminal.line("interrupted: run the same command again to resume (finished rounds are cached)") }
        Terminal.line("\(summary.suggestions.count) suggestions recorded in \(tracker.directory)/searches/\(plan.sweepHash).jsonl")
        try report(plan: summary.plan, tracker: tracker, prep: summary.claims, outcome: outcome)
        if outcome.wasInterrupted { throw ExitCode(130) }
        if outcome.failed > 0 { throw ExitCode(1) }
    }

    func report(plan: Plan, tracker: Tracker, prep: RunClaims, outcome: SchedulerOutcome) throws {
        let rows = try tracker.runs(RunQuery(sweep: plan.sweepHash))
        let (metric, goal) = plan.metric
        let worst = goal.maximizes ? -Double.infinity : .infinity
        let sorted = rows.sorted { goal.prefers($0.summaries[metric]?.final ?? worst, over: $1.summaries[metric]?.final ?? worst) }
        let varying = plan.varyingKeys
        // Runs that took more than one attempt say so, with the epoch each attempt started from.
        // (With early termination every paused run starts again: its epochs say more.)
        let budget = try plan.stopping.map { try EarlyTerminationBudget(rule: $0, tracker: tracker) }
        let retried = budget != nil ? [:] : try tracker.attempts(runs: rows.map(\.record.hash)).filter { $0.value.count > 1 }
        let cost = SweepCost(rows)
        let header =
            ["run", "status"] + varying + [metric, "best"] + (budget != nil ? ["epochs"] : [])
            + (cost.shown ? ["GFLOP", cost.energyHeader] : [])
            + (retried.isEmpty ? [] : ["attempts"])
        let table = sorted.map { r in
            [String(r.record.hash.prefix(12)), r.record.status.rawValue] + varying.map { r.params[$0].map(Table.cell) ?? "" }
                + [
                    r.summaries[metric]?.final.map { Table.decimal($0) } ?? "-",
                    r.summaries[metric]?.best(goal).map { Table.decimal($0) } ?? "-",
                ] + (budget.map { [$0.cell(r.record.hash)] } ?? []) + (cost.shown ? cost.cells(r) : [])
                + (retried.isEmpty ? [] : [retried[r.record.hash].map(AttemptText.short) ?? "1"])
        }
        Terminal.line("\n" + Table.render(header: header, rows: table))
        for line in StopText.lines(rows) { Terminal.line(line) }
        if let budget { Terminal.line(budget.summary) }
        if cost.shown { Terminal.line(cost.summary) }
        if let best = sorted.first, let value = best.summaries[metric]?.final {
            // What a person does next, with short prefixes (any unique prefix names a run).
            let store = options.store.directory.map { " --store \($0)" } ?? ""
            let run = String(best.record.hash.prefix(12))
            let sweep = String(plan.sweepHash.prefix(12))
            Terminal.line("\nbest: \(run) (\(metric) \(Table.decimal(value)))")
            Terminal.line("next:")
            let next = [
                ("cairn show \(run)\(store)", "the best run in full"),
                ("cairn compare --sweep \(sweep)\(store)", "every run of the sweep, with a chart"),
                ("cairn reproduce \(run)\(store)", "prove it trains to the same bytes"),
            ]
            let width = next.map(\.0.count).max() ?? 0
            for (command, what) in next {
                Terminal.line("  " + command.padding(toLength: width + 2, withPad: " ", startingAt: 0) + "# " + what)
            }
        }
        guard options.json else { return }
        var runs: [JSONValue] = []
        for r in rows {
            let final = try tracker.checkpoints(run: r.record.hash).last { $0.kinds.contains(.final) }
            runs.append([
                "hash": .string(r.record.hash), "status": .string(r.record.status.rawValue),
                "params": .object(r.params.filter { varying.contains($0.key) }),
                "metrics": .object(r.summaries.filter { $0.value.kind == .model }.compactMapValues { $0.final.map(JSONValue.number) }),
                "checkpoint_sha256": final.map { .string($0.object) } ?? .null,
            ])
        }
        let stopping: [String: JSONValue] = [
            "stopped": .number(Double(outcome.stopped)), "paused": .number(Double(outcome.paused)),
            "early_termination": budget.map { $0.json(best: sorted.first, metric: metric) } ?? .null,
        ]
        Terminal.line(
            JSONValue.object(
                stopping.merging([
                    "sweep_hash": .string(plan.sweepHash), "planned": .number(Double(plan.runs.count)),
                    "cached": .number(Double(prep.cached.count)),
                    "completed": .number(Double(outcome.completed)), "failed": .number(Double(outcome.failed)),
                    "diverged": .number(Double(outcome.diverged)), "interrupted": .number(Double(outcome.interrupted)),
                    "finished_elsewhere": .number(Double(outcome.finishedElsewhere)), "runs": .array(runs), "cost": cost.json,
                ]) { a, _ in a }
            ).canonical)
    }
}

/// What a sweep's runs cost, per run and in all: counted GFLOPs, energy (measured or
/// estimated, and labelled so) and CO₂e.
struct SweepCost {
    let rows: [RunRow]
    let measured: Bool
    var shown: Bool { rows.contains { $0.summaries["flops_total"] != nil } }

    init(_ rows: [RunRow]) {
        self.rows = rows
        measured = rows.contains { $0.summaries["energy_joules"] != nil }
    }

    func value(_ r: RunRow, _ key: String) -> Double? { r.summaries[key]?.final ?? r.summaries[key + "_estimate"]?.final }
    var energyHeader: String { measured ? "energy J" : "energy J (est.)" }
    func cells(_ r: RunRow) -> [String] {
        [
            value(r, "flops_total").map { String(format: "%.4g", $0 / 1e9) } ?? "-",
            value(r, "energy_joules").map { String(format: "%.1f", $0) } ?? "-",
        ]
    }
    var totals: (gflop: Double, joules: Double, grams: Double) {
        rows.reduce((0, 0, 0)) {
            ($0.0 + (value($1, "flops_total") ?? 0) / 1e9, $0.1 + (value($1, "energy_joules") ?? 0), $0.2 + (value($1, "co2e_grams") ?? 0))
        }
    }
    var summary: String {
        let t = totals
        return String(
            format: "cost: %.4g GFLOP counted, %.1f J %@, %.4f g CO₂e", t.gflop, t.joules,
            measured ? "measured (RAPL)" : "estimated from CPU time", t.grams)
    }
    var json: JSONValue {
        let t = totals
        return [
            "gflop": .number(t.gflop), "energy_joules": .number(t.joules), "energy_measured": .bool(measured),
            "co2e_grams": .number(t.grams),
        ]
    }
}

/// What early termination saved: the epochs the sweep's runs trained against what the same
/// plan trains without it (every run to its `train.epochs`).
struct EarlyTerminationBudget {
    let rule: Stopping.Rule
    let trained: [String: Int]
    let full: [String: Int]
    let stopped: Int

    init(rule: Stopping.Rule, tracker: Tracker) throws {
        self.rule = rule
        let states = try StopGate(rule: rule).states(tracker)
        trained = Dictionary(zip(rule.hashes, states.map(\.epochs)), uniquingKeysWith: { a, _ in a })
        full = Dictionary(zip(rule.hashes, rule.epochs), uniquingKeysWith: { a, _ in a })
        stopped = try tracker.runs(rule.hashes).filter { $0.status == .stopped }.count
    }

    var epochsTrained: Int { trained.values.reduce(0, +) }
    var epochsWithout: Int { rule.epochs.reduce(0, +) }

    func cell(_ hash: String) -> String {
        "\(trained[hash] ?? 0)/\(full[hash].map(String.init) ?? "?")"
    }

    var summary: String {
        let share = epochsWithout > 0 ? Double(epochsTrained) / Double(epochsWithout) * 100 : 0
        return "early termination (\(StopText.describe(rule))): \(stopped) of \(rule.hashes.count) runs stopped; "
            + "\(epochsTrained) epochs trained of the \(epochsWithout) the same plan trains without it (\(String(format: "%.0f", share))%)"
    }

    func json(best: RunRow?, metric: String) -> JSONValue {
        [
            "mode": .string(rule.termination.mode.rawValue), "stopped": .number(Double(stopped)),
            "epochs_trained": .number(Double(epochsTrained)), "epochs_without": .number(Double(epochsWithout)),
            "best_run": best.map { .string($0.record.hash) } ?? .null,
            "best_value": best?.summaries[metric]?.final.map(JSONValue.number) ?? .null,
        ]
    }
}
