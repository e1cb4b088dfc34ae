import Determinism
import Foundation
import GRDB
import GRDBSQLite
import Vocabulary

extension Tracker {
    /// How the error of a run whose attempts logged different values begins.
    package static let nondeterminism = "not deterministic:"
    package struct IngestResult: Sendable, Equatable {
        package var events = 0
        package var points = 0
        /// The run's status after ingest, if the log said anything about it.
        package var status: RunStatus?

        mutating func add(_ other: IngestResult) {
            events += other.events
            points += other.points
            if let s = other.status { status = s }
        }
    }

    /// Ingests the run's event log from where the last ingest stopped. Idempotent: ingesting
    /// the same events again changes nothing. A log cut off mid-line (a crash) is ingested up to
    /// its last complete line.
    @discardableResult
    package func ingest(run hash: String) throws -> IngestResult {
        try ingest(runs: [hash])[hash] ?? IngestResult()
    }

    /// Ingests several runs' logs, in batches of about `batchLines` lines (across runs); each
    /// transaction also records how far into each log it got, so an interrupted ingest resumes
    /// where its last commit left off.
    package func ingest(runs hashes: [String], batchLines: Int = 10_000) throws -> [String: IngestResult] {
        func size(_ path: String) -> Int {
            var st = stat()
            return stat(path, &st) == 0 ? Int(st.st_size) : 0
        }
        func known(_ db: Database) throws -> [String: RunRecord] {
            var byHash: [String: RunRecord] = [:]
            for hash in hashes {
                guard let run = try RunRecord.fetch(db, hash: hash) else { throw StoreError("no run \(hash) in the store") }
                byHash[hash] = run
            }
            return byHash
        }
        var results: [String: IngestResult] = [:]
        // Small logs (a scheduler following its runs, several times a second, and ingesting
        // each as it ends): where each log stands, its new lines and their effects, all in one
        // write transaction.
        if hashes.reduce(0, { $0 + size(eventLogPath($1)) }) < 1 << 20 {
            return try db.write { db in
                var batches: [[Pending]] = []
                try readBatches(hashes: hashes, runs: try known(db), batchLines: batchLines) { batches.append($0) }
                for b in batches { for (hash, r) in try apply(b, in: db) { results[hash, default: IngestResult()].add(r) } }
                return results
            }
        }
        // Large ones are parsed on a second thread, a batch ahead of the writes, one
        // transaction per batch.
        let byHash = try db.read(known)
        let handoff = Handoff<[Pending]>(capacity: 2)
        let reader = Thread { [self] in
            do {
                try self.readBatches(hashes: hashes, runs: byHash, batchLines: batchLines) { handoff.put(.success($0)) }
                handoff.finish()
            } catch {
                handoff.put(.failure(error))
                handoff.finish()
            }
        }
        reader.start()
        var failure: Error?
        while let next = handoff.take() {
            guard failure == nil else { continue }  // drain, so the reader can finish
            do {
                for (hash, r) in try apply(try next.get()) { results[hash, default: IngestResult()].add(r) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return results
    }

    /// Reads and parses logs from each run's recorded offset into batches of about `batchLines`
    /// complete lines.
    func readBatches(hashes: [String], runs: [String: RunRecord], batchLines: Int, emit: ([Pending]) -> Void) throws {
        var pending: [Pending] = []
        var pendingLines = 0
        for hash in hashes {
            let run = runs[hash]!
            guard let handle = FileHandle(forReadingAtPath: eventLogPath(hash)) else { continue }
            try handle.seek(toOffset: UInt64(run.ingestedBytes))
            let data = try handle.readToEnd() ?? Data()
            try? handle.close()
            var events: [RunEvent] = []
            var consumed = 0
            var batchStart = run.ingestedBytes
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let bytes = raw.bindMemory(to: UInt8.self)
                var start = 0
                while let nl = bytes[start...].firstIndex(of: 0x0A) {
                    let line = UnsafeBufferPointer(rebasing: bytes[start..<nl])
                    do { events.append(try RunEvent.parse(line)) } catch {
                        throw StoreError("\(eventLogPath(hash)), byte \(run.ingestedBytes + start): not a valid event: \(error)")
                    }
                    start = nl + 1
                    consumed = start
                    if pendingLines + events.count >= batchLines {
                        pending.append(
                            Pending(
                                hash: hash, runId: run.id!, events: events, startOffset: batchStart, endOffset: run.ingestedBytes + consumed
                            ))
                        batchStart = run.ingestedBytes + consumed
                        emit(pending)
                        pending = []
                        pendingLines = 0
                        events.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !events.isEmpty {
                pending.append(
                    Pending(hash: hash, runId: run.id!, events: events, startOffset: batchStart, endOffset: run.ingestedBytes + consumed))
                pendingLines += events.count
            }
        }
        if !pending.isEmpty { emit(pending) }
    }

    struct Pending: Sendable {
        let hash: String
        let runId: Int64
        let events: [RunEvent]
        /// Where in the log these events start: applied only if the index is still there (two
        /// processes ingesting one log must not apply an older batch over a newer one).
        let startOffset: Int
        let endOffset: Int
    }

    /// One batch in one transaction: metrics, checkpoints, status, summaries, and each log's
    /// offset. Every statement is prepared once per batch: a thousand small runs cost more in
    /// SQL compilation and Codable records than in their points.
    func apply(_ batch: [Pending]) throws -> [String: IngestResult] {
        try db.write { db in try apply(batch, in: db) }
    }

    func apply(_ batch: [Pending], in db: Database) throws -> [String: IngestResult] {
        var results: [String: IngestResult] = [:]
        var points = try PointInsert(db)
        let readRun = try db.cachedStatement(
            sql: "SELECT status, attempts, startedAt, finishedAt, error, ingestedBytes, resumeObject FROM run WHERE id = ?")
        let updateRun = try db.cachedStatement(
            sql: """
                UPDATE run SET status = ?, attempts = ?, startedAt = ?, finishedAt = ?, error = ?, ingestedBytes = ?, resumeObject = ?
                WHERE id = ?
                """)
        let saveAttempt = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO attempt (runId, attempt, resumedFromEpoch, startedAt, host) VALUES (?, ?, ?, ?, ?)")
        let saveState = try db.cachedStatement(sql: "INSERT OR IGNORE INTO resumeState (runId, object) VALUES (?, ?)")
        let lastStep = try db.cachedStatement(
            sql: "SELECT max(point.step) FROM point JOIN series ON series.id = point.seriesId WHERE series.runId = ?")
        let endProvenance = try db.cachedStatement(sql: "UPDATE provenance SET endedAt = ? WHERE runId = ?")
        let saveProvenance = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO provenance (runId, \(Provenance.columns.joined(separator: ", ")), startedAt, endedAt)
                VALUES (?, \(Provenance.columns.map { _ in "?" }.joined(separator: ", ")), ?, NULL)
                """)
        let saveCheckpoint = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO checkpoint (runId, object, step, epoch, kinds, rawSize, storedSize) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        for part in batch {
            let runId = part.runId
            var result = IngestResult()
            guard let row = try Row.fetchOne(readRun, arguments: [runId]) else { throw StoreError("run \(part.hash) vanished") }
            guard (row["ingestedBytes"] as Int) == part.startOffset else { continue }  // another ingest got here first
            var metrics = try RunMetrics(db, runId: runId)
            var status: RunStatus = row["status"]
            var attempts: Int = row["attempts"]
            var error: String? = row["error"]
            var startedAt: Date? = row["startedAt"]
            var finishedAt: Date? = row["finishedAt"]
            var resumeObject: String? = row["resumeObject"]
            // A later attempt logs again what the one before it had logged of the epoch it died
            // in: up to this step, its model points must equal the stored ones, bit for bit.
            var checkedUntil: Int?
            var mismatch = status == .failed && (error?.hasPrefix(Tracker.nondeterminism) ?? false) ? error : nil
            for event in part.events {
                result.events += 1
                switch event {
                case .start(let s):
                    status = .running
                    attempts = max(attempts, s.attempt)
                    startedAt = Date(timeIntervalSince1970: s.time)
                    finishedAt = nil
                    result.status = .running
                    if let p = s.provenance {
                        try saveProvenance.execute(arguments: StatementArguments([runId] + p.values + [startedAt]))
                    }
                    try saveAttempt.execute(arguments: [runId, s.attempt, s.resumedFromEpoch, startedAt, s.provenance?.host])
                    if s.attempt > 1 {
                        try points.flush()
                        checkedUntil = try Int.fetchOne(lastStep, arguments: [runId])
                    }
                case .metrics(let m):
                    let epochScope = m.scope == .epoch
                    if mismatch == nil, m.kind == .model, let until = checkedUntil, m.step <= until {
                        for (key, value) in m.values.sorted(by: { $0.key < $1.key }) {
                            guard let old = try metrics.stored(key: key, epochScope: epochScope, step: m.step),
                                old?.bitPattern != value?.bitPattern
                            else { continue }
                            func show(_ v: Double?) -> String { v.map { JSONValue.ecmaScriptString($0) } ?? "null" }
                            mismatch =
                                "\(Tracker.nondeterminism) \(key) at step \(m.step) (\(m.scope.rawValue)) was \(show(old)) "
                                + "in an earlier attempt and \(show(value)) in attempt \(attempts)"
                            break
                        }
                    }
                    for (key, value) in m.values {
                        try metrics.add(
                            key: key, epochScope: epochScope, step: m.step, epoch: m.epoch, value: value, kind: m.kind, into: &points)
                    }
                    result.points += m.values.count
                case .resume(let r):
                    resumeObject = r.object
                    try saveState.execute(arguments: [runId, r.object])
                case .checkpoint(let c):
                    try saveCheckpoint.execute(arguments: [
                        runId, c.object, c.step, c.epoch, CheckpointKind.label(c.kinds), c.rawSize, c.storedSize,
                    ])
                case .end(let e):
                    status = e.status
                    finishedAt = Date(timeIntervalSince1970: e.time)
                    error = e.error
                    result.status = e.status
                    // A result supersedes every resume state; a pause or a stop keeps its state to go on from.
                    if e.status != .paused && e.status != .stopped { resumeObject = nil }
                    try endProvenance.execute(arguments: [finishedAt, runId])
                }
            }
            if let mismatch {
                status = .failed
                error = mismatch
                result.status = .failed
            }
            try metrics.save()
            try updateRun.execute(arguments: [status, attempts, startedAt, finishedAt, error, part.endOffset, resumeObject, runId])
            results[part.hash, default: IngestResult()].add(result)
        }
        // Points of every run in the batch go in before the commit (nothing reads them sooner).
        try points.flush()
        return results
    }

    /// Ingests every event log in the store (of runs recorded in the index); returns the
    /// number of runs and events ingested.
    @discardableResult
    package func ingestAll(batchLines: Int = 10_000) throws -> (runs: Int, events: Int) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/events")) ?? []
        let hashes = files.filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(6)) }.sorted()
        let known = try db.read { db in try String.fetchSet(db, RunRecord.select(Column("hash")).filter(hashes.contains(Column("hash")))) }
        let runs = hashes.filter(known.contains)
        let results = try ingest(runs: runs, batchLines: batchLines)
        return (runs.count, results.values.reduce(0) { $0 + $1.events })
    }
}

/// The ingest's one hot statement, bound through SQLite's C API on GRDB's own prepared
/// statement: GRDB's generic argument boxing costs more than the insert itself. The SQL is a
/// constant; values are bound, never pasted.
struct PointInsert {
    let single: Statement
    /// One statement inserting `Self.rows` points: SQLite's per-statement overhead, paid once
    /// for many rows.
    let multi: Statement
    static let rows = 64
    /// Points waiting for a full statement: seriesId, step, epoch, value.
    var pending: [(Int64, Int, Int, Double?)] = []

    init(_ db: Database) throws {
        single = try db.cachedStatement(sql: "INSERT OR REPLACE INTO point (seriesId, step, epoch, value) VALUES (?, ?, ?, ?)")
        multi = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO point (seriesId, step, epoch, value) VALUES "
                + Array(repeating: "(?, ?, ?, ?)", count: Self.rows).joined(separator: ", "))
        pending.reserveCapacity(Self.rows)
    }

    mutating func append(series: Int64, step: Int, epoch: Int, value: Double?) throws {
        pending.append((series, step, epoch, value))
        if pending.count == Self.rows { try flush() }
    }

    /// Writes the waiting points: full statements, then one row at a time. Rows keep their
    /// order, so a later point at the same (series, step) still replaces an earlier one.
    mutating func flush() throws {
        var start = 0
        while pending.count - start >= Self.rows {
            try execute(multi, pending[start..<(start + Self.rows)])
            start += Self.rows
        }
        for p in pending[start...] { try execute(single, [p][...]) }
        pending.removeAll(keepingCapacity: true)
    }

    private func execute(_ statement: Statement, _ points: ArraySlice<(Int64, Int, Int, Double?)>) throws {
        let st = statement.sqliteStatement
        sqlite3_reset(st)
        var i: Int32 = 1
        for (series, step, epoch, value) in points {
            sqlite3_bind_int64(st, i, series)
            sqlite3_bind_int64(st, i + 1, Int64(step))
            sqlite3_bind_int64(st, i + 2, Int64(epoch))
            if let value, value.isFinite { sqlite3_bind_double(st, i + 3, value) } else { sqlite3_bind_null(st, i + 3) }
            i += 4
        }
        let rc = sqlite3_step(st)
        guard rc == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(st))))
        }
    }
}

/// A run's metric keys as ingest meets them: each key's series (one per scope) and its
/// summary, found with one dictionary lookup per point.
///
/// A summary holds the final value (at the highest step) and the extremes. End-of-epoch
/// points take precedence: once a key has one, its summary covers epoch points only (a
/// `train_loss` summary is of the epoch means).
struct RunMetrics {
    struct Key {
        let name: String
        var stepSeries: Int64?
        var epochSeries: Int64?
        var summary: SummaryRecord?
        /// Whether `summary` was built from epoch points.
        var summaryOfEpochs = false
        var changed = false
    }

    let db: Database
    let runId: Int64
    private var index: [String: Int] = [:]
    private var keys: [Key] = []

    init(_ db: Database, runId: Int64) throws {
        self.db = db
        self.runId = runId
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, key, scope FROM series WHERE runId = ?"), arguments: [runId]) {
            let k = slot(row["key"])
            if (row["scope"] as MetricScope) == .epoch { keys[k].epochSeries = row["id"] } else { keys[k].stepSeries = row["id"] }
        }
        let summaries = try db.cachedStatement(sql: "SELECT key, kind, final, finalStep, min, max FROM summary WHERE runId = ?")
        for r in try Row.fetchAll(summaries, arguments: [runId]) {
            let k = slot(r["key"])
            keys[k].summary = SummaryRecord(
                runId: runId, key: r["key"], kind: r["kind"], final: r["final"], finalStep: r["finalStep"],
                min: r["min"], max: r["max"])
            keys[k].summaryOfEpochs = keys[k].epochSeries != nil
        }
    }

    /// The value already stored for a key at a step (`.some(nil)`: stored as null), or nil
    /// when there is none.
    func stored(key name: String, epochScope: Bool, step: Int) throws -> Double?? {
        guard let k = index[name], let series = epochScope ? keys[k].epochSeries : keys[k].stepSeries else { return nil }
        let select = try db.cachedStatement(sql: "SELECT value FROM point WHERE seriesId = ? AND step = ?")
        guard let row = try Row.fetchOne(select, arguments: [series, step]) else { return nil }
        return .some(row["value"] as Double?)
    }

    private mutating func slot(_ name: String) -> Int {
        if let k = index[name] { return k }
        index[name] = keys.count
        keys.append(Key(name: name))
        return keys.count - 1
    }

    /// Queues the point for `points` and updates the key's summary.
    mutating func add(
        key name: String, epochScope: Bool, step: Int, epoch: Int, value: Double?, kind: MetricKind,
        into points: inout PointInsert
    ) throws {
        let k = slot(name)
        let series: Int64
        if let id = epochScope ? keys[k].epochSeries : keys[k].stepSeries {
            series = id
        } else {
            let insert = try db.cachedStatement(sql: "INSERT INTO series (runId, key, scope, kind) VALUES (?, ?, ?, ?)")
            try insert.execute(arguments: [runId, name, epochScope ? MetricScope.epoch : MetricScope.step, kind])
            series = db.lastInsertedRowID
            if epochScope { keys[k].epochSeries = series } else { keys[k].stepSeries = series }
        }
        try points.append(series: series, step: step, epoch: epoch, value: value)

        if keys[k].summary != nil, keys[k].summaryOfEpochs != epochScope {
            if keys[k].summaryOfEpochs { return }  // step points never override epoch points
            keys[k].summary = nil  // epoch points replace step points
        }
        keys[k].summaryOfEpochs = epochScope
        keys[k].changed = true
        if keys[k].summary == nil {
            keys[k].summary = SummaryRecord(runId: runId, key: name, kind: kind, final: nil, finalStep: -1, min: nil, max: nil)
        }
        if step >= keys[k].summary!.finalStep {
            keys[k].summary!.final = value
            keys[k].summary!.finalStep = step
        }
        if let value, value.isFinite {
            keys[k].summary!.min = Swift.min(keys[k].summary!.min ?? value, value)
            keys[k].summary!.max = Swift.max(keys[k].summary!.max ?? value, value)
        }
    }

    /// Writes the summaries that changed.
    func save() throws {
        let st = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO summary (runId, key, kind, final, finalStep, min, max) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for key in keys where key.changed {
            let r = key.summary!
            try st.execute(arguments: [r.runId, r.key, r.kind, r.final, r.finalStep, r.min, r.max])
        }
    }
}

/// A bounded hand-over from one producer thread to one consumer: `put` waits while
/// `capacity` items are waiting; `take` waits for an item and returns nil once the producer
/// has finished and everything was taken.
final class Handoff<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Result<T, Error>] = []
    private var done = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func put(_ item: Result<T, Error>) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    func take() -> Result<T, Error>? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !done { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }
}
