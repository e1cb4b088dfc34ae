/// Mean squared error over a batch, as PyTorch's `MSELoss` (mean over every element):
///
/// pred (B,K), targets (B,K) → losses (B): Σ_j (pred − target)² / K
/// dpred (B,K) += 2 (pred − target) / (B·K)   — the gradient of the batch mean
///
/// Each row's sum runs over outputs in ascending order; returns the mean of the row losses,
/// summed in row order.
@discardableResult
public func meanSquaredError(
    pred: UnsafePointer<Float>, targets: UnsafePointer<Float>, b: Int, k: Int,
    losses: UnsafeMutablePointer<Float>, dpred: UnsafeMutablePointer<Float>?
) -> Float {
    var total: Float = 0
    let scale = Float(2) / Float(b * k)
    for r in 0..<b {
        var sum: Float = 0
        for j in 0..<k {
            let d = pred[r * k + j] - targets[r * k + j]
            sum += d * d
            if let dpred { dpred[r * k + j] += d * scale }
        }
        let loss = sum / Float(k)
        losses[r] = loss
        total += loss
    }
    return total / Float(b)
}
