import Determinism
import Planner
import Tracker

/// Why early termination stopped runs, as lines under a table: a run's reason is the band or
/// rung, its value and the threshold it missed (`Stopping.Rule` words them).
enum StopText {
    /// At most this many lines; past it, one line says how to see the rest.
    static let shown = 20

    static func lines(_ rows: [RunRow]) -> [String] {
        let stopped = rows.filter { $0.record.status == .stopped }
        guard !stopped.isEmpty else { return [] }
        var out = ["\(stopped.count) stopped early:"]
        for r in stopped.prefix(shown) {
            out.append("  \(r.record.hash.prefix(12))  \(reason(r.record) ?? "")")
        }
        if stopped.count > shown {
            out.append("  … and \(stopped.count - shown) more: cairn ls --status stopped --json gives every reason")
        }
        return out
    }

    /// The reason without its leading "stopped ", or nil if the run was not stopped.
    static func reason(_ r: RunRecord) -> String? {
        guard r.status == .stopped, let e = r.error else { return nil }
        return e.hasPrefix("stopped ") ? String(e.dropFirst("stopped ".count)) : e
    }

    /// The rule in a few words: `W&B's hyperband rule, bands 3, 9, eta 3, strict`.
    static func describe(_ rule: Stopping.Rule) -> String {
        let t = rule.termination
        switch t.mode {
        case .bands:
            return
                "W&B's hyperband rule, bands \(rule.judgedBands.map(String.init).joined(separator: ", ")), eta \(Table.cell(.number(t.eta)))"
                + (t.strict ? ", strict" : "")
        case .brackets:
            return "Hyperband, \(rule.brackets.count) brackets, eta \(Int(t.eta))"
        }
    }

    /// What `cairn plan` says about a sweep's early termination: the rule, and for brackets
    /// each bracket's rungs (`bracket s=2: 9 configs at 1 epoch, 3 at 3, 1 at 9`).
    static func plan(_ rule: Stopping.Rule) -> [String] {
        var out = ["early termination: " + describe(rule)]
        switch rule.termination.mode {
        case .bands:
            out.append(
                "  each run is judged at each band against the runs before it in this order, so any number of workers stops the same runs")
        case .brackets:
            for (bracket, members) in rule.brackets {
                let rungs = bracket.rungs.enumerated().map { i, r in
                    "\(r.configs)\(i == 0 ? " config\(r.configs == 1 ? "" : "s")" : "") at \(r.epochs)\(i == 0 ? " epoch\(r.epochs == 1 ? "" : "s")" : "")"
                }
                let short = members.count < bracket.rungs[0].configs ? " (the grid has \(members.count))" : ""
                out.append("  bracket s=\(bracket.s): " + rungs.joined(separator: ", ") + short)
            }
            out.append("  later rungs depend on results: which configs go on is decided as the rungs fill")
        }
        return out
    }

    static func json(_ rule: Stopping.Rule) -> JSONValue {
        let t = rule.termination
        var o: [String: JSONValue] = ["mode": .string(t.mode.rawValue), "eta": .number(t.eta)]
        switch t.mode {
        case .bands:
            o["bands"] = .array(rule.judgedBands.map { .number(Double($0)) })
            o["strict"] = .bool(t.strict)
        case .brackets:
            o["brackets"] = .array(
                rule.brackets.map { b, members in
                    [
                        "s": .number(Double(b.s)),
                        "rungs": .array(b.rungs.map { ["configs": .number(Double($0.configs)), "epochs": .number(Double($0.epochs))] }),
                        "runs": .array(members.map { .string(rule.hashes[$0]) }),
                    ]
                })
        }
        return .object(o)
    }
}
