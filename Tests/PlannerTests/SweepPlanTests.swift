import Determinism
import Foundation
import TestSupport
import Testing

@testable import Planner

@Suite struct SweepPlanTests {
    @Test func gridCountIsTheProductInOdometerOrder() throws {
        let plan = try planSweep(
            """
            experiment: e.yaml
            method: grid
            parameters:
              train.lr: { values: [0.1, 0.01, 0.001] }
              model.hidden: { values: [[4], [8]] }
              train.seed: { values: [0, 1] }
            """)
        #expect(plan.runs.count == 12 && plan.gridUpperBound == 12)
        #expect(Set(plan.runs.map(\.hash)).count == 12)
        // Keys sorted (model.hidden, train.lr, train.seed); the last varies fastest.
        #expect(plan.runs.prefix(3).map { $0.params["train.seed"]! } == [0, 1, 0])
        #expect(plan.runs.prefix(3).map { $0.params["train.lr"]! } == [0.1, 0.1, 0.01])
        #expect(plan.runs[0].params["model.hidden"] == [4] && plan.runs[6].params["model.hidden"] == [8])
        #expect(plan.varyingKeys == ["model.hidden", "train.lr", "train.seed"])
    }

    @Test func duplicateGridSpecsCollapse() throws {
        let plan = try planSweep("experiment: e.yaml\nparameters:\n  train.lr: { values: [0.1, 0.10, 1e-1, 0.2] }\n")
        #expect(plan.gridUpperBound == 4 && plan.runs.count == 2)
    }

    @Test func parameterOrderAndNestingDoNotChangeHashes() throws {
        let a = try planSweep("experiment: e.yaml\nparameters:\n  train.lr: { values: [0.1, 0.2] }\n  model.hidden: { values: [[3]] }\n")
        let b = try planSweep(
            """
            parameters:
              model:
                parameters:
                  hidden: { values: [[3]] }
              train: { parameters: { lr: { values: [0.2, 0.1] } } }
            experiment: e.yaml
            """)
        #expect(Set(a.runs.map(\.hash)) == Set(b.runs.map(\.hash)))
    }

    @Test func randomPlansAreReproducibleAndSeeded() throws {
        let sweep = { (seed: Int) in
            """
            experiment: e.yaml
            method: random
            run_cap: 20
            seed: \(seed)
            parameters:
              train.lr: { distribution: log_uniform_values, min: 0.0001, max: 0.1 }
              model.activation: { values: [relu, tanh] }
              train.batch_size: { distribution: int_uniform, min: 4, max: 64 }
            """
        }
        let a = try planSweep(sweep(1))
        let b = try planSweep(sweep(1))
        let c = try planSweep(sweep(2))
        #expect(a.runs.count == 20)
        #expect(a.runs.map(\.hash) == b.runs.map(\.hash))
        #expect(a.runs.map(\.hash) != c.runs.map(\.hash))
        #expect(a.sweepHash != c.sweepHash)
        for r in a.runs {
            #expect(r.spec.train.lr >= 0.0001 && r.spec.train.lr <= 0.1)
            #expect((4...64).contains(r.spec.train.batchSize))
        }
    }

    @Test func randomSearchRefusesATooSmallSpace() {
        let errors = planErrors("experiment: e.yaml\nmethod: random\nrun_cap: 5\nparameters:\n  train.seed: { values: [0, 1] }\n")
        #expect(
            errors == [
                "DIR/s.yaml: run_cap: asks for 5 distinct runs, but the parameters allow at most 2; lower run_cap or widen the search"
            ])
    }

    @Test func maxRunsIsCheckedBeforeBuilding() {
        let values = "[" + (0..<1000).map(String.init).joined(separator: ",") + "]"
        let sweep =
            "experiment: e.yaml\nparameters:\n  train.seed: { values: \(values) }\n  data.split_seed: { values: \(values) }\n  train.log_every: { distribution: int_uniform, min: 1, max: 1000 }\n"
        let start = ContinuousClock.now
        let errors = planErrors(sweep)
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(
            errors == [
                "the grid has 1,000,000,000 points (an upper bound: duplicates collapse), more than the limit of 10000 runs (--max-runs)"
            ])
    }

    @Test func gridCountWithoutMaterialising() throws {
        let dir = try scratch([
            "s.yaml":
                "experiment: e.yaml\nparameters:\n  a: { distribution: int_uniform, min: 1, max: 1000 }\n  b: { distribution: int_uniform, min: 1, max: 1000 }\n  c: { distribution: int_uniform, min: 1, max: 1000 }\n"
        ])
        #expect(try Planner.gridCount(file: "\(dir)/s.yaml") == 1e9)
    }

    @Test func overridesSweepAndCombineWithTheSweepFile() throws {
        let plan = try planSweep(
            "experiment: e.yaml\nparameters:\n  train.lr: { values: [0.1, 0.2] }\n",
            overrides: ["train.seed=range(0,3)", "train.lr=0.5", "model.activation=choice(relu,'tanh')"])
        #expect(plan.runs.count == 6)
        #expect(Set(plan.runs.map(\.spec.train.lr)) == [0.5])
        #expect(Set(plan.runs.map(\.spec.train.seed)) == [0, 1, 2])
        let lists = try planSweep("experiment: e.yaml\n", overrides: ["model.hidden=[4,2],[8]", "train.lr=range(0.1,0.35,0.1)"])
        #expect(Set(lists.runs.map(\.spec.model.hidden)) == [[4, 2], [8]])
        #expect(Set(lists.runs.map(\.spec.train.lr)) == [0.1, 0.2, 0.30000000000000004])
    }

    @Test func anExperimentAlonePlansOneRunWithTheTrainHash() throws {
        let dir = try scratch(["e.yaml": smallExperiment])
        let plan = try Planner.plan(file: "\(dir)/e.yaml")
        let e = try Experiment.load("\(dir)/e.yaml")
        #expect(plan.runs.count == 1)
        #expect(plan.runs[0].hash == e.spec.hash(datasetSHA256: plan.runs[0].datasetSHA256))
    }

    @Test func wandbOnlyKeysWarn() throws {
        let plan = try planSweep(
            """
            program: train.py
            command: [python, train.py]
            project: p
            entity: e
            experiment: e.yaml
            parameters: { train.lr: { values: [0.1] } }
            """)
        #expect(plan.warnings.count == 4)
        #expect(plan.warnings.first?.hasSuffix("s.yaml:1:10: warning: program: a Weights & Biases key that Cairn ignores") == true)
    }
}
