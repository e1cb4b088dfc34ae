import Determinism
import Foundation
import TestSupport
import Testing
import Vocabulary

@testable import Planner

/// The `data` section of a file data set: what goes into the spec (and the hash), what does
/// not, and the defaults a regression run gets.
@Suite struct FileDataSpecTests {
    static let csv = "a,b,y\n" + (0..<20).map { "\($0),\($0 % 3),\(Double($0) / 4)" }.joined(separator: "\n") + "\n"

    static func plan(_ data: String, extra: [String: String] = [:]) throws -> Plan {
        let dir = try scratch(
            ["d/t.csv": csv, "e.yaml": "data: { \(data) }\nmodel: { hidden: [4] }\ntrain: { epochs: 1 }\n"].merging(extra) { $1 })
        return try Planner.plan(file: "\(dir)/e.yaml")
    }

    static func errors(_ data: String) -> [String] {
        do {
            _ = try plan(data)
            return []
        } catch let e as ConfigErrors {
            return e.errors.map(\.message)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func regressionDefaultsToRMSE() throws {
        let p = try Self.plan("dataset: csv, file: d/t.csv, target: y, task: regression")
        #expect(p.runs[0].spec.checkpoint.best == "test_rmse")
        #expect(p.metric.name == "test_rmse" && p.metric.goal == .minimize)
        let v = try Self.plan("dataset: csv, file: d/t.csv, target: y, task: regression, validation: 4")
        #expect(v.metric.name == "val_rmse")
    }

    @Test(arguments: [
        ("val_rmse", Goal.minimize), ("test_mae", .minimize), ("test_r2", .maximize), ("val_r2", .maximize), ("rmse", .minimize),
        ("val_loss", .minimize), ("test_accuracy", .maximize), ("test_ece", .minimize), ("val_class_accuracy_gap", .minimize),
        ("test_macro_f1", .maximize), ("test_worst_class_accuracy", .maximize),
    ])
    func oneRuleDecidesTheDirection(_ name: String, _ goal: Goal) {
        #expect(Goal.of(name) == goal)
    }

    /// Detail (listed as a matrix or table) against headline figures.
    @Test(arguments: [
        ("test_accuracy_class_3", true), ("val_f1_class_0", true), ("test_confusion_2_1", true), ("test_calibration_bin_4_count", true),
        ("test_group_1_accuracy", true), ("test_worst_class_accuracy", false), ("test_class_accuracy_gap", false),
        ("test_accuracy_group_difference", false), ("test_macro_f1", false),
    ])
    func detailIsToldFromHeadlines(_ name: String, _ detail: Bool) {
        #expect(MetricName.isPerClass(name) == detail)
    }

    /// Paths, `store_copy` and the way a value is spelled stay out of the spec; what the model sees is in it.
    @Test func theSpecHoldsWhatTheModelSeesAndNoPath() throws {
        let a = try Self.plan("dataset: csv, file: d/t.csv, target: b")
        let b = try Self.plan("dataset: csv, file: ./d/../d/t.csv, target: [b], store_copy: false")
        #expect(a.runs[0].hash == b.runs[0].hash)
        let json = a.runs[0].spec.json.canonical
        #expect(!json.contains("t.csv") && !json.contains("store_copy"))
        #expect(json.contains("\"test_fraction\":0.2") && json.contains("\"target\":[\"b\"]"))
        let scaled = try Self.plan("dataset: csv, file: d/t.csv, target: b, preprocess: standardize")
        #expect(scaled.runs[0].hash != a.runs[0].hash)
        let other = try Self.plan("dataset: csv, file: d/t.csv, target: b, test_seed: 1")
        #expect(other.runs[0].hash != a.runs[0].hash)
        // A stored spec reads back to the same spec.
        let back = try RunSpec(canonicalJSON: json, source: "stored")
        #expect(back.json.canonical == json)
    }

    @Test func keysThatDoNotApplyAreRefused() {
        #expect(
            Self.errors("dataset: csv, file: d/t.csv, test_file: d/t.csv, target: y, test_fraction: 0.3")
                == ["does not apply here (data.dataset is csv, data.task is classification)"])
        #expect(Self.errors("dataset: digits, target: y") == ["only applies to a file data set (data.dataset: csv, tsv, npy, npz or idx)"])
        #expect(Self.errors("dataset: csv, file: d/t.csv, target: y, target_preprocess: minmax").count == 1)
        #expect(Self.errors("dataset: csv, target: y") == ["missing: the file to read"])
        #expect(Self.errors("dataset: csv, file: d/t.csv") == ["missing: the column to predict"])
        #expect(Self.errors("dataset: npy, file: d/t.csv") == ["missing: the targets' .npy file"])
    }
}
