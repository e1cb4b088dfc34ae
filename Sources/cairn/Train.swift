import Codecs
import ArgumentParser
import Datasets
import Determinism
import Engine
import Foundation
import Planner

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a key of the experiment, e.g. train.lr=0.01 or model.hidden=[128,64]. Repeatable.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("Where to write the final checkpoint (default: <name>.safetensors in the current directory).", valueName: "file"))
    var checkpointOut: String?

    @Option(help: ArgumentHelp("Directory of the IDX files for fashion-mnist or mnist (default: $CAIRN_DATA_DIR, else /usr/share/datasets/fashion-mnist).", valueName: "dir"))
    var dataDir: String?

    @Flag(help: "End stdout with one JSON object of the results, on its own line.")
    var json = false

    func run() throws {
        try guarded {
            let exp: Experiment
            do { exp = try Experiment.load(experiment, overrides: overrides) } catch let e as ConfigErrors {
                throw Failure.badInput(e.description)
            }
            let spec = exp.spec
            let dir = dataDir ?? ProcessInfo.processInfo.environment["CAIRN_DATA_DIR"]
            let data: PreparedData
            do { data = try Datasets.prepare(spec.data, directory: dir) } catch let e as DatasetError {
                throw Failure.badInput(e.description)
            }
            let runHash = spec.hash(datasetSHA256: data.sha256)
            Terminal.line(Report.header(name: exp.name, hash: runHash, spec: spec, data: data))
            let result = Engine.train(model: spec.model, train: spec.train, checkpoint: spec.checkpoint, data: data,
                                      runHash: runHash) { event in
                switch event {
                case let .epochEnd(model, machine):
                    Terminal.line(Report.epochLine(model, machine, epochs: spec.train.epochs))
                case let .diverged(epoch, step, loss):
                    Terminal.line("  diverged in epoch \(epoch) at step \(step): loss is \(loss)")
                default: break
                }
            }
            let out = checkpointOut ?? "\(exp.name).safetensors"
            try FileWriter.atomicWrite(result.finalCheckpoint, to: out)
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
                for m in result.final?.values ?? [] where !m.key.hasPrefix("test_accuracy_class") {
                    summary[m.key == "train_loss" ? "final_train_loss" : m.key] = .number(m.value)
                }
                Terminal.line(JSONValue.object(summary).canonical)
            }
            if result.status == .diverged { throw ExitCode(0) }
        }
    }
}

enum FileWriter {
    /// Writes to a temporary file beside `path`, then renames: a crash never leaves half a file.
    static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw Failure(message: "\(path): cannot write the checkpoint: \(error.localizedDescription)", code: 1)
        }
    }
}
