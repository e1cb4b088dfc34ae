/// Linear layer, weight stored (in, out) row-major so the forward pass and the weight
/// gradient are the fast GEMM shapes (checkpoints transpose to PyTorch's (out, in)).

/// out (B,OC) = inp (B,C) · weight (C,OC) + bias (OC)
/// Each output starts from its bias, then accumulates the C products in order.
public func linearForward(
    _ path: KernelPath, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, b: Int, c: Int, oc: Int
) {
    for r in 0..<b { (out + r * oc).update(from: bias, count: oc) }
    gemm(path, m: b, n: oc, k: c, a: inp, aRow: c, aCol: 1, b: weight, ldb: oc, c: out, ldc: oc)
}

/// dweight (C,OC) += inpᵀ (C,B) · dout (B,OC);  dbias (OC) += Σ_b dout (B,OC), b ascending;
/// dinp (B,C) += dout (B,OC) · weightᵀ (OC,C), when `dinp` is given (not for the first layer).
/// `scratch` holds weightᵀ (OC·C floats): the transpose makes the input gradient a fast
/// GEMM shape too, without changing the order of any sum.
public func linearBackward(
    _ path: KernelPath, dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
    dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, b: Int, c: Int, oc: Int
) {
    gemm(path, m: c, n: oc, k: b, a: inp, aRow: 1, aCol: c, b: dout, ldb: oc, c: dweight, ldc: oc)
    for r in 0..<b {
        let row = dout + r * oc
        for o in 0..<oc { dbias[o] += row[o] }
    }
    guard let dinp else { return }
    for i in 0..<c { for o in 0..<oc { scratch[o * c + i] = weight[i * oc + o] } }
    gemm(path, m: b, n: c, k: oc, a: dout, aRow: oc, aCol: 1, b: scratch, ldb: c, c: dinp, ldc: c)
}
