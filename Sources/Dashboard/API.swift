import Determinism
import Foundation
import Hummingbird
import Synchronization
import Tracker
import Vocabulary

/// The JSON the pages read. Each function is a route's whole work: parse, ask the Tracker, shape.
final class API: Sendable {
    let tracker: Tracker
    let live: LiveUpdates
    /// The default columns of each sweep's table (by sweep hash; "" for all runs), and the
    /// store's generation they were found at: a change empties the whole table.
    private let columns = Mutex<(generation: Int, bySweep: [String: [String]])>((-1, [:]))

    init(tracker: Tracker, live: LiveUpdates) {
        self.tracker = tracker
        self.live = live
    }

    /// The params that vary across a sweep's runs (or all runs): the table's default columns.
    /// They depend on the sweep, not on the filter, so that filtering and sorting keep the
    /// columns in place; and they change only when the store does, so they are kept until the
    /// store's next change (at 10,000 runs they cost ~180 ms to find, a page ~20 ms to read).
    func defaultColumns(sweep: String?) throws -> [String] {
        let generation = live.generation
        let key = try sweep.map { try tracker.sweep($0).hash } ?? ""
        let kept = columns.withLock { c -> [String]? in
            if c.generation != generation { c = (generation, [:]) }
            return c.bySweep[key]
        }
        if live.watching, let kept { return kept }
        let params = Array(try tracker.varyingParamKeys(RunQuery(sweep: sweep)).prefix(12))
        columns.withLock { if $0.generation == generation { $0.bySweep[key] = params } }
        return params
    }

    // MARK: Runs

    /// A page of the runs table, with its total, its columns and the equivalent `cairn ls`.
    func runs(_ listing: RunsListing) async throws -> JSONValue {
        // The total is counted on another of the pool's readers while this one reads the page.
        let counting = Task.detached { [tracker] in try tracker.count(listing.query(limited: false)) }
        defer { counting.cancel() }
        let page = try badInput {
            let names = try tracker.names()
            let listed = names.metrics.filter { !MetricName.isPerClass($0) }
            let columns =
                try listing.columns.map { cols in
                    (params: cols.filter(names.params.contains), metrics: cols.filter(listed.contains))
                } ?? (
                    params: try defaultColumns(sweep: listing.sweep),
                    metrics: RunExport.listedMetrics.filter(names.metrics.contains)
                )
            var q = listing.query()
            q.metrics = Set(columns.metrics + (listing.sort.map { [$0] } ?? []))
            return (columns: columns, names: names, listed: listed, rows: try tracker.runs(q))
        }
        let total: Int
        do { total = try await counting.value } catch { throw Self.badRequest(error) }
        let (columns, names, listed, rows) = page
        return [
            "total": .number(Double(total)), "offset": .number(Double(listing.offset)), "limit": .number(Double(listing.limit)),
            "command": .string(listing.command), "sort": listing.sort.map(JSONValue.string) ?? .null,
            "dir": .string(listing.descending ? "desc" : "asc"),
            "columns": [
                "params": .array(columns.params.map(JSONValue.string)), "metrics": .array(columns.metrics.map(JSONValue.string)),
            ],
            "names": ["params": .array(names.params.map(JSONValue.string)), "metrics": .array(listed.map(JSONValue.string))],
            "goals": .object(Dictionary(uniqueKeysWithValues: listed.map { ($0, .string(Goal.of($0).maximizes ? "max" : "min")) })),
            "rows": .array(rows.map(Self.row)),
        ]
    }

    /// A listed run: the export's fields, its duration and its reproduction's badge.
    static func row(_ r: RunRow) -> JSONValue {
        guard case .object(var o) = RunExport.json(r) else { return .null }
        let seconds = r.record.startedAt.flatMap { start in r.record.finishedAt.map { $0.timeIntervalSince(start) } }
        o["seconds"] = seconds.map(JSONValue.number) ?? .null
        o["badge"] = r.reproduction.map { .string($0.badge) } ?? .null
        o["checked"] = r.reproduction.map { .string($0.sentence) } ?? .null
        return .object(o)
    }

    // MARK: Sweeps

    func sweeps() throws -> JSONValue {
        .array(try tracker.sweeps().map(Self.sweep))
    }

    static func sweep(_ s: SweepListing) -> JSONValue {
        [
            "hash": .string(s.record.hash), "source": .string(s.record.source), "metric": s.record.metric.map(JSONValue.string) ?? .null,
            "goal": s.record.goal.map(JSONValue.string) ?? .null, "created_at": .number(s.record.createdAt.timeIntervalSince1970),
            "runs": .number(Double(s.runs)),
            "statuses": .object(Dictionary(uniqueKeysWithValues: s.statuses.map { ($0.key.rawValue, .number(Double($0.value))) })),
        ]
    }

    /// One sweep: summary, best run, every run's varying params and metric (what parallel
    /// coordinates and the scatter draw), and its seed groups as `--aggregate seed` gives them.
    func sweep(_ prefix: String) throws -> JSONValue {
        let record = try notFound { try tracker.sweep(prefix) }
        let known = try tracker.names().metrics
        let metric = record.metric ?? RunExport.listedMetrics.first(where: known.contains) ?? "val_accuracy"
        let rows = try tracker.runs(RunQuery(sweep: record.hash, params: .all, metrics: [metric], configs: false))
        let goal = record.goal.flatMap(Goal.init(rawValue:)) ?? Goal.of(metric)
        let keys = JSONValue.varyingKeys(rows.map(\.params))
        let best = rows.compactMap { r in r.summaries[metric]?.final.map { (row: r, value: $0) } }
            .min { goal.prefers($0.value, over: $1.value) || ($0.value == $1.value && $0.row.record.hash < $1.row.record.hash) }
        let groups = SeedGroup.sorted(SeedGroup.group(rows), by: metric)
        return [
            "sweep": Self.sweep(SweepListing(record: record, statuses: rows.reduce(into: [:]) { $0[$1.record.status, default: 0] += 1 })),
            "definition": .string(record.definition), "metric": .string(metric),
            "goal": .string(goal.maximizes ? "max" : "min"), "params": .array(keys.map(JSONValue.string)),
            "best": best.map {
                [
                    "hash": .string($0.row.record.hash), "value": .number($0.value),
                    "params": .object($0.row.params.filter { keys.contains($0.key) }),
                ]
            } ?? .null,
            "runs": .array(
                rows.map { r in
                    [
                        "hash": .string(r.record.hash), "status": .string(r.record.status.rawValue),
                        "params": .object(r.params.filter { keys.contains($0.key) }),
                        "value": r.summaries[metric]?.final.map(JSONValue.number) ?? .null,
                        "badge": r.reproduction.map { .string($0.badge) } ?? .null,
                    ]
                }),
            "seed_groups": SeedGroup.json(groups, metrics: [metric]),
            "seeded": .bool(groups.contains { $0.runs.count > 1 }),
            "command": .string("cairn ls --sweep \(record.hash.prefix(12)) --aggregate seed --sort \(RunsListing.shellQuoted(metric))"),
        ]
    }

    // MARK: One run

    /// A run in full (`cairn show --json`), its curves, its per-class accuracies and its log's tail.
    func run(_ prefix: String) throws -> JSONValue {
        let hash = try resolve(prefix)
        let detail = try RunDetail(tracker, run: hash, histories: Self.mayBeCurve)
        guard case .object(var o) = detail.json else { return .null }
        let curves = Self.curves(detail.history)
        o["curves"] = .object(curves.mapValues(Self.points))
        o["curve_kinds"] = .object(curves.compactMapValues { $0.first.map { .string($0.kind.rawValue) } })
        // `<split>_accuracy_class_<k>`, by split, in class order.
        var perClass: [String: [(k: Int, v: Double)]] = [:]
        for (key, s) in detail.row.summaries {
            let parts = key.split(separator: "_")
            guard parts.count == 4, parts[1] == "accuracy", parts[2] == "class", let k = Int(parts[3]), let v = s.final else { continue }
            perClass[String(parts[0]), default: []].append((k, v))
        }
        o["per_class"] = .object(
            perClass.mapValues { .array($0.sorted { $0.k < $1.k }.map { ["class": .number(Double($0.k)), "accuracy": .number($0.v)] }) })
        o["log_tail"] = .string(Self.tail(of: detail.logPath))
        o["checked"] = detail.row.reproduction.map { .string($0.sentence) } ?? .null
        o["badge"] = detail.row.reproduction.map { .string($0.badge) } ?? .null
        return .object(o)
    }

    /// The metrics worth a curve: model and machine metrics recorded over time, not the
    /// per-class detail (a table) or single values.
    static func curves(_ history: [String: [MetricPoint]]) -> [String: [MetricPoint]] {
        history.filter { mayBeCurve($0.key) && $0.value.count > 1 }
    }

    /// Whether a metric's history can be a curve (per-class detail is a table): the only
    /// histories the run and compare pages read.
    static func mayBeCurve(_ key: String) -> Bool { !MetricName.isPerClass(key) }

    /// Points as `[step, epoch, value, 1 if end of epoch]`.
    static func points(_ points: [MetricPoint]) -> JSONValue {
        .array(
            points.compactMap { p in
                p.value.map {
                    .array([.number(Double(p.step)), .number(Double(p.epoch)), .number($0), .number(p.scope == .epoch ? 1 : 0)])
                }
            })
    }

    /// The last 40 lines of a log (read from its last 64 KiB).
    static func tail(of path: String, lines: Int = 40) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let text = String(decoding: (try? h.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1).joined(separator: "\n")
    }

    // MARK: Compare

    static let maxCompared = 100

    /// Several runs: the params that differ, every metric's curves, and for two runs their diff.
    func compare(_ prefixes: [String]) throws -> JSONValue {
        guard prefixes.count <= Self.maxCompared else {
            throw Failure(.badRequest, "at most \(Self.maxCompared) runs can be compared at once, not \(prefixes.count)")
        }
        var hashes: [String] = []
        for p in prefixes {
            let h = try resolve(p)
            if !hashes.contains(h) { hashes.append(h) }
        }
        let rows = try tracker.runs(RunQuery(hashes: hashes, configs: false))
        let keys = JSONValue.varyingKeys(rows.map(\.params))
        let curveKeys = Set(rows.flatMap(\.summaries.keys)).filter(Self.mayBeCurve)
        let history = try tracker.history(runs: hashes, keys: curveKeys.sorted())
        var curves: [String: [String: JSONValue]] = [:]
        for (hash, metrics) in history {
            for (key, points) in Self.curves(metrics) { curves[key, default: [:]][hash] = Self.points(points) }
        }
        var o: [String: JSONValue] = [
            "runs": .array(
                rows.map { r in
                    [
                        "hash": .string(r.record.hash), "name": .string(r.record.name), "status": .string(r.record.status.rawValue),
                        "params": .object(r.params.filter { keys.contains($0.key) }),
                        "badge": r.reproduction.map { .string($0.badge) } ?? .null,
                    ]
                }),
            "params": .array(keys.map(JSONValue.string)), "metrics": .array(curves.keys.sorted().map(JSONValue.string)),
            "curves": .object(curves.mapValues { .object($0) }), "diff": .null,
        ]
        if hashes.count == 2 {
            let d = try tracker.diff(hashes[0], hashes[1])
            o["diff"] = [
                "config": .array(d.config.map { ["key": .string($0.key), "a": $0.a ?? .null, "b": $0.b ?? .null] }),
                "metrics": .array(
                    d.metrics.map {
                        [
                            "key": .string($0.key), "final_a": $0.finalA.map(JSONValue.number) ?? .null,
                            "final_b": $0.finalB.map(JSONValue.number) ?? .null,
                            "first_different_epoch": $0.firstDifferentEpoch.map { .number(Double($0)) } ?? .null,
                        ]
                    }),
                "checkpoints_identical": .bool(d.checkpointsIdentical),
                "final_checkpoint_a": d.finalCheckpointA.map(JSONValue.string) ?? .null,
                "final_checkpoint_b": d.finalCheckpointB.map(JSONValue.string) ?? .null,
            ]
        }
        return .object(o)
    }

    // MARK: Tags and notes

    func tag(_ prefix: String, add: [String], remove: [String]) throws -> JSONValue {
        let hash = try resolve(prefix)
        try badInput { try tracker.tag(runs: [hash], add: add, remove: remove) }
        return ["hash": .string(hash), "tags": .array(try tracker.tags(run: hash).map(JSONValue.string))]
    }

    func note(_ prefix: String, _ note: String?) throws -> JSONValue {
        let hash = try resolve(prefix)
        let text = note.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        guard (text?.utf8.count ?? 0) <= 64 * 1024 else { throw Failure(.badRequest, "a note is at most 64 KiB") }
        try tracker.setNote(run: hash, text)
        return ["hash": .string(hash), "note": text.map(JSONValue.string) ?? .null]
    }

    // MARK: Errors

    /// The one run a prefix names; an unknown or ambiguous prefix is a 404 that says so (and
    /// lists the candidates), in the CLI's words.
    func resolve(_ prefix: String) throws -> String { try notFound { try tracker.resolve(prefix) } }

    func notFound<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as Tracker.StoreError { throw Failure(.notFound, e.description) }
    }

    func badInput<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw Self.badRequest(error) }
    }

    /// A query's errors (a malformed or unknown name in `where`, a bad sort) as 400s.
    static func badRequest(_ error: Error) -> Error {
        switch error {
        case let e as Tracker.StoreError: Failure(.badRequest, e.description)
        case let e as Filter.ParseError: Failure(.badRequest, e.description)
        default: error
        }
    }
}
