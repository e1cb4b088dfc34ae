import ArgumentParser
import Determinism
import Foundation
import Planner
import Tracker
import Vocabulary

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the store: re-hash every object and check every reference.",
        discussion: """
            Reports missing and corrupt objects with the runs they affect, objects no run references \
            (remove them with `cairn gc --apply`), sweeps whose stored definition no longer hashes to \
            the sweep's hash, and SQLite's integrity check. Exits 1 if anything is wrong.

            Example:
              cairn verify --store runs
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        let report = try store.open().verify()
        if json {
            Terminal.line(
                JSONValue.object([
                    "ok": .bool(report.ok), "objects_checked": .number(Double(report.checked)), "integrity": .string(report.integrity),
                    "missing": .object(report.missing.mapValues { .array($0.map { .string($0) }) }),
                    "corrupt": .object(report.corrupt.mapValues { .array($0.map { .string($0) }) }),
                    "orphaned": .array(report.orphaned.map { .string($0) }),
                    "sweeps_checked": .number(Double(report.sweepsChecked)),
                    "altered_sweeps": .array(report.alteredSweeps.map { .string($0) }),
                    "uncheckable_sweeps": .array(report.uncheckableSweeps.map { .string($0) }),
                ]).canonical)
        } else {
            Terminal.line("checked \(report.checked) referenced objects; index integrity: \(report.integrity)")
            for (o, runs) in report.missing.sorted(by: { $0.key < $1.key }) {
                Terminal.line("MISSING  object \(o) (runs \(runs.map { String($0.prefix(12)) }.joined(separator: ", ")))")
            }
            for (o, runs) in report.corrupt.sorted(by: { $0.key < $1.key }) {
                Terminal.line("CORRUPT  object \(o) (runs \(runs.map { String($0.prefix(12)) }.joined(separator: ", ")))")
            }
            for s in report.alteredSweeps {
                Terminal.line("ALTERED  sweep \(s.prefix(12)): its stored definition does not hash to its name")
            }
            Terminal.line(
                "checked \(report.sweepsChecked) sweep definitions against their hashes"
                    + (report.uncheckableSweeps.isEmpty
                        ? "" : " (\(report.uncheckableSweeps.count) recorded by an older Cairn cannot be checked)"))
            if !report.orphaned.isEmpty {
                Terminal.line("\(report.orphaned.count) objects no run references (cairn gc --apply removes them)")
            }
            Terminal.line(report.ok ? "ok" : "FAILED")
        }
        if !report.ok { throw ExitCode(1) }
    }
}
