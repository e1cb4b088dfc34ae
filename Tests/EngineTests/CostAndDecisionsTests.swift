import Foundation
import Testing

@testable import Engine

/// The classification report against scikit-learn and torchmetrics, and the energy meter on
/// fixture counter files.
@Suite struct CostAndDecisionsTests {
    struct SklearnFixture: Decodable {
        let y_true: [Int]
        let y_pred: [Int]
        let confusion: [[Int]]
        let precision: [Double]
        let recall: [Double]
        let f1: [Double]
        let macro_f1: Double
    }

    /// Predictions and scikit-learn's figures for them (Fixtures/sklearn-classification-report.json,
    /// made by scikit-learn; class 3 is never predicted, so its precision is 0 by zero_division).
    @Test func matchesScikitLearn() throws {
        let url = try #require(
            Bundle.module.url(forResource: "sklearn-classification-report", withExtension: "json", subdirectory: "Fixtures"))
        let f = try JSONDecoder().decode(SklearnFixture.self, from: Data(contentsOf: url))
        var r = ClassificationReport(classes: 4)
        for (t, p) in zip(f.y_true, f.y_pred) { r.add(truth: t, predicted: p, confidence: 0.5) }
        #expect(r.confusion == f.confusion.flatMap { $0 })
        for k in 0..<4 {
            #expect(abs(r.precision(k) - f.precision[k]) < 1e-12)
            #expect(abs(r.recall(k) - f.recall[k]) < 1e-12)
            #expect(abs(r.f1(k) - f.f1[k]) < 1e-12)
        }
        #expect(abs(r.macroF1 - f.macro_f1) < 1e-12)
        #expect(r.worstClassAccuracy == f.recall.min()! && abs(r.classAccuracyGap - (f.recall.max()! - f.recall.min()!)) < 1e-12)
    }

    /// torchmetrics' documented example of MulticlassCalibrationError: preds [[0.25, 0.20, 0.55],
    /// [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]], target [0, 1, 2, 0], 3 bins,
    /// L1 norm: 0.2000. With Cairn's 15 bins the confidences fall in bins 8, 8, 9 and 13.
    @Test func expectedCalibrationError() {
        let rows: [(truth: Int, predicted: Int, confidence: Float)] = [(0, 2, 0.55), (1, 0, 0.55), (2, 2, 0.60), (0, 0, 0.90)]
        var three = ClassificationReport(classes: 3, bins: 3)
        for row in rows { three.add(truth: row.truth, predicted: row.predicted, confidence: row.confidence) }
        #expect(abs(three.expectedCalibrationError - 0.2) < 1e-7)
        var r = ClassificationReport(classes: 3)
        for row in rows { r.add(truth: row.truth, predicted: row.predicted, confidence: row.confidence) }
        #expect(r.binCount[8] == 2 && r.binCount[9] == 1 && r.binCount[13] == 1)
        // |0 − 1.10| + |1 − 0.60| + |1 − 0.90|, over 4 rows
        let expected = (abs(0 - (Double(Float(0.55)) * 2)) + abs(1 - Double(Float(0.60))) + abs(1 - Double(Float(0.90)))) / 4
        #expect(abs(r.expectedCalibrationError - expected) < 1e-12)
        // A confidence of exactly 1 has a bin of its own.
        r.add(truth: 1, predicted: 1, confidence: 1)
        #expect(r.binCount[15] == 1)
    }

    static func fixture(energy: [UInt64], range: UInt64, stat: String) throws -> (root: String, stat: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-rapl-\(UUID().uuidString)").path
        for (i, e) in energy.enumerated() {
            let dir = "\(root)/intel-rapl:\(i)"
            try FileManager.default.createDirectory(atPath: dir + "/intel-rapl:\(i):0", withIntermediateDirectories: true)
            try "\(e)\n".write(toFile: "\(dir)/energy_uj", atomically: true, encoding: .utf8)
            try "\(range)\n".write(toFile: "\(dir)/max_energy_range_uj", atomically: true, encoding: .utf8)
        }
        try stat.write(toFile: "\(root)/stat", atomically: true, encoding: .utf8)
        return (root, "\(root)/stat")
    }

    /// Two packages, one of which wraps; the run had half the machine's busy CPU time.
    @Test func raplCountersAcrossAWrapAttributedByCPUShare() throws {
        let (root, stat) = try Self.fixture(
            energy: [1_000_000, 262_000_000], range: 262_143_328_850, stat: "cpu  100 0 100 5000 0 0 0 0 0 0\n")
        var m = EnergyMeter(powercap: root, procStat: stat, environment: [:])
        #expect(m.measured && m.counters.count == 2)  // the subdomain intel-rapl:N:0 is not counted twice
        m.sample(processCPUSeconds: 1)
        try "3000000\n".write(toFile: "\(root)/intel-rapl:0/energy_uj", atomically: true, encoding: .utf8)  // +2 J
        try "1000000\n".write(toFile: "\(root)/intel-rapl:1/energy_uj", atomically: true, encoding: .utf8)  // wrapped
        try "cpu  300 0 100 5200 0 0 0 0 0 0\n".write(toFile: stat, atomically: true, encoding: .utf8)  // 2 busy seconds more
        m.sample(processCPUSeconds: 2)  // 1 of them the run's
        let wrapped = Double(262_143_328_850 - 262_000_000 + 1_000_000)
        #expect(abs(m.joules - (2_000_000 + wrapped) / 1e6 * 0.5) < 1e-9)
        #expect(EnergyMeter.delta(10, 4, maxRange: 20) == 14)
    }

    @Test func withoutCountersTheEstimateIsUsedAndConfigurable() {
        var m = EnergyMeter(
            powercap: "/nonexistent", procStat: "/proc/stat", environment: ["CAIRN_CPU_WATTS": "15", "CAIRN_CARBON_INTENSITY": "100"])
        #expect(!m.measured)
        m.sample(processCPUSeconds: 4)
        #expect(m.joules == 60 && abs(m.co2eGrams - 60 / 3.6e6 * 100) < 1e-15)
        var metrics = MachineMetrics(epoch: 1, step: 1, epochSeconds: 1, samplesPerSecond: 1, peakRSSBytes: 1)
        metrics.energyJoules = m.joules
        #expect(metrics.values.contains { $0.key == "energy_joules_estimate" } && !metrics.values.contains { $0.key == "energy_joules" })
    }
}

/// Group fairness against Fairlearn's MetricFrame on the 18-sample example of its user guide
/// (Fixtures/fairlearn-metricframe.json, computed by Fairlearn).
@Suite struct GroupReportTests {
    struct Fixture: Decodable {
        let y_true: [Int]
        let y_pred: [Int]
        let groups: [String]
        let overall: [String: Double]
        let by_group: [String: [String: Double]]
        let difference_between_groups: [String: Double]
        let ratio_between_groups: [String: Double]
        let difference_to_overall: [String: Double]
        let ratio_to_overall: [String: Double]
    }

    @Test func matchesFairlearn() throws {
        let url = try #require(Bundle.module.url(forResource: "fairlearn-metricframe", withExtension: "json", subdirectory: "Fixtures"))
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let names = Array(Set(f.groups)).sorted()
        var r = GroupReport(groups: names.count, classes: 2)
        for (g, (t, p)) in zip(f.groups, zip(f.y_true, f.y_pred)) { r.add(group: names.firstIndex(of: g)!, truth: t, predicted: p) }
        let figures = r.figures
        #expect(figures.map(\.name) == ["accuracy", "true_positive_rate", "false_positive_rate", "selection_rate"])
        for (name, byGroup, overall) in figures {
            #expect(abs(overall - f.overall[name]!) < 1e-12, "\(name)")
            for (i, g) in names.enumerated() { #expect(abs(byGroup[i] - f.by_group[name]![g]!) < 1e-12, "\(name) \(g)") }
            let a = GroupReport.aggregates(byGroup, overall: overall)
            #expect(abs(a.difference - f.difference_between_groups[name]!) < 1e-12, "\(name)")
            #expect(abs(a.ratio - f.ratio_between_groups[name]!) < 1e-12, "\(name)")
            #expect(abs(a.toOverall - f.difference_to_overall[name]!) < 1e-12, "\(name)")
            #expect(abs(a.ratioToOverall - f.ratio_to_overall[name]!) < 1e-12, "\(name)")
        }
        let keys = r.metrics("test").map(\.key)
        #expect(keys.contains("test_accuracy_group_difference") && keys.contains("test_group_2_selection_rate"))
    }
}
