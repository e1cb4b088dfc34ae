import Determinism
import Foundation
import GRDB
import Vocabulary

/// A run's reproduction as a record: what `cairn reproduce` found, kept in the index (the
/// `reproduction` table), so `ls`, `show` and any other view can say whether a run was
/// reproduced bit for bit, where and when — not only the terminal that ran it.
public struct ReproductionRecord: Sendable, Equatable {
    public enum Verdict: String, Sendable, CaseIterable {
        /// Every model metric at every step and every kept checkpoint identical.
        case reproduced = "REPRODUCED"
        /// The first divergence is in `detail`.
        case differs = "DIFFERS"
        /// An original object was missing or corrupt: nothing to compare with.
        case corrupt = "CORRUPT"
        /// The reproduction's own process ended without a result.
        case failed = "FAILED"
    }

    public let verdict: Verdict
    /// The first divergence, or what was corrupt, or why the reproduction failed.
    public let detail: String?
    public let at: Date
    public let cairnVersion: String
    public let numericsVersion: Int
    public let host: String

    public init(verdict: Verdict, detail: String?, at: Date = Date(), cairnVersion: String, numericsVersion: Int, host: String) {
        self.verdict = verdict
        self.detail = detail
        self.at = at
        self.cairnVersion = cairnVersion
        self.numericsVersion = numericsVersion
        self.host = host
    }

    /// One word for a table cell.
    public var badge: String { verdict == .reproduced ? "reproduced" : verdict.rawValue.lowercased() }

    /// "reproduced bit-identical on <host>, <date>", or the verdict and its detail.
    public var sentence: String {
        let when = Self.dayAndTime.string(from: at)
        let by = "(Cairn \(cairnVersion), numerics version \(numericsVersion))"
        switch verdict {
        case .reproduced: return "reproduced bit-identical on \(host), \(when) \(by)"
        default: return "\(verdict.rawValue) on \(host), \(when) \(by)" + (detail.map { ": \($0)" } ?? "")
        }
    }

    public var json: JSONValue {
        [
            "verdict": .string(verdict.rawValue), "detail": detail.map(JSONValue.string) ?? .null,
            "at": .number(at.timeIntervalSince1970), "cairn_version": .string(cairnVersion),
            "numerics_version": .number(Double(numericsVersion)), "host": .string(host),
        ]
    }

    static let dayAndTime: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f
    }()

    /// The latest reproduction of each of these runs (`runIds`: a JSON list of ids).
    static func latest(_ db: Database, runIds: String) throws -> [Int64: ReproductionRecord] {
        var out: [Int64: ReproductionRecord] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT runId, verdict, detail, at, cairnVersion, numericsVersion, host FROM reproduction
                WHERE runId IN (SELECT value FROM json_each(?)) ORDER BY id
                """, arguments: [runIds])
        while let r = try rows.next() {
            guard let verdict = Verdict(rawValue: r["verdict"]) else { continue }
            out[r["runId"]] = ReproductionRecord(
                verdict: verdict, detail: r["detail"], at: r["at"], cairnVersion: r["cairnVersion"],
                numericsVersion: r["numericsVersion"], host: r["host"])
        }
        return out
    }
}

extension Tracker {
    /// Records what a `cairn reproduce` of `hash` found.
    public func record(reproduction r: ReproductionRecord, run hash: String) throws {
        try db.write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM run WHERE hash = ?", arguments: [hash]) else {
                throw StoreError("no run \(hash) in the store")
            }
            try db.execute(
                sql: """
                    INSERT INTO reproduction (runId, verdict, detail, at, cairnVersion, numericsVersion, host)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, r.verdict.rawValue, r.detail, r.at, r.cairnVersion, r.numericsVersion, r.host])
        }
    }
}
