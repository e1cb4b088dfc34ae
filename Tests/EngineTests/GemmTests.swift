import Testing

@testable import Engine

@Suite struct GemmTests {
    /// Shapes that hit the full tiles (8×32 or 6×16), the 4- and 1-row tiles below them, the
    /// padded column tail, and k beyond one block (256 or 128).
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (8, 32, 5), (16, 64, 33), (13, 10, 7), (64, 256, 784), (9, 47, 3), (1, 1, 1), (24, 17, 64), (7, 300, 2),
        (10, 33, 9), (29, 20, 300),
    ]

    @Test(arguments: shapes.indices)
    func simdPathEqualsScalarPathBitForBit(shape: Int) {
        let (m, n, k) = GemmTests.shapes[shape]
        for transposed in [false, true] {
            let a = uniforms(m * k, seed: 1)
            let b = uniforms(k * n, seed: 2)
            let c0 = uniforms(m * n, seed: 3)
            var simd = c0
            var scalar = c0
            let (aRow, aCol) = transposed ? (1, m) : (k, 1)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    simd.withUnsafeMutableBufferPointer { cp in
                        gemm(
                            .simd, m: m, n: n, k: k, a: MatrixRows(ap.baseAddress!, ld: transposed ? m : k), transposeA: transposed,
                            b: bp.baseAddress!, ldb: n,
                            c: cp.baseAddress!, ldc: n)
                    }
                    scalar.withUnsafeMutableBufferPointer { cp in
                        gemm(
                            .scalar, m: m, n: n, k: k, a: MatrixRows(ap.baseAddress!, ld: transposed ? m : k), transposeA: transposed,
                            b: bp.baseAddress!, ldb: n,
                            c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            #expect(simd.map(\.bitPattern) == scalar.map(\.bitPattern), "\(m)×\(n)×\(k) transposed: \(transposed)")
            // And both compute the product: compare with a double-precision sum.
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var ref = Double(c0[i * n + j])
                    for p in 0..<k { ref += Double(a[i * aRow + p * aCol]) * Double(b[p * n + j]) }
                    worst = max(worst, abs(ref - Double(simd[i * n + j])))
                }
            }
            #expect(worst < 1e-4 * Double(max(k, 1)), "\(m)×\(n)×\(k): off by \(worst)")
        }
    }

    /// The fused start and finish on the SIMD path equal the reference definition on the
    /// scalar path, and both equal the unfused steps they replace: copy the bias (or zero
    /// the output), accumulate, then apply the ReLU or its gradient gate elementwise.
    @Test(arguments: shapes.indices)
    func fusedStartAndFinishEqualTheUnfusedSteps(shape: Int) {
        let (m, n, k) = GemmTests.shapes[shape]
        let a = uniforms(m * k, seed: 4)
        let b = uniforms(k * n, seed: 5)
        let bias = uniforms(n, seed: 6)
        var gate = uniforms(m * n, seed: 7)
        for i in stride(from: 0, to: gate.count, by: 5) { gate[i] = 0 }  // a ReLU's output has zeros
        gate = gate.map { max($0, 0) }
        for startCase in 0..<2 {
            for finishCase in 0..<3 {
                // The unfused steps.
                var expected = [Float](repeating: 0, count: m * n)
                for i in 0..<m { for j in 0..<n { expected[i * n + j] = startCase == 0 ? bias[j] : 0 } }
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        expected.withUnsafeMutableBufferPointer { cp in
                            gemm(
                                .scalar, m: m, n: n, k: k, a: MatrixRows(ap.baseAddress!, ld: k), b: bp.baseAddress!, ldb: n,
                                c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
                if finishCase == 1 { expected = expected.map { $0 > 0 ? $0 : 0 } }
                if finishCase == 2 {
                    var zeroed = [Float](repeating: 0, count: m * n)
                    for i in 0..<(m * n) { zeroed[i] += gate[i] > 0 ? expected[i] : 0 }
                    expected = zeroed
                }
                for path in [KernelPath.simd, .scalar] {
                    var c = uniforms(m * n, seed: 8)  // overwritten whole: the start is not c
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            bias.withUnsafeBufferPointer { biasp in
                                gate.withUnsafeBufferPointer { gp in
                                    c.withUnsafeMutableBufferPointer { cp in
                                        let start: GemmStart = startCase == 0 ? .row(biasp.baseAddress!) : .zero
                                        let finish: GemmFinish =
                                            finishCase == 0 ? .none : finishCase == 1 ? .relu : .reluGate(gp.baseAddress!, ld: n)
                                        gemm(
                                            path, m: m, n: n, k: k, a: MatrixRows(ap.baseAddress!, ld: k), b: bp.baseAddress!, ldb: n,
                                            c: cp.baseAddress!, ldc: n, start: start, finish: finish)
                                    }
                                }
                            }
                        }
                    }
                    #expect(
                        c.map(\.bitPattern) == expected.map(\.bitPattern),
                        "\(m)×\(n)×\(k) \(path) start \(startCase) finish \(finishCase)")
                }
            }
        }
    }
    /// Rows read where they lie, through an index (as the step reads its shuffled minibatch),
    /// give the bits of the same rows copied out first — for the forward shape and for its
    /// transpose (the weight gradient), on both paths and split between threads.
    @Test(arguments: shapes.indices)
    func rowsReadThroughAnIndexEqualTheirCopy(shape: Int) {
        let (m, n, k) = GemmTests.shapes[shape]
        let b = uniforms(k * n, seed: 10)
        for transposed in [false, true] {
            // a's stored rows: m of k floats, or k of m when a is their transpose.
            let (count, width) = transposed ? (k, m) : (m, k)
            let ld = width + 3
            let sourceRows = 2 * count + 5
            let source = uniforms(sourceRows * ld, seed: 9)
            let index = (0..<count).map { ($0 * 37 + 11) % sourceRows }  // out of order, with repeats
            let copied = index.flatMap { source[($0 * ld)..<($0 * ld + width)] }
            func product(_ path: KernelPath, indexed: Bool, team: Team? = nil) -> [UInt32] {
                var c = [Float](repeating: 0, count: m * n)
                source.withUnsafeBufferPointer { sp in
                    copied.withUnsafeBufferPointer { cp in
                        index.withUnsafeBufferPointer { ip in
                            b.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer { out in
                                    let a =
                                        indexed
                                        ? MatrixRows(sp.baseAddress!, ld: ld, index: ip.baseAddress!)
                                        : MatrixRows(cp.baseAddress!, ld: width)
                                    if let team {
                                        team.splitGemm(
                                            m: m, n: n, k: k, a: a, transposeA: transposed, b: bp.baseAddress!, ldb: n,
                                            c: out.baseAddress!, ldc: n, start: .zero)
                                    } else {
                                        gemm(
                                            path, m: m, n: n, k: k, a: a, transposeA: transposed, b: bp.baseAddress!, ldb: n,
                                            c: out.baseAddress!, ldc: n, start: .zero)
                                    }
                                }
                            }
                        }
                    }
                }
                return c.map(\.bitPattern)
            }
            let copy = product(.scalar, indexed: false)
            #expect(copy.contains { $0 != 0 })
            for (path, team) in [(KernelPath.scalar, nil), (.simd, nil), (.simd, Team(threads: 2))] {
                let read = product(path, indexed: true, team: team)
                let differing = zip(read, copy).filter { $0 != $1 }.count
                #expect(
                    differing == 0,
                    "\(m)×\(n)×\(k) transposed: \(transposed), \(path), threads: \(team?.threads ?? 1): \(differing) of \(copy.count) differ"
                )
            }
        }
    }
}
