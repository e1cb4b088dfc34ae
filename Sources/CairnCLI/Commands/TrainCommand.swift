import ArgumentParser
import Codecs
import Datasets
import Determinism
import Engine
import Foundation
import Planner
import Scheduler
import Tracker
import Vocabulary

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one experiment in this process, without a store.",
        discussion: """
            For quick tries and benchmarks: nothing is recorded. Prints one line per epoch, a final \
            table, and the SHA-256 of the final checkpoint (a safetensors file: PyTorch's \
            `safetensors.torch.load_file` reads it). Same experiment, same hash — on any machine.

            Examples:
              cairn train experiments/quickstart.yaml
              cairn train experiments/fashion-mlp.yaml --set data.validation=0 --set train.seed=1
              cairn train experiments/quickstart.yaml --json | tail -1 | python3 -m json.tool
            """)

    @Argument(help: "The experiment file (YAML).")
    var experiment: String

    @OptionGroup var overrides: OverrideOptions

    @Option(
        help: ArgumentHelp("Where to write the final checkpoint (default: <name>.safetensors in the current directory).", valueName: "file")
    )
    var checkpointOut: String?

    @OptionGroup var data: DataOptions
    @OptionGroup var threads: ThreadOptions

    @Flag(help: "End stdout with one JSON object of the results, on its own line.")
    var json = false

    func run() throws {
        let exp = try Experiment.load(experiment, overrides: overrides.values)
        let spec = exp.spec
        let data = try Datasets.prepare(spec.data, directory: self.data.option)
        let runHash = spec.hash(datasetSHA256: data.sha256)
        Terminal.line(Report.header(name: exp.name, hash: runHash, spec: spec, data: data))
        let result = Engine.train(
            model: spec.model, train: spec.train, checkpoint: spec.checkpoint, data: data,
            runHash: runHash, threads: ThreadBudget.singleRun(requested: threads.requested)
        ) { event in
            switch event {
            case let .epochEnd(model, machine):
                Terminal.line(Report.epochLine(model, machine, epochs: spec.train.epochs))
            case let .diverged(epoch, step, loss):
                Terminal.line("  diverged in epoch \(epoch) at step \(step): loss is \(loss)")
            default: break
            }
        }
        let out = checkpointOut ?? "\(exp.name).safetensors"
        do { try writeAtomically(result.finalCheckpoint, to: out) } catch { throw CLIError("\(error)", code: 1) }
        let checkpointHash = sha256Hex([result.finalCheckpoint])
        Terminal.line(Report.finalTable(result))
        Terminal.line("  checkpoint  \(out)\n  sha256      \(checkpointHash)")
        if json {
            var summary: [String: JSONValue] = [
                "run_hash": .string(runHash), "status": .string(result.status.rawValue),
                "checkpoint_sha256": .string(checkpointHash), "checkpoint": .string(out),
                "numerics_version": .number(Double(Engine.numericsVersion)),
                "samples_per_second": .number(result.machine.map(\.samplesPerSecond).reduce(0, +) / Double(max(result.machine.count, 1))),
                "epochs": .number(Double(result.epochs.count)),
            ]
            for m in result.final?.values ?? [] where !MetricName.isPerClass(m.key) {
                summary[m.key == "train_loss" ? "final_train_loss" : m.key] = .number(m.value)
            }
            Terminal.line(JSONValue.object(summary).canonical)
        }
    }
}
