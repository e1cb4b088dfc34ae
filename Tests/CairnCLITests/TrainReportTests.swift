import Foundation
import Testing

@testable import CairnCLI
@testable import Engine

/// The table `cairn train` ends with: the run's figures one per line under their full names,
/// then each class's test accuracy on one line, and none of the hundreds of numbers of its
/// confusion matrices and calibration bins.
struct TrainReportTests {
    @Test func theFinalTableListsEachClassAccuracyAndNoMatrixCell() {
        let values: [(String, Double)] = [
            ("train_loss", 0.5), ("test_accuracy", 0.625), ("test_accuracy_class_0", 0.25), ("test_accuracy_class_1", 0.75),
            ("test_macro_f1", 0.5), ("test_worst_class_accuracy", 0.25), ("flops_total", 166_893_340), ("test_precision_class_1", 0.33),
            ("test_confusion_1_0", 417),
            ("test_calibration_bin_3_count", 2_228),
        ]
        let final = ModelMetrics(epoch: 2, step: 10, values: values.map { ModelMetrics.Metric(key: $0.0, value: $0.1) })
        let table = Report.finalTable(TrainResult(status: .completed, final: final, epochs: [final], machine: [], finalCheckpoint: []))
        let lines = table.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        // One column, as wide as the longest name, which is not cut.
        #expect(lines.contains("test_accuracy              0.6250"))
        #expect(lines.contains("test_worst_class_accuracy  0.2500"))
        #expect(lines.contains("flops_total                166893340"))
        #expect(lines.contains("test accuracy by class  0.25 0.75"))
        for cell in ["417", "2228", "0.33"] { #expect(!table.contains(cell), "\(cell) is detail for --json") }
        #expect(lines.contains { $0.contains("--json") })
    }
}
