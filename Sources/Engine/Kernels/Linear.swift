/// Linear layer, weight stored (in, out) row-major so the forward pass and the weight
/// gradient are the fast GEMM shapes (checkpoints transpose to PyTorch's (out, in)).
///
/// Two paths give the same bits. The scalar path is the reference, step by step: copy the
/// bias, accumulate the product, apply the activation; zero a gradient, accumulate into it.
/// The SIMD path fuses those steps into the GEMM's start and finish (see `gemm`): each
/// output's chain starts from the bias or from +0 in a register, and the ReLU, or a ReLU's
/// gradient gate, is applied as the chain is stored.

/// out (B,OC) = finish(inp (B,C) · weight (C,OC) + bias (OC))
/// Each output starts from its bias, then accumulates the C products in order; `relu`
/// applies max(·, 0) to it (the model's next module, fused). `inp`'s rows may be read in
/// place from a bigger matrix (see `MatrixRows`).
public func linearForward(
    _ path: KernelPath, out: UnsafeMutablePointer<Float>, inp: MatrixRows,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, b: Int, c: Int, oc: Int, relu: Bool = false,
    team: Team = .single
) {
    switch path {
    case .scalar:
        for r in 0..<b { (out + r * oc).update(from: bias, count: oc) }
        gemm(path, m: b, n: oc, k: c, a: inp, b: weight, ldb: oc, c: out, ldc: oc)
        if relu { reluForward(out: out, inp: out, n: b * oc) }
    case .simd:
        team.splitGemm(
            m: b, n: oc, k: c, a: inp, b: weight, ldb: oc, c: out, ldc: oc, start: .row(bias),
            finish: relu ? .relu : .none)
    }
}

/// dweight (C,OC) = inpᵀ (C,B) · dout (B,OC);  dbias (OC) = Σ_b dout (B,OC), b ascending,
/// from +0; dinp (B,C) = dout (B,OC) · weightᵀ (OC,C), when `dinp` is given (not for the
/// first layer) — through a ReLU's gradient gate when `reluGate` (the ReLU's output, B×C)
/// is given: dinp = 0 + (gate > 0 ? dout·weightᵀ : 0), the ReLU's backward pass fused.
/// Every gradient is written whole (the scalar path zeroes and accumulates: the same bits).
/// `scratch` holds weightᵀ (OC·C floats): the transpose makes the input gradient a fast
/// GEMM shape too, without changing the order of any sum.
public func linearBackward(
    _ path: KernelPath, dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
    dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: MatrixRows,
    weight: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, b: Int, c: Int, oc: Int,
    reluGate: UnsafePointer<Float>? = nil, team: Team = .single, profile: PhaseProfile? = nil
) {
    profile.measure(.backwardGemm) {
        if path == .scalar {
            dweight.update(repeating: 0, count: c * oc)
            gemm(path, m: c, n: oc, k: b, a: inp, transposeA: true, b: dout, ldb: oc, c: dweight, ldc: oc)
        } else {
            team.splitGemm(m: c, n: oc, k: b, a: inp, transposeA: true, b: dout, ldb: oc, c: dweight, ldc: oc, start: .zero)
        }
    }
    profile.measure(.elementwise) {
        dbias.update(repeating: 0, count: oc)
        for r in 0..<b {
            let row = dout + r * oc
            for o in 0..<oc { dbias[o] += row[o] }
        }
        if dinp != nil { for i in 0..<c { for o in 0..<oc { scratch[o * c + i] = weight[i * oc + o] } } }
    }
    guard let dinp else { return }
    profile.measure(.backwardGemm) {
        if path == .scalar {
            dinp.update(repeating: 0, count: b * c)
            gemm(path, m: b, n: c, k: oc, a: MatrixRows(dout, ld: oc), b: scratch, ldb: c, c: dinp, ldc: c)
            // The ReLU's backward pass into a zeroed gradient, element by element in place.
            if let reluGate { for i in 0..<(b * c) { dinp[i] = 0 + (reluGate[i] > 0 ? dinp[i] : 0) } }
        } else {
            team.splitGemm(
                m: b, n: c, k: oc, a: MatrixRows(dout, ld: oc), b: scratch, ldb: c, c: dinp, ldc: c, start: .zero,
                finish: reluGate.map { .reluGate($0, ld: c) } ?? .none)
        }
    }
}
