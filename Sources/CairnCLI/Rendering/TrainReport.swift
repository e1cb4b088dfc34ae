import Datasets
import Engine
import Foundation
import Planner
import Vocabulary

/// Human-readable lines for training progress and results.
enum Report {
    static func header(name: String, hash: String, spec: RunSpec, data: PreparedData) -> String {
        let widths = [data.train.dimension] + spec.model.hidden + [data.outputs]
        let task =
            data.task == .regression
            ? "regression, \(data.outputs) output\(data.outputs == 1 ? "" : "s")"
            : data.classNames.isEmpty ? "\(data.classes) classes" : "classes \(data.classNames.joined(separator: ", "))"
        let t = spec.train
        return """
            \(name)  run \(hash.prefix(12))
              data   \(spec.data.dataset.rawValue): \(data.train.count) train, \(data.validation?.count ?? 0) validation, \(data.test.count) test; \(task)
              model  MLP \(widths.map(String.init).joined(separator: "→")) \(spec.model.activation.rawValue), init \(spec.model.initialization.rawValue)\(spec.model.dropout > 0 ? ", dropout \(spec.model.dropout)" : "")
              train  \(t.optimizer.rawValue) lr \(t.lr), batch \(t.batchSize), \(t.epochs) epochs, seed \(t.seed)
            """
    }

    static func format(_ v: Double) -> String { String(format: "%.4f", v) }

    static func epochLine(_ m: ModelMetrics, _ machine: MachineMetrics, epochs: Int) -> String {
        let width = String(epochs).count
        var s = "  epoch \(String(repeating: " ", count: width - String(m.epoch).count))\(m.epoch)/\(epochs)"
        for (key, label) in [
            ("train_loss", "loss"), ("val_loss", "val_loss"), ("val_accuracy", "val_acc"), ("val_rmse", "val_rmse"),
            ("val_r2", "val_r2"), ("test_loss", "test_loss"), ("test_accuracy", "test_acc"), ("test_rmse", "test_rmse"),
            ("test_r2", "test_r2"),
        ] {
            if let v = m[key] { s += "  \(label) \(format(v))" }
        }
        s += String(format: "  %7.0f samples/s", machine.samplesPerSecond)
        return s
    }

    static func finalTable(_ r: TrainResult) -> String {
        guard let f = r.final else { return "  no epoch completed" }
        var lines = ["", "  \(r.status == .completed ? "completed" : "diverged") after \(f.epoch) epochs, \(f.step) steps"]
        // Names in full, in one column; counts (FLOPs, bytes) as the integers they are.
        let shown = f.values.filter { !MetricName.isPerClass($0.key) }
        let width = shown.map(\.key.count).max() ?? 0
        for m in shown {
            let value = abs(m.value) >= 1000 && m.value == m.value.rounded() ? String(format: "%.0f", m.value) : format(m.value)
            lines.append("  \(m.key.padding(toLength: width, withPad: " ", startingAt: 0))  \(value)")
        }
        // Of the detail, only the test accuracy of each class, in class order: the confusion
        // matrices, calibration bins and per-class precision, recall and F1 are hundreds of
        // numbers, which read as a matrix or a table (`cairn show`) or as JSON, not as one row.
        let perClass = f.values.filter { $0.key.hasPrefix(MetricName.classAccuracyPrefix) }.map { String(format: "%.2f", $0.value) }
        if !perClass.isEmpty { lines.append("  test accuracy by class  \(perClass.joined(separator: " "))") }
        if f.values.contains(where: { MetricName.isPerClass($0.key) && !$0.key.hasPrefix(MetricName.classAccuracyPrefix) }) {
            lines.append("  (confusion matrix, calibration, per-class precision, recall and F1: --json)")
        }
        return lines.joined(separator: "\n")
    }
}
