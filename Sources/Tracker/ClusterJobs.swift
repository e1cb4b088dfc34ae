import Determinism
import Foundation
import GRDB

/// A submission to a cluster: a job array whose task `i` trains `tasks[i]`. Recorded in the
/// index before it is submitted (see the `clusterJob` table), so that whatever happens to
/// the submitter, the next one can find its jobs, follow them and never submit a run twice.
package struct ClusterJob: Sendable {
    package let nonce: String
    package let executor: String
    package var jobId: String?
    package let submittedAt: Date
    package let tasks: [(hash: String, attempt: Int)]

    package init(nonce: String, executor: String, jobId: String? = nil, submittedAt: Date = Date(), tasks: [(hash: String, attempt: Int)]) {
        self.nonce = nonce
        self.executor = executor
        self.jobId = jobId
        self.submittedAt = submittedAt
        self.tasks = tasks
    }

    var tasksJSON: String {
        JSONValue.array(tasks.map { .array([.string($0.hash), .number(Double($0.attempt))]) }).canonical
    }

    static func tasks(json: String) -> [(hash: String, attempt: Int)] {
        guard case .array(let items)? = try? JSONValue.parse(Array(json.utf8)) else { return [] }
        return items.compactMap { item in
            guard case .array(let pair) = item, pair.count == 2, let h = pair[0].stringValue, let a = pair[1].doubleValue else {
                return nil
            }
            return (h, Int(a))
        }
    }
}

extension Tracker {
    /// Records a submission before it is made.
    package func record(clusterJob job: ClusterJob) throws {
        try db.write { db in
            try db.execute(
                sql: "INSERT INTO clusterJob (nonce, executor, jobId, submittedAt, tasks, open) VALUES (?, ?, ?, ?, ?, 1)",
                arguments: [job.nonce, job.executor, job.jobId, job.submittedAt, job.tasksJSON])
        }
    }

    /// The cluster accepted the submission under `jobId`.
    package func setClusterJobID(nonce: String, jobId: String) throws {
        try db.write { db in try db.execute(sql: "UPDATE clusterJob SET jobId = ? WHERE nonce = ?", arguments: [jobId, nonce]) }
    }

    /// Every task of the job has ended (or it was never submitted): no later submitter needs
    /// to look for it.
    package func closeClusterJob(nonce: String) throws {
        try db.write { db in try db.execute(sql: "UPDATE clusterJob SET open = 0 WHERE nonce = ?", arguments: [nonce]) }
    }

    /// The submissions some task of which may still be queued or running, oldest first.
    package func openClusterJobs(executor: String) throws -> [ClusterJob] {
        try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT nonce, executor, jobId, submittedAt, tasks FROM clusterJob WHERE open = 1 AND executor = ? ORDER BY rowid",
                arguments: [executor]
            ).map {
                ClusterJob(
                    nonce: $0["nonce"], executor: $0["executor"], jobId: $0["jobId"], submittedAt: $0["submittedAt"],
                    tasks: ClusterJob.tasks(json: $0["tasks"]))
            }
        }
    }

    /// Takes over runs a cluster is still running for a submitter that is gone: they become
    /// this process's without a new attempt (their jobs go on). Conditional on the state the
    /// caller saw, its owner included, as `claim` is: of two submitters adopting a run, one
    /// wins (the owner it saw is no longer the owner for the other).
    package func adopt(runs: [(hash: String, sawStatus: RunStatus, sawAttempts: Int, sawOwner: String?)]) throws -> [String] {
        try db.write { db in
            let st = try db.cachedStatement(
                sql: "UPDATE run SET owner = ? WHERE hash = ? AND status = ? AND attempts = ? AND owner IS ?")
            let owner = ProcessIdentity.current.json.canonical
            var won: [String] = []
            for r in runs {
                try st.execute(arguments: [owner, r.hash, r.sawStatus.rawValue, r.sawAttempts, r.sawOwner])
                if db.changesCount == 1 { won.append(r.hash) }
            }
            return won
        }
    }

    /// Whether the process that claimed the run is alive (nil: it runs on another host, or
    /// none is named).
    package func ownerIsAlive(_ run: RunRecord) -> Bool? {
        ProcessIdentity(text: run.owner)?.isAlive
    }
}
