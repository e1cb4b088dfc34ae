import Determinism
import Engine
import Foundation
import Tracker
import Vocabulary

/// `cairn show`'s sections on what a run decided (its confusion matrix, worst class,
/// calibration) and what it cost (counted arithmetic, CPU time, energy, CO₂e).
enum CostAndDecisions {
    /// Metrics shown in the cost section rather than the metric list.
    static func isCost(_ key: String) -> Bool {
        key.hasPrefix("flops_") || key.hasPrefix("cpu_") || key.hasPrefix("energy_") || key.hasPrefix("co2e_")
            || ["parameter_bytes", "optimizer_state_bytes", "carbon_intensity", "wall_seconds"].contains(key)
    }

    /// The names a run's last checkpoint records under `key` (`classes`, `groups`: own data),
    /// else the indices. The checkpoint is read at most once, however many lists are asked for.
    final class Names {
        let tracker: Tracker
        let checkpoint: CheckpointRecord?
        /// Read when a list is first asked for (a run with no confusion matrix never reads it).
        lazy var metadata: [String: String] =
            checkpoint.flatMap { c in (try? tracker.objects.get(c.object)).flatMap { try? SafeTensors.decode($0).metadata } } ?? [:]

        init(_ tracker: Tracker, checkpoints: [CheckpointRecord]) {
            self.tracker = tracker
            checkpoint = checkpoints.last
        }
        func list(_ key: String, count: Int) -> [String] {
            if let text = metadata[key], case .array(let names)? = try? JSONValue.parse(Array(text.utf8)), names.count == count {
                return names.compactMap(\.stringValue)
            }
            return (0..<count).map(String.init)
        }
    }

    /// Per group and between groups, for each figure a data set's `group` column gives.
    static func groups(_ summaries: [String: SummaryRecord], split: String, names: (Int) -> [String]) -> [String] {
        var count = 0
        while summaries[MetricName.perGroup(split, count, "accuracy")] != nil { count += 1 }
        guard count > 0 else { return [] }
        let label = names(count)
        var lines = ["  by group (data.group)"]
        for figure in ["accuracy", "true_positive_rate", "false_positive_rate", "selection_rate"] {
            guard let d = summaries["\(split)_\(figure)_group_difference"]?.final else { continue }
            let each = (0..<count).map { g in
                "\(label[g]) \(summaries[MetricName.perGroup(split, g, figure)]?.final.map { String(format: "%.4f", $0) } ?? "-")"
            }
            let ratio = summaries["\(split)_\(figure)_group_ratio"]?.final ?? 0
            lines.append(
                "    \(figure.replacingOccurrences(of: "_", with: " ")): \(each.joined(separator: ", ")); difference \(String(format: "%.4f", d)), ratio \(String(format: "%.4f", ratio))"
            )
        }
        return lines
    }

    static func decisions(
        _ summaries: [String: SummaryRecord], names: (Int) -> [String], groupNames: (Int) -> [String] = { (0..<$0).map(String.init) }
    ) -> [String] {
        var lines: [String] = []
        for split in ["test", "val"] {
            var classes = 0
            while summaries[MetricName.confusionCell(split, truth: classes, predicted: classes)] != nil { classes += 1 }
            guard classes > 0 else { continue }
            let label = names(classes)
            let width = max(6, (label.map(\.count).max() ?? 1) + 1)
            func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
            lines.append("\ndecisions on \(split == "test" ? "the test set" : "the validation set") (final epoch; rows: true class)")
            lines.append("  " + pad("") + label.map(pad).joined())
            for t in 0..<classes {
                let row = (0..<classes).map { p in
                    summaries[MetricName.confusionCell(split, truth: t, predicted: p)]?.final.map { String(Int($0)) } ?? "-"
                }
                lines.append("  " + pad(label[t]) + row.map(pad).joined())
            }
            let recall = (0..<classes).map { summaries[MetricName.perClass(split, "recall", $0)]?.final ?? 0 }
            if let worst = recall.indices.min(by: { recall[$0] < recall[$1] }) {
                let f = { (k: String) in summaries["\(split)_\(k)"]?.final.map { String(format: "%.4f", $0) } ?? "-" }
                lines.append(
                    "  worst class \(label[worst]) (accuracy \(String(format: "%.4f", recall[worst]))), gap to the best \(f("class_accuracy_gap")), macro-F1 \(f("macro_f1")), calibration error \(f("ece"))"
                )
            }
            lines += groups(summaries, split: split, names: groupNames)
        }
        return lines
    }

    static func cost(_ summaries: [String: SummaryRecord]) -> [String] {
        func v(_ k: String) -> Double? { summaries[k]?.final }
        guard let total = v("flops_total") else { return [] }
        var lines = ["\ncost"]
        let parts = ["forward", "backward", "elementwise", "optimizer", "evaluation"].compactMap { k in
            v("flops_" + k).map { "\(k) \(gflop($0))" }
        }
        lines.append("  compute   \(gflop(total)) GFLOP in all, counted from the shapes; per epoch: \(parts.joined(separator: ", "))")
        if let p = v("parameter_bytes"), let o = v("optimizer_state_bytes") {
            lines.append("  memory    parameters \(bytes(p)), optimizer state \(bytes(o))")
        }
        if let u = v("cpu_user_seconds"), let s = v("cpu_system_seconds") {
            lines.append(
                String(
                    format: "  cpu       %.2f s user, %.2f s system (the run's process); %.2f s of wall time training", u, s,
                    v("wall_seconds") ?? 0))
        }
        let measured = v("energy_joules") != nil
        if let j = v("energy_joules") ?? v("energy_joules_estimate") {
            let how =
                measured ? "measured (RAPL, by the run's share of CPU time)" : "estimated from CPU time (CAIRN_CPU_WATTS per busy core)"
            let co2 = v("co2e_grams") ?? v("co2e_grams_estimate") ?? 0
            let perGFLOP = v("energy_joules_per_gflop") ?? v("energy_joules_per_gflop_estimate") ?? 0
            lines.append(String(format: "  energy    %.1f J, %@; %.3f J/GFLOP", j, how, perGFLOP))
            lines.append(
                String(
                    format: "  CO₂e      %.4f g at %.0f gCO₂e/kWh (CAIRN_CARBON_INTENSITY; default: the world average)", co2,
                    v("carbon_intensity") ?? 0))
        }
        return lines
    }

    static func gflop(_ x: Double) -> String { String(format: "%.4g", x / 1e9) }
    static func bytes(_ x: Double) -> String { x >= 1e6 ? String(format: "%.1f MB", x / 1e6) : String(format: "%.1f kB", x / 1e3) }
}
