import Foundation
import TestSupport

@testable import Planner

let smallExperiment = """
    name: small
    data: { dataset: synthetic, synthetic: { features: 4, train_size: 40, test_size: 10 } }
    model: { hidden: [8] }
    train: { optimizer: adam, lr: 0.01, epochs: 1, batch_size: 8 }
    """

/// Plans `sweep` (written as s.yaml next to e.yaml holding `experiment`).
func planSweep(_ sweep: String, experiment: String = smallExperiment, overrides: [String] = [], maxRuns: Int = 10_000) throws -> Plan {
    let dir = try scratch(["e.yaml": experiment, "s.yaml": sweep])
    return try Planner.plan(file: "\(dir)/s.yaml", overrides: overrides, maxRuns: maxRuns)
}

/// The error lines of planning `sweep`, with the scratch directory replaced by `DIR`.
func planErrors(_ sweep: String, experiment: String = smallExperiment, overrides: [String] = []) -> [String] {
    do {
        let dir = try scratch(["e.yaml": experiment, "s.yaml": sweep])
        do {
            _ = try Planner.plan(file: "\(dir)/s.yaml", overrides: overrides)
            return []
        } catch let e as ConfigErrors {
            return e.errors.map { $0.description.replacingOccurrences(of: dir, with: "DIR") }
        } catch {
            return ["\(error)".replacingOccurrences(of: dir, with: "DIR")]
        }
    } catch {
        return ["scratch: \(error)"]
    }
}
