import Foundation
import GRDB
import GRDBSQLite

/// The ingest's one hot statement, bound through SQLite's C API on GRDB's own prepared
/// statement: GRDB's generic argument boxing costs more than the insert itself. The SQL is a
/// constant; values are bound, never pasted. Series ids are looked up once per run.
struct PointInsert {
    let statement: Statement
    let db: Database
    var series: [String: Int64] = [:]
    var runId: Int64 = -1

    init(_ db: Database) throws {
        self.db = db
        statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO point (seriesId, step, epoch, value) VALUES (?, ?, ?, ?)")
    }

    /// Switches to a run, loading its series ids.
    mutating func use(run: Int64) throws {
        runId = run
        series = [:]
        for s in try SeriesRecord.filter(Column("runId") == run).fetchAll(db) { series["\(s.scope)/\(s.key)"] = s.id }
    }

    mutating func insert(key: String, scope: String, step: Int, epoch: Int, value: Double?, kind: String) throws {
        let name = "\(scope)/\(key)"
        var id = series[name]
        if id == nil {
            var s = SeriesRecord(runId: runId, key: key, scope: scope, kind: kind)
            try s.insert(db)
            id = s.id
            series[name] = id
        }
        let st = statement.sqliteStatement
        sqlite3_reset(st)
        sqlite3_bind_int64(st, 1, id!)
        sqlite3_bind_int64(st, 2, Int64(step))
        sqlite3_bind_int64(st, 3, Int64(epoch))
        if let value, value.isFinite { sqlite3_bind_double(st, 4, value) } else { sqlite3_bind_null(st, 4) }
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
        let existing = try SummaryRecord.filter(Column("runId") == runId).fetchAll(db)
        rows = Dictionary(existing.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        // The scope a summary was built from: epoch if the key has any epoch point.
        let epochKeys = try String.fetchSet(db, SeriesRecord.select(Column("key")).filter(Column("runId") == runId && Column("scope") == "epoch"))
        scopes = Dictionary(existing.map { ($0.key, epochKeys.contains($0.key) ? "epoch" : "step") }, uniquingKeysWith: { a, _ in a })
    }

    mutating func add(key: String, scope: String, step: Int, value: Double?, kind: String) {
        if scopes[key] == "epoch" && scope == "step" { return }
        if scopes[key] == "step" && scope == "epoch" { rows[key] = nil }  // epoch points replace step points
        scopes[key] = scope
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
        for key in changed { try rows[key]!.insert(db, onConflict: .replace) }
    }
}
