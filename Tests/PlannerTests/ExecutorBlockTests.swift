import Testing

@testable import Planner

/// A sweep file's `executor:` block: read with file, line and key on every mistake, and
/// part of neither the runs' hashes nor the sweep's.
@Suite struct ExecutorBlockTests {
    static let sweep = """
        experiment: e.yaml
        method: grid
        parameters:
          train.lr: { values: [0.01, 0.03] }
        """

    @Test func theBlockIsReadAndChangesNoHash() throws {
        let plain = try planSweep(Self.sweep)
        let slurm = try planSweep(
            Self.sweep + """

                executor:
                  type: slurm
                  partition: gpu
                  time: 30m
                  throttle: 4
                  sbatch_args: [--qos=long, --account=ml]
                """)
        let block = try #require(slurm.sweep?.executor)
        #expect(block.kind == .slurm && block.partition == "gpu" && block.time == 1800 && block.throttle == 4)
        #expect(block.sbatchArguments == ["--qos=long", "--account=ml"])
        #expect(slurm.sweepHash == plain.sweepHash)
        #expect(slurm.runs.map(\.hash) == plain.runs.map(\.hash))
        #expect(plain.sweep?.executor == nil)
    }

    @Test func mistakesNameTheLineAndKey() {
        let errors = planErrors(
            Self.sweep + """

                executor:
                  type: slurn
                  time: soon
                  throttle: 0
                  partiton: gpu
                """)
        #expect(
            errors.contains { $0.hasPrefix("DIR/s.yaml:6:") && $0.contains("executor.type") && $0.contains("did you mean \"slurm\"") },
            "\(errors)")
        #expect(errors.contains { $0.contains("executor.time") && $0.contains("expected a duration (90, 90s, 10m, 2h)") }, "\(errors)")
        #expect(errors.contains { $0.contains("executor.throttle") && $0.contains("≥ 1") }, "\(errors)")
        #expect(errors.contains { $0.contains("executor.partiton") && $0.contains("did you mean \"partition\"") }, "\(errors)")
    }

    @Test func slurmSettingsOnALocalBlockAreRefused() {
        let errors = planErrors(Self.sweep + "\nexecutor: { type: local, partition: gpu }")
        #expect(errors.contains { $0.contains("executor.partition") && $0.contains("applies to type: slurm") }, "\(errors)")
    }
}
