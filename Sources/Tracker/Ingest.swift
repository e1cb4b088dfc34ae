import Foundation
import GRDB
import GRDBSQLite

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
        multi = try db.cachedStatement(sql: "INSERT OR REPLACE INTO point (seriesId, step, epoch, value) VALUES "
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
            let k = slot(row[1])
            if (row[2] as String) == "epoch" { keys[k].epochSeries = row[0] } else { keys[k].stepSeries = row[0] }
        }
        let summaries = try db.cachedStatement(sql: "SELECT key, kind, final, finalStep, min, max FROM summary WHERE runId = ?")
        for r in try Row.fetchAll(summaries, arguments: [runId]) {
            let k = slot(r[0])
            keys[k].summary = SummaryRecord(runId: runId, key: r[0], kind: r[1], final: r[2], finalStep: r[3], min: r[4], max: r[5])
            keys[k].summaryOfEpochs = keys[k].epochSeries != nil
        }
    }

    private mutating func slot(_ name: String) -> Int {
        if let k = index[name] { return k }
        index[name] = keys.count
        keys.append(Key(name: name))
        return keys.count - 1
    }

    /// Queues the point for `points` and updates the key's summary.
    mutating func add(key name: String, epochScope: Bool, step: Int, epoch: Int, value: Double?, kind: String,
                      into points: inout PointInsert) throws {
        let k = slot(name)
        let series: Int64
        if let id = epochScope ? keys[k].epochSeries : keys[k].stepSeries {
            series = id
        } else {
            let insert = try db.cachedStatement(sql: "INSERT INTO series (runId, key, scope, kind) VALUES (?, ?, ?, ?)")
            try insert.execute(arguments: [runId, name, epochScope ? "epoch" : "step", kind])
            series = db.lastInsertedRowID
            if epochScope { keys[k].epochSeries = series } else { keys[k].stepSeries = series }
        }
        try points.append(series: series, step: step, epoch: epoch, value: value)

        if keys[k].summary != nil, keys[k].summaryOfEpochs != epochScope {
            if keys[k].summaryOfEpochs { return }    // step points never override epoch points
            keys[k].summary = nil                    // epoch points replace step points
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
        let st = try db.cachedStatement(sql: "INSERT OR REPLACE INTO summary (runId, key, kind, final, finalStep, min, max) VALUES (?, ?, ?, ?, ?, ?, ?)")
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
