import Determinism

/// Elementwise activations over `n` values. Forward writes `out`; backward accumulates into
/// `dinp` (`+=`). Each output depends on one input only, so there is no order to fix.

/// out = max(inp, 0);  dinp += dout · [out > 0]  (out > 0 exactly where inp > 0, so the
/// backward pass needs only the output, which the fused forward pass keeps)
public func reluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { out[i] = inp[i] > 0 ? inp[i] : 0 }
}
public func reluBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { dinp[i] += out[i] > 0 ? dout[i] : 0 }
}

/// out = tanh(inp);  dinp += dout · (1 − out²)
public func tanhForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { out[i] = DMath.tanhf(inp[i]) }
}
public func tanhBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { dinp[i] += dout[i] * (1 - out[i] * out[i]) }
}

/// out = 1 / (1 + e^−inp);  dinp += dout · out · (1 − out)
/// Eight lanes at a time, then one at a time: lane by lane the same operations, so the same bits.
public func sigmoidForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    var i = 0
    while i + 8 <= n {
        let x = SIMD8<Double>(UnsafeRawPointer(inp + i).loadUnaligned(as: SIMD8<Float>.self))
        UnsafeMutableRawPointer(out + i).storeBytes(of: SIMD8<Float>(1 / (1 + DMath.exp(-x))), as: SIMD8<Float>.self)
        i += 8
    }
    while i < n {
        out[i] = Float(1 / (1 + DMath.exp(-Double(inp[i]))))
        i += 1
    }
}
public func sigmoidBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { dinp[i] += dout[i] * out[i] * (1 - out[i]) }
}

/// GELU, tanh form (PyTorch's `approximate="tanh"`):
/// out = ½·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³)
/// dinp += dout · (½·(1 + t) + ½·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)), t = tanh(u)
let geluScale: Float = 0.7978845608028654  // √(2/π)
public func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    for i in 0..<n {
        let x = inp[i]
        let u = geluScale * (x + 0.044715 * x * x * x)
        out[i] = 0.5 * x * (1 + DMath.tanhf(u))
    }
}
public func geluBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    for i in 0..<n {
        let x = inp[i]
        let u = geluScale * (x + 0.044715 * x * x * x)
        let t = DMath.tanhf(u)
        let du = geluScale * (1 + 3 * 0.044715 * x * x)
        dinp[i] += dout[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
    }
}

/// Inverted dropout. `mask[i]` is 0 or 1/(1−p), drawn from Philox keyed by
/// (seed, dropout, step) with counter index = the element's position, so it never depends
/// on what ran before. out = inp · mask;  dinp += dout · mask
public func dropoutMask(_ mask: UnsafeMutablePointer<Float>, n: Int, p: Float, seed: UInt64, step: UInt64, module: Int) {
    let keep = 1 - p
    let scale = 1 / keep
    // 2^32 · keep, compared against one random word per element.
    let threshold = UInt64((Double(keep) * 4294967296).rounded(.down))
    let stream = RandomStream(seed: seed, purpose: .dropout, index: step << 8 | UInt64(module))
    var i = 0
    while i < n {
        let w = stream.block(UInt32(i / 4))
        for lane in 0..<min(4, n - i) {
            let word = lane == 0 ? w.0 : lane == 1 ? w.1 : lane == 2 ? w.2 : w.3
            mask[i + lane] = UInt64(word) < threshold ? scale : 0
        }
        i += 4
    }
}
public func dropoutForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, mask: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { out[i] = inp[i] * mask[i] }
}
public func dropoutBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, mask: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { dinp[i] += dout[i] * mask[i] }
}
