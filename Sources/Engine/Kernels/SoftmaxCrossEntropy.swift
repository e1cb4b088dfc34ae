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
        // The exponentials four classes at a time (each with the bits it has alone), into a
        // row padded to a multiple of four; the sum then runs over the classes in order.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: (c + 3) / 4 * 4) { e in
            for r in rows {
                let row = logits + r * c
                var mx = row[0]
                for j in 1..<c where row[j] > mx { mx = row[j] }
                for j in stride(from: 0, to: c, by: 4) {
                    var x = SIMD4<Float>()
                    for q in 0..<min(4, c - j) { x[q] = row[j + q] - mx }
                    UnsafeMutableRawPointer(e.baseAddress! + j).storeBytes(of: DMath.expf(x), as: SIMD4<Float>.self)
                }
                var sum: Float = 0
                for j in 0..<c { sum += e[j] }
                let label = Int(labels[r])
                let loss = (mx + DMath.logf(sum)) - row[label]
                losses[r] = loss
                if let dlogits {
                    let d = dlogits + r * c
                    let inv = Float(b)
                    for j in 0..<c {
                        let p = e[j] / sum
                        d[j] += ((j == label ? p - 1 : p)) / inv
                    }
                }
            }
        }
    }
    var total: Float = 0
    for r in 0..<b { total += losses[r] }
    return total / Float(b)
}
