import Foundation
import GRDB
import GRDBSQLite

/// The ingest's one hot statement, bound through SQLite's C API on GRDB's own prepared
/// statement: GRDB's generic argument boxing costs more than the insert itself. The SQL is a
/// constant; values are bound, never pasted. Series ids are looked up once per run.
struct PointInsert {
    let single: Statement
    /// One statement inserting `Self.rows` points: SQLite's per-statement overhead, paid once
    /// for many rows.
    let multi: Statement
    static let rows = 64
    let db: Database
    /// Series ids by key, one table per scope (no string is built per point).
    var stepSeries: [String: Int64] = [:]
    var epochSeries: [String: Int64] = [:]
    var runId: Int64 = -1
    /// Points waiting for a full statement: seriesId, step, epoch, value.
    var pending: [(Int64, Int, Int, Double?)] = []

    init(_ db: Database) throws {
        self.db = db
        single = try db.cachedStatement(sql: "INSERT OR REPLACE INTO point (seriesId, step, epoch, value) VALUES (?, ?, ?, ?)")
        multi = try db.cachedStatement(sql: "INSERT OR REPLACE INTO point (seriesId, step, epoch, value) VALUES "
                                       + Array(repeating: "(?, ?, ?, ?)", count: Self.rows).joined(separator: ", "))
        pending.reserveCapacity(Self.rows)
    }

    /// Switches to a run, loading its series ids.
    mutating func use(run: Int64) throws {
        runId = run
        stepSeries = [:]
        epochSeries = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, key, scope FROM series WHERE runId = ?", arguments: [run]) {
            if (row[2] as String) == "epoch" { epochSeries[row[1]] = row[0] } else { stepSeries[row[1]] = row[0] }
        }
    }

    mutating func insert(key: String, scope: String, step: Int, epoch: Int, value: Double?, kind: String) throws {
        let epochScope = scope == "epoch"
        var id = epochScope ? epochSeries[key] : stepSeries[key]
        if id == nil {
            try db.execute(sql: "INSERT INTO series (runId, key, scope, kind) VALUES (?, ?, ?, ?)", arguments: [runId, key, scope, kind])
            id = db.lastInsertedRowID
            if epochScope { epochSeries[key] = id } else { stepSeries[key] = id }
        }
        pending.append((id!, step, epoch, value))
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

/// A run's metric summaries, kept up to date as points arrive: the final value (at the
/// highest step) and the extremes. End-of-epoch points take precedence: once a key has one,
/// its summary covers epoch points only (a `train_loss` summary is of the epoch means).
struct Summaries {
    let runId: Int64
    var rows: [String: SummaryRecord]
    var scopes: [String: String]
    var changed: Set<String> = []

    init(_ db: Database, runId: Int64) throws {
        self.runId = runId
        rows = [:]
        scopes = [:]
        // With the scope each summary was built from: epoch if the key has any epoch point.
        for r in try Row.fetchAll(db, sql: """
            SELECT key, kind, final, finalStep, min, max,
                   EXISTS (SELECT 1 FROM series WHERE series.runId = summary.runId AND series.key = summary.key AND scope = 'epoch')
            FROM summary WHERE runId = ?
            """, arguments: [runId]) {
            let s = SummaryRecord(runId: runId, key: r[0], kind: r[1], final: r[2], finalStep: r[3], min: r[4], max: r[5])
            rows[s.key] = s
            scopes[s.key] = (r[6] as Bool) ? "epoch" : "step"
        }
    }

    mutating func add(key: String, scope: String, step: Int, value: Double?, kind: String) {
        let current = scopes[key]
        if current != scope {
            if current == "epoch" { return }                  // step points never override epoch points
            if current == "step" { rows[key] = nil }           // epoch points replace step points
            scopes[key] = scope
        }
        let v = value.flatMap { $0.isFinite ? $0 : nil }
        var row = rows[key] ?? SummaryRecord(runId: runId, key: key, kind: kind, final: nil, finalStep: -1, min: nil, max: nil)
        if step >= row.finalStep {
            row.final = value
            row.finalStep = step
        }
        if let v {
            row.min = Swift.min(row.min ?? v, v)
            row.max = Swift.max(row.max ?? v, v)
        }
        rows[key] = row
        changed.insert(key)
    }

    func save(_ db: Database) throws {
        let st = try db.cachedStatement(sql: "INSERT OR REPLACE INTO summary (runId, key, kind, final, finalStep, min, max) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for key in changed {
            let r = rows[key]!
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
