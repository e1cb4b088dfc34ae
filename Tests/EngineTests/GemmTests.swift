import Testing

@testable import Engine

@Suite struct GemmTests {
    /// Shapes that hit the 8×32 and 8×16 kernels, the padded column tail and the 1-row kernel.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (8, 32, 5), (16, 64, 33), (13, 10, 7), (64, 256, 784), (9, 47, 3), (1, 1, 1), (24, 17, 64), (7, 300, 2),
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
                            .simd, m: m, n: n, k: k, a: ap.baseAddress!, aRow: aRow, aCol: aCol, b: bp.baseAddress!, ldb: n,
                            c: cp.baseAddress!, ldc: n)
                    }
                    scalar.withUnsafeMutableBufferPointer { cp in
                        gemm(
                            .scalar, m: m, n: n, k: k, a: ap.baseAddress!, aRow: aRow, aCol: aCol, b: bp.baseAddress!, ldb: n,
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
}
