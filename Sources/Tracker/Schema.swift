import GRDB

/// The index's schema: named, append-only migrations. A store written by an older Cairn
/// opens and upgrades itself; never edit a migration that has shipped — add one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: runs, sweeps, params, metrics, checkpoints, provenance") { db in
            try db.create(table: "sweep") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("hash", .text).notNull().unique()
                t.column("source", .text).notNull()
                t.column("definition", .text).notNull()
                t.column("metric", .text)
                t.column("goal", .text)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("hash", .text).notNull().unique()
                t.column("name", .text).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("config", .text).notNull()
                t.column("numericsVersion", .integer).notNull()
                t.column("datasetSHA256", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("exitCode", .integer)
                t.column("signal", .integer)
                t.column("error", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                /// Bytes of the event log already ingested: ingest resumes there.
                t.column("ingestedBytes", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "sweepRun") { t in
                t.column("sweepId", .integer).notNull().references("sweep", onDelete: .cascade)
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade).indexed()
                t.column("position", .integer).notNull()
                t.primaryKey(["sweepId", "runId"])
            }
            try db.create(table: "param") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("key", .text).notNull()
                /// number, string, bool or json; `number` holds numbers and booleans (0/1) for comparisons.
                t.column("type", .text).notNull()
                t.column("number", .double)
                t.column("text", .text)
                t.primaryKey(["runId", "key"])
            }
            try db.create(index: "param_on_key_number", on: "param", columns: ["key", "number"])
            try db.create(index: "param_on_key_text", on: "param", columns: ["key", "text"])
            // A metric series per (run, key, scope), and its points keyed by integers only:
            // half the size and twice the insert rate of text-keyed rows.
            try db.create(table: "series") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("key", .text).notNull()
                /// `step`: a point every log_every steps; `epoch`: an end-of-epoch value.
                t.column("scope", .text).notNull()
                /// `model` (deterministic) or `machine` (never compared by reproduce).
                t.column("kind", .text).notNull()
                t.uniqueKey(["runId", "key", "scope"])
            }
            // No foreign key on point.seriesId: checking it costs a third of each insert, the
            // hottest statement of ingest. Only ingest writes points (for series it has just
            // found or made), and removing a run deletes its points explicitly.
            try db.create(table: "point", options: .withoutRowID) { t in
                t.column("seriesId", .integer).notNull()
                t.column("step", .integer).notNull()
                t.column("epoch", .integer).notNull()
                t.column("value", .double)
                t.primaryKey(["seriesId", "step"])
            }
            /// Per run and key: the final value (at the highest step; end-of-epoch points take
            /// precedence over step points) and the extremes, kept up to date by ingest.
            try db.create(table: "summary", options: .withoutRowID) { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("key", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("final", .double)
                t.column("finalStep", .integer).notNull()
                t.column("min", .double)
                t.column("max", .double)
                t.primaryKey(["runId", "key"])
            }
            try db.create(index: "summary_on_key_final", on: "summary", columns: ["key", "final"])
            try db.create(table: "checkpoint") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("object", .text).notNull().indexed()
                t.column("step", .integer).notNull()
                t.column("epoch", .integer).notNull()
                t.column("kinds", .text).notNull()
                t.column("rawSize", .integer).notNull()
                t.column("storedSize", .integer).notNull()
                t.primaryKey(["runId", "step", "object"])
            }
            try db.create(table: "provenance") { t in
                t.primaryKey("runId", .integer).references("run", onDelete: .cascade)
                t.column("cairnVersion", .text).notNull()
                t.column("numericsVersion", .integer).notNull()
                t.column("gitCommit", .text)
                t.column("host", .text).notNull()
                t.column("cpu", .text).notNull()
                t.column("os", .text).notNull()
                t.column("swiftVersion", .text).notNull()
                t.column("startedAt", .datetime)
                t.column("endedAt", .datetime)
            }
        }
        m.registerMigration("v2: tags and notes") { db in
            try db.alter(table: "run") { t in t.add(column: "note", .text) }
            try db.create(table: "tag") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("name", .text).notNull().indexed()
                t.primaryKey(["runId", "name"])
            }
        }
        m.registerMigration("v3: run owners, resume states and attempts") { db in
            try db.alter(table: "run") { t in
                /// The scheduler that claimed the run (`ProcessIdentity` JSON), set with the claim.
                t.add(column: "owner", .text)
                /// The run's latest resume state (an object), while it has no result.
                t.add(column: "resumeObject", .text)
            }
            /// Every epoch state a run kept (superseded ones are removed once it has a result).
            try db.create(table: "resumeState") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("object", .text).notNull().indexed()
                t.primaryKey(["runId", "object"])
            }
            /// One row per attempt of a run: when it started and from which epoch (0: scratch).
            try db.create(table: "attempt") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("attempt", .integer).notNull()
                t.column("resumedFromEpoch", .integer).notNull()
                t.column("startedAt", .datetime)
                t.column("host", .text)
                t.primaryKey(["runId", "attempt"])
            }
        }
        m.registerMigration("v4: cluster jobs") { db in
            /// One row per submission to a cluster (a Slurm job array), recorded before it is
            /// submitted: its nonce names the job, so a submitter that dies between submitting
            /// and recording the job's id finds it again by name.
            try db.create(table: "clusterJob") { t in
                t.column("nonce", .text).primaryKey()
                t.column("executor", .text).notNull()
                /// The cluster's id for it (an array job id), once submitted.
                t.column("jobId", .text)
                t.column("submittedAt", .datetime).notNull()
                /// The runs, in task order: a JSON array of [hash, attempt].
                t.column("tasks", .text).notNull()
                /// Until every task has ended and been seen to end.
                t.column("open", .boolean).notNull().defaults(to: true).indexed()
            }
        }
        m.registerMigration("v5: reproductions") { db in
            /// Every `cairn reproduce` of a run: its verdict, the first divergence (or why not),
            /// when, by which Cairn and numerics version, on which host.
            try db.create(table: "reproduction") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .integer).notNull().indexed().references("run", onDelete: .cascade)
                t.column("verdict", .text).notNull()
                t.column("detail", .text)
                t.column("at", .datetime).notNull()
                t.column("cairnVersion", .text).notNull()
                t.column("numericsVersion", .integer).notNull()
                t.column("host", .text).notNull()
            }
        }
        return m
    }
}
