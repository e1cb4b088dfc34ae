import Determinism

/// Fused softmax + cross-entropy over a batch, numerically stable (the row maximum is
/// subtracted before exponentiating).
///
/// logits (B,C), labels (B) → losses (B): lse(row) − row[label]
/// dlogits (B,C) += (softmax(row) − onehot(label)) / B   — the gradient of the batch mean
///
/// Each row's sum of exponentials runs over classes in ascending order. Returns the batch
/// mean loss (Float, as PyTorch's `CrossEntropyLoss` reports it), summing rows in order.
/// Rows are independent: `team` splits them, and the sum runs after, in row order.
@discardableResult
public func softmaxCrossEntropy(
    logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, b: Int, c: Int,
    losses: UnsafeMutablePointer<Float>, dlogits: UnsafeMutablePointer<Float>?, team: Team = .single
) -> Float {
    // An exponential and a logarithm cost some 30 multiply-adds.
    team.split(b, granule: 1, work: 32 * b * c) { rows in
        // Every row's logits less its maximum, one after another, padded to a multiple of 8;
        // then their exponentials eight at a time across rows (each with the bits `expf` gives
        // it alone: lanes are independent), and each row's sum over its classes in order.
        let n = rows.count * c
        let padded = (n + 7) / 8 * 8
        // The gradient then runs over the whole chunk as one vector loop too: each element is
        // (e / its row's sum − 1 at the label, 0 elsewhere) / b — a subtraction of 0 keeps p's
        // bits — added to its dlogits.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: padded + rows.count + 2 * n) { buf in
            let e = buf.baseAddress!
            let maxima = e + padded
            let sums = maxima + rows.count
            let hot = sums + n
            for (i, r) in rows.enumerated() {
                let row = logits + r * c
                var mx = row[0]
                for j in 1..<c where row[j] > mx { mx = row[j] }
                maxima[i] = mx
                for j in 0..<c { e[i * c + j] = row[j] - mx }
            }
            for t in n..<padded { e[t] = 0 }
            for q in stride(from: 0, to: padded, by: 8) {
                let x = UnsafeRawPointer(e + q).loadUnaligned(as: SIMD8<Float>.self)
                let y = DMath.exp(SIMD8<Double>(x))
                UnsafeMutableRawPointer(e + q).storeBytes(of: SIMD8<Float>(y), as: SIMD8<Float>.self)
            }
            hot.update(repeating: 0, count: n)
            for (i, r) in rows.enumerated() {
                let ex = e + i * c
                var sum: Float = 0
                for j in 0..<c { sum += ex[j] }
                let label = Int(labels[r])
                losses[r] = (maxima[i] + DMath.logf(sum)) - logits[r * c + label]
                (sums + i * c).update(repeating: sum, count: c)
                hot[i * c + label] = 1
            }
            guard let dlogits else { return }
            let d = dlogits + rows.lowerBound * c
            let inv = Float(b)
            forEachLane(
                0..<n, { softmaxGradient(F16.self, $0, d, e, sums, hot, inv) }, { softmaxGradient(Float.self, $0, d, e, sums, hot, inv) })
        }
    }
    var total: Float = 0
    for r in 0..<b { total += losses[r] }
    return total / Float(b)
}

/// d[t] += (e[t] / sums[t] − hot[t]) / inv, for 16 elements or one.
@inline(__always)
func softmaxGradient<V: Lane>(
    _: V.Type, _ t: Int, _ d: UnsafeMutablePointer<Float>, _ e: UnsafeMutablePointer<Float>,
    _ sums: UnsafeMutablePointer<Float>, _ hot: UnsafeMutablePointer<Float>, _ inv: Float
) {
    (V.load(d, t) + (V.load(e, t) / V.load(sums, t) - V.load(hot, t)) / V(broadcast: inv)).store(d, t)
}
