import Determinism
import Foundation
import Vocabulary

/// Runs as data for other tools: JSON objects, CSV rows, JSON lines with full histories. The
/// CLI prints these; the dashboard serves them.
///
///     let rows = try tracker.runs(RunQuery(sweep: "8a87f2"))
///     print(RunExport.csv(rows))
public enum RunExport {
    /// The metrics a listing of runs shows (`cairn ls`, the dashboard's runs table), when runs have them.
    public static let listedMetrics = ["val_accuracy", "test_accuracy", "val_loss", "val_rmse", "test_rmse", "val_r2", "test_r2"]

    /// One run: hash, name, status (and why it stopped, if early termination stopped it),
    /// params, tags, note, and each metric's final, min, max, kind.
    public static func json(_ r: RunRow) -> JSONValue {
        [
            "stopped": r.record.status == .stopped ? r.record.error.map(JSONValue.string) ?? .null : .null,
            "hash": .string(r.record.hash), "name": .string(r.record.name), "status": .string(r.record.status.rawValue),
            "params": .object(r.params), "tags": .array(r.tags.map(JSONValue.string)), "note": r.record.note.map(JSONValue.string) ?? .null,
            "reproduction": r.reproduction?.json ?? .null,
            "metrics": .object(
                r.summaries.mapValues { s in
                    [
                        "final": s.final.map { .number($0) } ?? .null, "min": s.min.map { .number($0) } ?? .null,
                        "max": s.max.map { .number($0) } ?? .null, "kind": .string(s.kind.rawValue),
                    ]
                }),
        ]
    }

    /// One JSON line per run: `json(_:)` plus `history` (key → points).
    public static func jsonLines(_ rows: [RunRow], history: [String: [String: [MetricPoint]]]) -> [String] {
        rows.map { r in
            guard case .object(var members) = json(r) else { return "" }
            members["history"] = .object(
                (history[r.record.hash] ?? [:]).mapValues { points in
                    .array(
                        points.map {
                            [
                                "scope": .string($0.scope.rawValue), "step": .number(Double($0.step)), "epoch": .number(Double($0.epoch)),
                                "value": $0.value.map { .number($0) } ?? .null,
                            ]
                        })
                })
            return JSONValue.object(members).canonical
        }
    }

    /// A header and one row per run: hash, name, status, every param, each metric's final, min, max.
    public static func csv(_ rows: [RunRow]) -> String {
        let paramKeys = Set(rows.flatMap(\.params.keys)).sorted()
        let metricKeys = Set(rows.flatMap(\.summaries.keys)).sorted()
        var lines = [csvLine(["hash", "name", "status"] + paramKeys + metricKeys.flatMap { ["\($0).final", "\($0).min", "\($0).max"] })]
        for r in rows {
            var fields = [r.record.hash, r.record.name, r.record.status.rawValue]
            fields += paramKeys.map { r.params[$0].map(csvValue) ?? "" }
            for k in metricKeys {
                let s = r.summaries[k]
                fields += [s?.final, s?.min, s?.max].map { $0.map { JSONValue.ecmaScriptString($0) } ?? "" }
            }
            lines.append(csvLine(fields))
        }
        return lines.joined(separator: "\n")
    }

    /// Seed groups as CSV: the shared params, n, and each model metric's mean, std and n.
    public static func csv(_ groups: [SeedGroup], metrics: [String]) -> String {
        let keys = Set(groups.flatMap(\.params.keys)).sorted()
        var lines = [csvLine(keys + ["n"] + metrics.flatMap { ["\($0).mean", "\($0).std", "\($0).n"] })]
        for g in groups {
            var fields = keys.map { g.params[$0].map(csvValue) ?? "" } + [String(g.runs.count)]
            for m in metrics {
                let s = g.final(m)
                fields += [
                    s.map { JSONValue.ecmaScriptString($0.mean) } ?? "", s?.std.map { JSONValue.ecmaScriptString($0) } ?? "",
                    s.map { String($0.n) } ?? "0",
                ]
            }
            lines.append(csvLine(fields))
        }
        return lines.joined(separator: "\n")
    }

    /// The model metrics any of `rows` recorded, sorted.
    public static func modelMetrics(_ rows: [RunRow]) -> [String] {
        Set(rows.flatMap { $0.summaries.filter { $0.value.kind == .model }.keys }).sorted()
    }

    /// A param in a CSV cell: strings bare, anything else as JSON.
    public static func csvValue(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.canonical
    }

    public static func csvLine(_ fields: [String]) -> String { fields.map(csvField).joined(separator: ",") }

    /// RFC 4180 quoting.
    public static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
