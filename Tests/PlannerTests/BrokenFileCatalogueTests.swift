import Testing

@testable import Planner

/// Broken sweep and experiment files, each with the exact message a user sees:
/// file:line:column, the key path, and what is wrong. Expected texts are written from the
/// files' text by hand (columns count from 1).
@Suite struct BrokenFileCatalogueTests {
    static let sweeps: [(String, [String])] = [
        // 1. YAML syntax
        (
            "experiment: e.yaml\nparameters:\n  train.lr: { values: [0.1, 0.2 }\n",
            ["DIR/s.yaml:3:33: YAML syntax error: while parsing a flow sequence at 3:23: did not find expected ',' or ']'"]
        ),
        // 2. missing experiment
        (
            "method: grid\nparameters:\n  train.lr: { values: [0.1] }\n",
            ["DIR/s.yaml:1:1: experiment: missing: the experiment file this sweep varies (a path relative to the sweep file)"]
        ),
        // 3. unknown method
        (
            "experiment: e.yaml\nmethod: gird\n",
            ["DIR/s.yaml:2:9: method: unknown value \"gird\"; expected one of: grid, random, bayes; did you mean \"grid\"?"]
        ),
        // 4. bayes without its budget
        ("experiment: e.yaml\nmethod: bayes\n", ["DIR/s.yaml:1:1: run_cap: missing: a bayes search needs run_cap, its budget of runs"]),
        // 5. random without run_cap
        (
            "experiment: e.yaml\nmethod: random\nparameters:\n  train.lr: { distribution: uniform, min: 0.1, max: 0.2 }\n",
            ["DIR/s.yaml:1:1: run_cap: missing: a random search needs run_cap, the number of runs to sample"]
        ),
        // 6. grid over a continuous distribution
        (
            "experiment: e.yaml\nparameters:\n  train.lr: { distribution: uniform, min: 0.1, max: 0.2 }\n",
            [
                "DIR/s.yaml:3:13: parameters.train.lr.distribution: a grid needs a finite set of values, but uniform is continuous (use values, or method: random)"
            ]
        ),
        // 7. unknown distribution
        (
            "experiment: e.yaml\nparameters:\n  train.lr: { distribution: log_uniformm, min: 1, max: 2 }\n",
            [
                "DIR/s.yaml:3:29: parameters.train.lr.distribution: unknown value \"log_uniformm\"; expected one of: constant, categorical, int_uniform, uniform, q_uniform, log_uniform, log_uniform_values, q_log_uniform_values, inv_log_uniform_values, normal, q_normal, log_normal, q_log_normal; did you mean \"log_uniform\"?"
            ]
        ),
        // 8. bounds missing
        (
            "experiment: e.yaml\nmethod: random\nrun_cap: 2\nparameters:\n  train.lr: { distribution: uniform, min: 0.1 }\n",
            ["DIR/s.yaml:5:13: parameters.train.lr: distribution uniform needs min and max"]
        ),
        // 9. min > max
        (
            "experiment: e.yaml\nmethod: random\nrun_cap: 2\nparameters:\n  train.lr: { distribution: uniform, min: 0.3, max: 0.2 }\n",
            ["DIR/s.yaml:5:43: parameters.train.lr.min: min (0.3) is greater than max (0.2)"]
        ),
        // 10. log_uniform_values with min 0
        (
            "experiment: e.yaml\nmethod: random\nrun_cap: 2\nparameters:\n  train.lr: { distribution: log_uniform_values, min: 0, max: 0.2 }\n",
            ["DIR/s.yaml:5:54: parameters.train.lr.min: log_uniform_values needs min > 0 (its bounds are the values themselves)"]
        ),
        // 11. q on a distribution without it
        (
            "experiment: e.yaml\nmethod: random\nrun_cap: 2\nparameters:\n  train.lr: { distribution: uniform, min: 0.1, max: 0.2, q: 0.1 }\n",
            ["DIR/s.yaml:5:61: parameters.train.lr.q: q only applies to q_ distributions (q_uniform, q_normal, …)"]
        ),
        // 12. sigma ≤ 0
        (
            "experiment: e.yaml\nmethod: random\nrun_cap: 2\nparameters:\n  train.lr: { distribution: log_normal, sigma: 0 }\n",
            ["DIR/s.yaml:5:48: parameters.train.lr.sigma: 0 is out of range: must be > 0"]
        ),
        // 13. values not a list
        (
            "experiment: e.yaml\nparameters:\n  train.lr: { values: 0.1 }\n",
            ["DIR/s.yaml:3:23: parameters.train.lr.values: expected a non-empty list of values"]
        ),
        // 14. a bad value in values, reported where the sweep wrote it
        (
            "experiment: e.yaml\nparameters:\n  train.lr:\n    values: [0.1, fast]\n",
            ["DIR/s.yaml:4:19: train.lr: expected a number, found \"fast\""]
        ),
        // 15. a parameter that is not an experiment key
        (
            "experiment: e.yaml\nparameters:\n  train.learning_rate: { values: [0.1] }\n",
            [
                "DIR/s.yaml:3:35: train.learning_rate: unknown key; expected one of: alpha, batch_size, beta1, beta2, centered, clip_grad_norm, dampening, epochs, eps, gamma, log_every, lr, min_lr, momentum, nesterov, optimizer, schedule, seed, step_size, warmup_steps, weight_decay"
            ]
        ),
        // 16. unknown sweep key
        (
            "experiment: e.yaml\nparamters:\n  train.lr: { values: [0.1] }\n",
            ["DIR/s.yaml:2:1: paramters: unknown key; did you mean \"parameters\"?"]
        ),
        // 17. unknown key in a domain
        (
            "experiment: e.yaml\nparameters:\n  train.lr: { valeus: [0.1] }\n",
            [
                "DIR/s.yaml:3:13: parameters.train.lr: expected value, values, or a distribution with its parameters",
                "DIR/s.yaml:3:15: parameters.train.lr.valeus: unknown key; did you mean \"values\"?",
            ]
        ),
        // 18. a sampled float for an integer field, reported at the parameter
        (
            "experiment: e.yaml\nmethod: random\nrun_cap: 2\nparameters:\n  train.epochs: { distribution: uniform, min: 1, max: 3 }\n",
            ["DIR/s.yaml:5:17: train.epochs: expected an integer, found \""]
        ),
        // 19. run_cap not a number
        ("experiment: e.yaml\nrun_cap: lots\n", ["DIR/s.yaml:2:10: run_cap: expected an integer, found \"lots\""]),
        // 20. metric goal misspelt
        (
            "experiment: e.yaml\nmetric: { name: val_accuracy, goal: maximise }\n",
            ["DIR/s.yaml:2:37: metric.goal: unknown value \"maximise\"; expected one of: minimize, maximize; did you mean \"maximize\"?"]
        ),
        // 21. experiment file missing
        ("experiment: nope.yaml\n", ["DIR/nope.yaml: cannot read the file (does it exist?)"]),
        // 22. int_uniform with fractional bounds
        (
            "experiment: e.yaml\nparameters:\n  train.epochs: { distribution: int_uniform, min: 1.5, max: 3 }\n",
            ["DIR/s.yaml:3:51: parameters.train.epochs.min: int_uniform needs whole-number bounds, found 1.5"]
        ),
    ]

    @Test(arguments: sweeps.indices)
    func brokenSweep(_ i: Int) {
        let (sweep, expected) = Self.sweeps[i]
        let got = planErrors(sweep)
        if i == 17 {  // the sampled value is random; its spelling is checked by prefix
            #expect(got.count == 1 && got[0].hasPrefix(expected[0]), "case \(i + 1): \(got)")
        } else {
            #expect(got == expected, "case \(i + 1)")
        }
    }

    static let experiments: [(String, [String])] = [
        (
            "train: { lr: 0.1, optimizer: sgd, beta1: 0.9 }\n",
            ["DIR/e.yaml:1:35: train.beta1: only applies to adam and adamw (optimizer is sgd)"]
        ),
        (
            "train: { schedule: cosine, gamma: 0.5 }\n",
            ["DIR/e.yaml:1:28: train.gamma: only applies to schedule: step (schedule is cosine)"]
        ),
        (
            "train: { optimizer: sgd, nesterov: true }\n",
            ["DIR/e.yaml:1:36: train.nesterov: Nesterov momentum needs momentum > 0 and dampening 0 (as in PyTorch)"]
        ),
        (
            "data: { dataset: cifar10 }\n",
            [
                "DIR/e.yaml:1:18: data.dataset: unknown value \"cifar10\"; expected one of: digits, fashion-mnist, mnist, synthetic, csv, tsv, npy, npz, idx"
            ]
        ),
        ("model: { hidden: [64, 0] }\n", ["DIR/e.yaml:1:23: model.hidden[1]: 0 is out of range: must be ≥ 1"]),
        ("data: { synthetic: { classes: 3 } }\n", ["DIR/e.yaml:1:9: data.synthetic: only applies when data.dataset is synthetic"]),
        ("name: x\nname: y\n", ["DIR/e.yaml:1:1: duplicate key \"name\""]),
    ]

    @Test(arguments: experiments.indices)
    func brokenExperiment(_ i: Int) {
        let (experiment, expected) = Self.experiments[i]
        #expect(planErrors("experiment: e.yaml\n", experiment: experiment) == expected, "experiment case \(i + 1)")
    }
}
