import Codecs
import Determinism
import Foundation
import GRDB

/// The store: an SQLite index (WAL mode, through GRDB) and a content-addressed object store
/// beside it, plus each run's event log and output.
///
///     runs/cairn.sqlite          index
///     runs/objects/ab/cdef….gz   objects, named by the SHA-256 of their uncompressed bytes
///     runs/events/<hash>.jsonl   a run's event log, the source the index is ingested from
///     runs/logs/<hash>.log       a run's stdout and stderr
///
/// Readers never block the writer: several processes can read while one writes.
///
///     let tracker = try Tracker(directory: "runs")
///     try tracker.ingest(run: hash)
public final class Tracker: Sendable {
    public let directory: String
    public let objects: ObjectStore
    let db: DatabasePool

    public struct StoreError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public init(directory: String) throws {
        self.directory = directory
        let fm = FileManager.default
        do {
            for sub in ["", "/events", "/logs", "/objects", "/leases"] {
                try fm.createDirectory(atPath: directory + sub, withIntermediateDirectories: true)
            }
        } catch {
            throw StoreError("\(directory): cannot create the store: \((error as NSError).localizedDescription)")
        }
        objects = try ObjectStore(directory: "\(directory)/objects")
        var config = Configuration()
        config.busyMode = .timeout(30)
        // WAL with synchronous = NORMAL: a commit is not fsynced, so a power cut can lose the
        // last transactions but never corrupts the index. Nothing is lost for good: the event
        // logs (which the run's process fsyncs) are the source, and ingest is idempotent.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536") }
        do {
            // Two processes opening a new store at once would both create its tables (and
            // both switch it to WAL): opening and migrating happen under an exclusive lock.
            let lock = open("\(directory)/.lock", O_RDWR | O_CREAT, 0o644)
            defer { if lock >= 0 { flock(lock, LOCK_UN); close(lock) } }
            if lock >= 0 { flock(lock, LOCK_EX) }
            db = try DatabasePool(path: "\(directory)/cairn.sqlite", configuration: config)
            try Schema.migrator.migrate(db)
        } catch let e as DatabaseError {
            // SQLite says only "unable to open database file" when it cannot write (WAL mode
            // needs to, even to read): name the cause when it is the directory.
            if access(directory, W_OK) != 0 {
                throw StoreError("\(directory): the store is not writable: \(String(cString: strerror(errno)))")
            }
            throw StoreError("\(directory)/cairn.sqlite: \(e.message ?? e.description)")
        }
    }

    public func eventLogPath(_ hash: String) -> String { "\(directory)/events/\(hash).jsonl" }
    public func logPath(_ hash: String) -> String { "\(directory)/logs/\(hash).log" }

    // MARK: Recording plans

    /// A run to record: its record (hash, name, canonical config) and its flattened params.
    public struct PlannedRun: Sendable {
        public var record: RunRecord
        public var params: [String: JSONValue]
        public init(record: RunRecord, params: [String: JSONValue]) {
            self.record = record
            self.params = params
        }
    }

    /// Records a sweep and its runs in one transaction. Runs already in the store (by hash) keep
    /// their status and results and join the sweep; new ones are `planned`. Returns the records
    /// as stored, in plan order.
    @discardableResult
    public func record(sweep: SweepRecord?, runs: [PlannedRun]) throws -> [RunRecord] {
        try db.write { db in
            var sweepId: Int64?
            if var s = sweep {
                if let existing = try SweepRecord.filter(Column("hash") == s.hash).fetchOne(db) {
                    sweepId = existing.id
                } else {
                    try s.insert(db)
                    sweepId = s.id
                }
            }
            // Prepared once: a sweep records thousands of params, and GRDB's Codable records
            // cost more per row than the inserts.
            let insertParam = try db.cachedStatement(sql: "INSERT INTO param (runId, key, type, number, text) VALUES (?, ?, ?, ?, ?)")
            let join = try db.cachedStatement(sql: "INSERT OR IGNORE INTO sweepRun (sweepId, runId, position) VALUES (?, ?, ?)")
            var out: [RunRecord] = []
            for (position, planned) in runs.enumerated() {
                var run: RunRecord
                if let existing = try RunRecord.fetch(db, hash: planned.record.hash) {
                    run = existing
                } else {
                    run = planned.record
                    try run.insert(db)
                    for (key, value) in planned.params.sorted(by: { $0.key < $1.key }) {
                        let p = ParamRecord(runId: run.id!, key: key, value: value)
                        try insertParam.execute(arguments: [p.runId, p.key, p.type, p.number, p.text])
                    }
                }
                if let sweepId { try join.execute(arguments: [sweepId, run.id!, position]) }
                out.append(run)
            }
            return out
        }
    }

    /// Updates a run's status and the fields the scheduler owns.
    public func update(run hash: String, _ change: @Sendable (inout RunRecord) -> Void) throws {
        try db.write { db in
            guard var run = try RunRecord.filter(Column("hash") == hash).fetchOne(db) else {
                throw StoreError("no run \(hash) in the store")
            }
            change(&run)
            try run.update(db)
        }
    }

    public func run(_ hash: String) throws -> RunRecord? {
        try db.read { db in try RunRecord.fetch(db, hash: hash) }
    }

    // MARK: Ingest

    public struct IngestResult: Sendable, Equatable {
        public var events = 0
        public var points = 0
        /// The run's status after ingest, if the log said anything about it.
        public var status: RunStatus?

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
    public func ingest(run hash: String) throws -> IngestResult {
        try ingest(runs: [hash])[hash] ?? IngestResult()
    }

    /// Ingests several runs' logs, in batches of about `batchLines` lines (across runs); each
    /// transaction also records how far into each log it got, so an interrupted ingest resumes
    /// where its last commit left off.
    public func ingest(runs hashes: [String], batchLines: Int = 10_000) throws -> [String: IngestResult] {
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
                        pending.append(Pending(hash: hash, runId: run.id!, events: events, startOffset: batchStart, endOffset: run.ingestedBytes + consumed))
                        batchStart = run.ingestedBytes + consumed
                        emit(pending)
                        pending = []
                        pendingLines = 0
                        events.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !events.isEmpty {
                pending.append(Pending(hash: hash, runId: run.id!, events: events, startOffset: batchStart, endOffset: run.ingestedBytes + consumed))
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
        let readRun = try db.cachedStatement(sql: "SELECT status, attempts, startedAt, finishedAt, error, ingestedBytes FROM run WHERE id = ?")
        let updateRun = try db.cachedStatement(sql: """
            UPDATE run SET status = ?, attempts = ?, startedAt = ?, finishedAt = ?, error = ?, ingestedBytes = ? WHERE id = ?
            """)
        let endProvenance = try db.cachedStatement(sql: "UPDATE provenance SET endedAt = ? WHERE runId = ?")
        let saveProvenance = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO provenance (runId, cairnVersion, numericsVersion, gitCommit, host, cpu, os, swiftVersion, startedAt, endedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
            """)
        let saveCheckpoint = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO checkpoint (runId, object, step, epoch, kinds, rawSize, storedSize) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for part in batch {
            let runId = part.runId
            var result = IngestResult()
            guard let row = try Row.fetchOne(readRun, arguments: [runId]) else { throw StoreError("run \(part.hash) vanished") }
            guard (row[5] as Int) == part.startOffset else { continue }  // another ingest got here first
            var metrics = try RunMetrics(db, runId: runId)
            var status: String = row[0], attempts: Int = row[1], error: String? = row[4]
            var startedAt: Date? = row[2], finishedAt: Date? = row[3]
            for event in part.events {
                result.events += 1
                switch event {
                case .start(let s):
                    status = RunStatus.running.rawValue
                    attempts = max(attempts, s.attempt)
                    startedAt = Date(timeIntervalSince1970: s.time)
                    finishedAt = nil
                    result.status = .running
                    if let p = s.provenance {
                        try saveProvenance.execute(arguments: [runId, p.cairnVersion, p.numericsVersion, p.gitCommit, p.host, p.cpu, p.os,
                                                               p.swiftVersion, startedAt])
                    }
                case .metrics(let m):
                    let epochScope = m.scope == "epoch"
                    for (key, value) in m.values {
                        try metrics.add(key: key, epochScope: epochScope, step: m.step, epoch: m.epoch, value: value, kind: m.kind, into: &points)
                    }
                    result.points += m.values.count
                case .checkpoint(let c):
                    try saveCheckpoint.execute(arguments: [runId, c.object, c.step, c.epoch, c.kinds.joined(separator: ","), c.rawSize, c.storedSize])
                case .end(let e):
                    status = e.status.rawValue
                    finishedAt = Date(timeIntervalSince1970: e.time)
                    error = e.error
                    result.status = e.status
                    try endProvenance.execute(arguments: [finishedAt, runId])
                }
            }
            try metrics.save()
            try updateRun.execute(arguments: [status, attempts, startedAt, finishedAt, error, part.endOffset, runId])
            results[part.hash, default: IngestResult()].add(result)
        }
        // Points of every run in the batch go in before the commit (nothing reads them sooner).
        try points.flush()
        return results
    }

    /// Ingests every event log in the store (of runs recorded in the index); returns the
    /// number of runs and events ingested.
    @discardableResult
    public func ingestAll(batchLines: Int = 10_000) throws -> (runs: Int, events: Int) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/events")) ?? []
        let hashes = files.filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(6)) }.sorted()
        let known = try db.read { db in try String.fetchSet(db, RunRecord.select(Column("hash")).filter(hashes.contains(Column("hash")))) }
        let runs = hashes.filter(known.contains)
        let results = try ingest(runs: runs, batchLines: batchLines)
        return (runs.count, results.values.reduce(0) { $0 + $1.events })
    }
}

extension ParamRecord {
    /// A param from its typed JSON value: numbers and booleans compare as numbers.
    init(runId: Int64, key: String, value: JSONValue) {
        self.runId = runId
        self.key = key
        switch value {
        case .number(let d): type = "number"; number = d; text = nil
        case .bool(let b): type = "bool"; number = b ? 1 : 0; text = b ? "true" : "false"
        case .string(let s): type = "string"; number = nil; text = s
        default: type = "json"; number = nil; text = value.canonical
        }
    }

    public var json: JSONValue {
        switch type {
        case "number": return number.map { .number($0) } ?? .null
        case "bool": return .bool(number == 1)
        case "string": return text.map { .string($0) } ?? .null
        default: return (text.flatMap { try? JSONValue.parse(Array($0.utf8)) }) ?? .null
        }
    }
}
