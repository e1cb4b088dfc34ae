import Foundation
import GRDB

/// Run statuses. `completed` and `diverged` are results (a diverged spec diverges the same way
/// every time); `failed` and `interrupted` are not.
public enum RunStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case planned, queued, running, completed, failed, diverged, interrupted
    public var isResult: Bool { self == .completed || self == .diverged }
}

public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"
    public var id: Int64?
    public var hash: String
    public var name: String
    public var status: RunStatus
    /// The run's canonical spec (RFC 8785 JSON).
    public var config: String
    public var numericsVersion: Int
    public var datasetSHA256: String
    public var attempts: Int = 0
    public var exitCode: Int?
    public var signal: Int?
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var ingestedBytes: Int = 0
    /// Free text a person attached (`cairn tag --note`).
    public var note: String?

    public init(hash: String, name: String, status: RunStatus = .planned, config: String, numericsVersion: Int,
                datasetSHA256: String, createdAt: Date = Date()) {
        self.hash = hash
        self.name = name
        self.status = status
        self.config = config
        self.numericsVersion = numericsVersion
        self.datasetSHA256 = datasetSHA256
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The columns `fetchAll(_:rows:)` reads, in its order.
    static let columns = ["id", "hash", "name", "status", "config", "numericsVersion", "datasetSHA256", "attempts", "exitCode",
                          "signal", "error", "createdAt", "startedAt", "finishedAt", "ingestedBytes", "note"]

    /// The run with this hash, through a statement prepared once per connection (ingest and
    /// recording look runs up one at a time, hundreds per call).
    static func fetch(_ db: Database, hash: String) throws -> RunRecord? {
        let select = try db.cachedStatement(sql: "SELECT \(columns.joined(separator: ", ")) FROM run WHERE hash = ?")
        return try fetchAll(db, rows: Row.fetchCursor(select, arguments: [hash])).first
    }

    /// Records decoded by hand from rows of `columns`: Codable decoding costs more than the
    /// query when a listing reads a thousand runs.
    static func fetchAll(_ db: Database, rows: RowCursor) throws -> [RunRecord] {
        var out: [RunRecord] = []
        while let r = try rows.next() {
            var record = RunRecord(hash: r[1], name: r[2], status: r[3], config: r[4], numericsVersion: r[5], datasetSHA256: r[6], createdAt: r[11])
            record.id = r[0]
            record.attempts = r[7]
            record.exitCode = r[8]
            record.signal = r[9]
            record.error = r[10]
            record.startedAt = r[12]
            record.finishedAt = r[13]
            record.ingestedBytes = r[14]
            record.note = r[15]
            out.append(record)
        }
        return out
    }
}

public struct SweepRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sweep"
    public var id: Int64?
    public var hash: String
    public var source: String
    public var definition: String
    public var metric: String?
    public var goal: String?
    public var createdAt: Date

    public init(hash: String, source: String, definition: String, metric: String?, goal: String?, createdAt: Date = Date()) {
        self.hash = hash
        self.source = source
        self.definition = definition
        self.metric = metric
        self.goal = goal
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct ParamRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "param"
    public var runId: Int64
    public var key: String
    public var type: String
    public var number: Double?
    public var text: String?
}

/// A metric series: one key of one run, at one scope.
public struct SeriesRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "series"
    public var id: Int64?
    public var runId: Int64
    public var key: String
    public var scope: String
    public var kind: String
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One metric point.
public struct PointRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "point"
    public var seriesId: Int64
    public var step: Int
    public var epoch: Int
    public var value: Double?
}

public struct SummaryRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "summary"
    public var runId: Int64
    public var key: String
    public var kind: String
    public var final: Double?
    public var finalStep: Int
    public var min: Double?
    public var max: Double?

    /// The best value under a goal.
    public func best(maximize: Bool) -> Double? { maximize ? max : min }
}

public struct CheckpointRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "checkpoint"
    public var runId: Int64
    public var object: String
    public var step: Int
    public var epoch: Int
    /// Comma-separated: best, final, periodic.
    public var kinds: String
    public var rawSize: Int
    public var storedSize: Int
}

public struct ProvenanceRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "provenance"
    public var runId: Int64
    public var cairnVersion: String
    public var numericsVersion: Int
    public var gitCommit: String?
    public var host: String
    public var cpu: String
    public var os: String
    public var swiftVersion: String
    public var startedAt: Date?
    public var endedAt: Date?

}

public struct SweepRunRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sweepRun"
    public var sweepId: Int64
    public var runId: Int64
    public var position: Int
}
