import Engine
import Testing

@testable import Planner

@Suite struct ExperimentTests {
    func errors(_ yaml: String, overrides: [String] = []) -> [String] {
        do {
            _ = try Experiment.parse(yaml, source: "e.yaml", overrides: overrides)
            return []
        } catch let e as ConfigErrors {
            return e.errors.map(\.description)
        } catch {
            return ["unexpected: \(error)"]
        }
    }

    @Test func defaultsAreFilledIn() throws {
        let e = try Experiment.parse("name: x\n", source: "e.yaml")
        #expect(e.spec.train == TrainConfig())
        #expect(e.spec.model == ModelConfig())
        #expect(e.spec.checkpoint.best == "test_accuracy")
        guard case .object(let train)? = e.spec.json["train"] else {
            Issue.record("no train")
            return
        }
        #expect(train["lr"] == .number(0.001) && train["beta1"] == .number(0.9) && train["momentum"] == nil)
    }

    @Test func valuesAreDecodedBySchemaType() throws {
        // YAML 1.1 would read `on` as true and `010` as 8: a string field keeps the text.
        let e = try Experiment.parse("name: on\ntrain: { lr: 1, epochs: 3 }\n", source: "e.yaml")
        #expect(e.name == "on")
        #expect(e.spec.train.lr == 1.0)
        let f = try Experiment.parse("name: 010\n", source: "e.yaml")
        #expect(f.name == "010")
    }

    @Test func hashIgnoresSpellingButNotValues() throws {
        func hash(_ yaml: String) throws -> String { try Experiment.parse(yaml, source: "e.yaml").spec.hash(datasetSHA256: "d") }
        let a = try hash("train: { lr: 0.10, epochs: 2 }\nmodel: { hidden: [8] }\n")
        let b = try hash("model:\n  hidden:\n    - 8\ntrain:\n  epochs: 2 # two\n  lr: 1e-1\n")
        let c = try hash("train: { lr: 0.1, epochs: 2, beta1: 0.9 }\nmodel: { hidden: [8] }\nname: other\n")
        #expect(a == b && b == c)
        #expect(try hash("train: { lr: 0.1, epochs: 3 }\nmodel: { hidden: [8] }\n") != a)
        #expect(
            try Experiment.parse("train: { lr: 0.1 }", source: "e").spec.hash(datasetSHA256: "other")
                != Experiment.parse("train: { lr: 0.1 }", source: "e").spec.hash(datasetSHA256: "d"))
    }

    @Test func errorsNameFileLineColumnAndKey() {
        #expect(errors("train:\n  lr: fast\n") == ["e.yaml:2:7: train.lr: expected a number, found \"fast\""])
        #expect(errors("train: { lr: \"0.1\" }") == ["e.yaml:1:14: train.lr: expected a number, found \"0.1\""])
        #expect(errors("model: { hiden: [3] }") == ["e.yaml:1:10: model.hiden: unknown key; did you mean \"hidden\"?"])
        #expect(
            errors("train: { optimizer: adamm }") == [
                "e.yaml:1:21: train.optimizer: unknown value \"adamm\"; expected one of: sgd, adam, adamw, rmsprop; did you mean \"adam\"?"
            ])
        #expect(
            errors("train: { optimizer: adam, momentum: 0.9 }") == [
                "e.yaml:1:27: train.momentum: only applies to sgd and rmsprop (optimizer is adam)"
            ])
        #expect(errors("train: { epochs: 2.5 }") == ["e.yaml:1:18: train.epochs: expected an integer, found \"2.5\""])
        #expect(errors("model: { dropout: 1.5 }") == ["e.yaml:1:19: model.dropout: 1.5 is out of range: must be in [0, 1)"])
        #expect(errors("train: [1, 2]") == ["e.yaml:1:8: train: expected a mapping of keys to values, found a list"])
        #expect(errors("train: { lr: 0.1\n").first?.hasPrefix("e.yaml:2:1: YAML syntax error") == true)
        #expect(
            errors("checkpoint: { best: val_accuracy }") == [
                "e.yaml:1:21: checkpoint.best: \"val_accuracy\" is not a metric this run records; expected one of: train_loss, test_loss, test_accuracy (there is no validation set: set data.validation)"
            ])
    }

    @Test func everyErrorIsReportedAtOnce() {
        let e = errors("train: { lr: -1, batch_size: 0 }\nmodel: { activation: relux }\n")
        #expect(e.count == 3)
    }

    @Test func overridesSetAndReportByArgument() throws {
        let e = try Experiment.parse(
            "train: { lr: 0.1 }", source: "e.yaml", overrides: ["train.lr=0.01", "model.hidden=[4,2]", "data.validation=10"])
        #expect(e.spec.train.lr == 0.01 && e.spec.model.hidden == [4, 2] && e.spec.data.validation == 10)
        #expect(errors("", overrides: ["train.lr=fast"]) == ["--set train.lr=fast: train.lr: expected a number, found \"fast\""])
        #expect(errors("", overrides: ["lr"]) == ["--set lr: expected key=value, e.g. --set train.lr=0.01"])
        #expect(
            errors("train: { lr: 0.1 }", overrides: ["train.lr.x=1"]) == [
                "--set train.lr.x=1: train.lr.x: train.lr is not a mapping, so it has no key \"x\""
            ])
    }
}

@Suite struct SpecRoundTripTests {
    /// A run's process reads its spec back from the store: the canonical JSON must decode to
    /// the same spec, for every data set and optimizer.
    @Test(arguments: [
        "data: { dataset: synthetic, synthetic: { features: 6, train_size: 50 } }\ntrain: { optimizer: sgd, momentum: 0.9, nesterov: true }",
        "data: { dataset: digits, validation: 100 }\ntrain: { optimizer: rmsprop, centered: true, schedule: step, gamma: 0.5 }",
        "data: { dataset: fashion-mnist }\nmodel: { hidden: [], dropout: 0.1 }\ntrain: { optimizer: adamw, schedule: cosine, min_lr: 0.0001 }\ncheckpoint: { every: 2 }",
    ])
    func canonicalSpecDecodesToItself(_ yaml: String) throws {
        let spec = try Experiment.parse(yaml, source: "e.yaml").spec
        let back = try Experiment.parse(spec.json.canonical, source: "stored").spec
        #expect(back == spec)
        #expect(back.json.canonical == spec.json.canonical)
    }
}
