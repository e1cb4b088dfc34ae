/// Matrix multiply-accumulate, the engine's one reduction-heavy kernel.
///
///     c (M,N) += a (M,K) · b (K,N)
///
/// Element (i,k) of `a` is `a[i*aRow + k*aCol]`, so a transposed operand is just swapped
/// strides (`aRow: 1, aCol: M`); `b` and `c` are row-major with row lengths `ldb`, `ldc`.
///
/// Determinism: every c[i,j] is updated as `c = fma(a[i,k], b[k,j], c)` for k = 0, 1, …, K-1
/// in that order — one sequential fused chain per output, whatever the blocking. The SIMD
/// path vectorises across output columns j (independent outputs), never across k, so it
/// gives the same bits as the scalar path, at any SIMD width, on any CPU.
@inlinable
public func gemm(
    _ path: KernelPath, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, aRow: Int, aCol: Int,
    b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    switch path {
    case .scalar: gemmScalar(m: m, n: n, k: k, a: a, aRow: aRow, aCol: aCol, b: b, ldb: ldb, c: c, ldc: ldc)
    case .simd: gemmSIMD(m: m, n: n, k: k, a: a, aRow: aRow, aCol: aCol, b: b, ldb: ldb, c: c, ldc: ldc)
    }
}

/// The reference: the definition above, written out.
public func gemmScalar(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRow: Int, aCol: Int,
    b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var acc = c[i * ldc + j]
            for p in 0..<k {
                acc = acc.addingProduct(a[i * aRow + p * aCol], b[p * ldb + j])
            }
            c[i * ldc + j] = acc
        }
    }
}

public typealias F16 = SIMD16<Float>

@inline(__always) @usableFromInline
func load(_ p: UnsafePointer<Float>) -> F16 { UnsafeRawPointer(p).loadUnaligned(as: F16.self) }
@inline(__always) @usableFromInline
func load(_ p: UnsafeMutablePointer<Float>) -> F16 { UnsafeRawPointer(p).loadUnaligned(as: F16.self) }
@inline(__always) @usableFromInline
func store(_ v: F16, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self) }

/// Register-blocked: 8 rows × 32 columns of `c` live in 16 SIMD16 registers while k runs.
/// Column tails narrower than 16 go through a zero-padded copy (extra lanes compute on
/// zeros and are discarded); leftover rows go through a 1-row kernel.
public func gemmSIMD(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aRow: Int, aCol: Int,
    b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let m8 = m - m % 8
    let n32 = n - n % 32
    let n16 = n - n % 16
    var j = 0
    while j < n32 {
        var i = 0
        while i < m8 {
            kernel8x32(k, a + i * aRow, aRow, aCol, b + j, ldb, c + i * ldc + j, ldc)
            i += 8
        }
        while i < m {
            kernel1x16(k, a + i * aRow, aCol, b + j, ldb, c + i * ldc + j, count: 2)
            i += 1
        }
        j += 32
    }
    if j < n16 {
        var i = 0
        while i < m8 {
            kernel8x16(k, a + i * aRow, aRow, aCol, b + j, ldb, c + i * ldc + j, ldc)
            i += 8
        }
        while i < m {
            kernel1x16(k, a + i * aRow, aCol, b + j, ldb, c + i * ldc + j, count: 1)
            i += 1
        }
        j += 16
    }
    let tail = n - j
    guard tail > 0 else { return }
    // Pad the last `tail` columns of b and c to 16 wide.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * k + 16 * m) { buf in
        let bp = buf.baseAddress!
        let cp = bp + 16 * k
        buf.initialize(repeating: 0)
        for p in 0..<k { for t in 0..<tail { bp[p * 16 + t] = b[p * ldb + j + t] } }
        for r in 0..<m { for t in 0..<tail { cp[r * 16 + t] = c[r * ldc + j + t] } }
        var i = 0
        while i < m8 {
            kernel8x16(k, a + i * aRow, aRow, aCol, bp, 16, cp + i * 16, 16)
            i += 8
        }
        while i < m {
            kernel1x16(k, a + i * aRow, aCol, bp, 16, cp + i * 16, count: 1)
            i += 1
        }
        for r in 0..<m { for t in 0..<tail { c[r * ldc + j + t] = cp[r * 16 + t] } }
    }
}

@inline(__always)
func kernel8x32(
    _ kc: Int, _ a: UnsafePointer<Float>, _ aRow: Int, _ aCol: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    var c00 = load(c)
    var c01 = load(c + 16)
    var c10 = load(c + ldc)
    var c11 = load(c + ldc + 16)
    var c20 = load(c + 2 * ldc)
    var c21 = load(c + 2 * ldc + 16)
    var c30 = load(c + 3 * ldc)
    var c31 = load(c + 3 * ldc + 16)
    var c40 = load(c + 4 * ldc)
    var c41 = load(c + 4 * ldc + 16)
    var c50 = load(c + 5 * ldc)
    var c51 = load(c + 5 * ldc + 16)
    var c60 = load(c + 6 * ldc)
    var c61 = load(c + 6 * ldc + 16)
    var c70 = load(c + 7 * ldc)
    var c71 = load(c + 7 * ldc + 16)
    var ap = a
    var bp = b
    for _ in 0..<kc {
        let b0 = load(bp)
        let b1 = load(bp + 16)
        var s = F16(repeating: ap[0])
        c00 = c00.addingProduct(s, b0)
        c01 = c01.addingProduct(s, b1)
        s = F16(repeating: ap[aRow])
        c10 = c10.addingProduct(s, b0)
        c11 = c11.addingProduct(s, b1)
        s = F16(repeating: ap[2 * aRow])
        c20 = c20.addingProduct(s, b0)
        c21 = c21.addingProduct(s, b1)
        s = F16(repeating: ap[3 * aRow])
        c30 = c30.addingProduct(s, b0)
        c31 = c31.addingProduct(s, b1)
        s = F16(repeating: ap[4 * aRow])
        c40 = c40.addingProduct(s, b0)
        c41 = c41.addingProduct(s, b1)
        s = F16(repeating: ap[5 * aRow])
        c50 = c50.addingProduct(s, b0)
        c51 = c51.addingProduct(s, b1)
        s = F16(repeating: ap[6 * aRow])
        c60 = c60.addingProduct(s, b0)
        c61 = c61.addingProduct(s, b1)
        s = F16(repeating: ap[7 * aRow])
        c70 = c70.addingProduct(s, b0)
        c71 = c71.addingProduct(s, b1)
        ap += aCol
        bp += ldb
    }
    store(c00, c)
    store(c01, c + 16)
    store(c10, c + ldc)
    store(c11, c + ldc + 16)
    store(c20, c + 2 * ldc)
    store(c21, c + 2 * ldc + 16)
    store(c30, c + 3 * ldc)
    store(c31, c + 3 * ldc + 16)
    store(c40, c + 4 * ldc)
    store(c41, c + 4 * ldc + 16)
    store(c50, c + 5 * ldc)
    store(c51, c + 5 * ldc + 16)
    store(c60, c + 6 * ldc)
    store(c61, c + 6 * ldc + 16)
    store(c70, c + 7 * ldc)
    store(c71, c + 7 * ldc + 16)
}

@inline(__always)
func kernel8x16(
    _ kc: Int, _ a: UnsafePointer<Float>, _ aRow: Int, _ aCol: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    var c0 = load(c)
    var c1 = load(c + ldc)
    var c2 = load(c + 2 * ldc)
    var c3 = load(c + 3 * ldc)
    var c4 = load(c + 4 * ldc)
    var c5 = load(c + 5 * ldc)
    var c6 = load(c + 6 * ldc)
    var c7 = load(c + 7 * ldc)
    var ap = a
    var bp = b
    for _ in 0..<kc {
        let b0 = load(bp)
        c0 = c0.addingProduct(F16(repeating: ap[0]), b0)
        c1 = c1.addingProduct(F16(repeating: ap[aRow]), b0)
        c2 = c2.addingProduct(F16(repeating: ap[2 * aRow]), b0)
        c3 = c3.addingProduct(F16(repeating: ap[3 * aRow]), b0)
        c4 = c4.addingProduct(F16(repeating: ap[4 * aRow]), b0)
        c5 = c5.addingProduct(F16(repeating: ap[5 * aRow]), b0)
        c6 = c6.addingProduct(F16(repeating: ap[6 * aRow]), b0)
        c7 = c7.addingProduct(F16(repeating: ap[7 * aRow]), b0)
        ap += aCol
        bp += ldb
    }
    store(c0, c)
    store(c1, c + ldc)
    store(c2, c + 2 * ldc)
    store(c3, c + 3 * ldc)
    store(c4, c + 4 * ldc)
    store(c5, c + 5 * ldc)
    store(c6, c + 6 * ldc)
    store(c7, c + 7 * ldc)
}

/// One row of `c`, `count` (1 or 2) vectors wide.
@inline(__always)
func kernel1x16(
    _ kc: Int, _ a: UnsafePointer<Float>, _ aCol: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, count: Int
) {
    var c0 = load(c)
    var c1 = count == 2 ? load(c + 16) : F16()
    var ap = a
    var bp = b
    if count == 2 {
        for _ in 0..<kc {
            let s = F16(repeating: ap[0])
            c0 = c0.addingProduct(s, load(bp))
            c1 = c1.addingProduct(s, load(bp + 16))
            ap += aCol
            bp += ldb
        }
        store(c1, c + 16)
    } else {
        for _ in 0..<kc {
            c0 = c0.addingProduct(F16(repeating: ap[0]), load(bp))
            ap += aCol
            bp += ldb
        }
    }
    store(c0, c)
}
