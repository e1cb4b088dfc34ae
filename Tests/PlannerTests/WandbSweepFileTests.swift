import Testing

@testable import Planner

/// Sweep files as people write them for Weights & Biases plan unchanged (apart from the
/// experiment key and Cairn's key names).
@Suite struct WandbSweepFileTests {
    @Test(arguments: [
        """
        program: train.py
        method: random
        name: sweep
        run_cap: 10
        metric: { goal: maximize, name: val_accuracy }
        experiment: e.yaml
        parameters:
          train.batch_size: { values: [16, 32, 64] }
          train.epochs: { value: 2 }
          train.lr: { max: 0.1, min: 0.0001 }
        """,
        """
        method: grid
        metric:
          name: test_loss
          goal: minimize
        project: my-project
        entity: my-team
        command:
          - ${env}
          - ${interpreter}
          - ${program}
          - ${args}
        experiment: e.yaml
        parameters:
          train:
            parameters:
              optimizer: { values: [adam, sgd] }
              lr: { values: [0.01, 0.001] }
          model:
            parameters:
              hidden: { values: [[8], [16, 8]] }
              dropout: { values: [0.0, 0.25] }
        """,
        """
        description: random search with every kind of distribution
        method: random
        run_cap: 30
        seed: 3
        early_terminate: { type: hyperband, min_iter: 3 }
        experiment: e.yaml
        parameters:
          train.lr: { distribution: q_log_uniform_values, min: 0.0001, max: 0.1, q: 0.0001 }
          train.batch_size: { distribution: q_uniform, min: 8, max: 64, q: 8 }
          train.weight_decay: { distribution: log_uniform, min: -9, max: -4 }
          train.beta1: { distribution: uniform, min: 0.8, max: 0.95 }
          train.seed: { distribution: int_uniform, min: 0, max: 1000 }
          model.dropout: { distribution: constant, value: 0.1 }
          model.activation: { distribution: categorical, values: [relu, gelu] }
        """,
    ])
    func plansWithoutError(_ sweep: String) throws {
        let plan = try planSweep(sweep)
        #expect(!plan.runs.isEmpty)
        #expect(Set(plan.runs.map(\.hash)).count == plan.runs.count)
    }
}
