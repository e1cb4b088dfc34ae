import CairnCPU

/// Matrix multiply, the engine's one reduction-heavy kernel, with its element-wise start and
/// finish fused in (the "epilogue" of a BLAS kernel):
///
///     c (M,N) = finish(start + a (M,K) · b (K,N))
///
/// `a` is read through `MatrixRows` — rows of a row-major matrix, in order or as an index
/// names them — and, with `transposeA`, is that matrix's transpose; `b` and `c` are
/// row-major with row lengths `ldb`, `ldc`.
///
/// Determinism: every c[i,j] starts from its `start` value and is updated as
/// `acc = fma(a[i,k], b[k,j], acc)` for k = 0, 1, …, K-1 in that order — one sequential
/// fused chain per output, whatever the blocking — then `finish` is applied to it alone.
/// The SIMD path vectorises across output columns j (independent outputs), never across k,
/// so it gives the same bits as the scalar path, at any SIMD width, any tile shape, any
/// split of the outputs between threads, on any CPU. Where `a`'s values are read from
/// (an index or a copy) changes no value, so no result either.
public func gemm(
    _ path: KernelPath, m: Int, n: Int, k: Int,
    a: MatrixRows, transposeA: Bool = false,
    b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    start: GemmStart = .accumulate, finish: GemmFinish = .none,
    rows: Range<Int>? = nil, columns: Range<Int>? = nil
) {
    let rows = rows ?? 0..<m
    let columns = columns ?? 0..<n
    func run<A: LeftCursor>(_: A.Type) {
        let g = GemmOperands<A>(k: k, a: a, b: b, ldb: ldb, c: c, ldc: ldc, start: start, finish: finish)
        switch path {
        case .scalar: gemmScalar(g, rows: rows, columns: columns)
        case .simd:
            if GemmTiles.wide {
                gemmTiled(g, Tile8<SIMD16<Float>>.self, rows: rows, columns: columns)
            } else {
                gemmTiled(g, Tile6<SIMD8<Float>>.self, rows: rows, columns: columns)
            }
        }
    }
    switch (a.index, transposeA) {
    case (nil, false): run(Direct.self)
    case (nil, true): run(DirectTransposed.self)
    case (_?, false): run(Indexed.self)
    case (_?, true): run(IndexedTransposed.self)
    }
}

/// Rows of a row-major matrix whose rows are `ld` floats apart: rows 0, 1, 2, … of it, or
/// — with `index` — rows index[0], index[1], …: a shuffled minibatch read where it lies,
/// instead of copied out first.
public struct MatrixRows {
    public let base: UnsafePointer<Float>
    public let ld: Int
    public let index: UnsafePointer<Int>?

    public init(_ base: UnsafePointer<Float>, ld: Int, index: UnsafePointer<Int>? = nil) {
        self.base = base
        self.ld = ld
        self.index = index
    }
}

/// Where a GEMM finds `a`'s elements, one type per way, so that each is its own specialised
/// kernel: a cursor starts at rows `row`, `row` + 1, … of `a` and column `k`, and walks k as
/// a moving pointer, so that the rows' addresses stay in registers and a step costs an add,
/// as a plain strided read does. The scalar path walks the same cursors, one row at a time,
/// so the rule for where element (i, k) lies is written once per way. Offsets are computed
/// with wrapping arithmetic (`&*`, `&+`): they are those of elements inside the operand, far
/// from overflowing, and an overflow check in the inner loop cost a quarter of its speed.
protocol LeftCursor {
    init(_ a: MatrixRows, row: Int, k: Int)
    /// Element r of the cursor's column: row `row` + r of `a`.
    func at(_ r: Int) -> Float
    /// To the next column.
    mutating func advance()
    /// Asks the cache for what a tile a little further down will read at this column, where
    /// the hardware cannot guess it.
    func prefetch()
}

extension LeftCursor {
    @inline(__always) func prefetch() {}
}

/// Rows 0, 1, 2, … as they are.
struct Direct: LeftCursor {
    var p: UnsafePointer<Float>
    let ld: Int
    @inline(__always) init(_ a: MatrixRows, row: Int, k: Int) {
        p = a.base + (row &* a.ld &+ k)
        ld = a.ld
    }
    @inline(__always) func at(_ r: Int) -> Float { p[r &* ld] }
    @inline(__always) mutating func advance() { p += 1 }
}

/// The transpose of rows 0, 1, 2, …: element (i, k) is row k's element i.
struct DirectTransposed: LeftCursor {
    var p: UnsafePointer<Float>
    let ld: Int
    @inline(__always) init(_ a: MatrixRows, row: Int, k: Int) {
        p = a.base + (k &* a.ld &+ row)
        ld = a.ld
    }
    @inline(__always) func at(_ r: Int) -> Float { p[r] }
    @inline(__always) mutating func advance() { p += ld }
}

/// The rows the index names.
struct Indexed: LeftCursor {
    var p: UnsafePointer<Float>
    let ld: Int
    let index: UnsafePointer<Int>
    @inline(__always) init(_ a: MatrixRows, row: Int, k: Int) {
        p = a.base + k
        ld = a.ld
        index = a.index! + row
    }
    @inline(__always) func at(_ r: Int) -> Float { p[index[r] &* ld] }
    @inline(__always) mutating func advance() { p += 1 }
}

/// The transpose of the rows the index names: element (i, k) is row index[k]'s element i.
struct IndexedTransposed: LeftCursor {
    let p: UnsafePointer<Float>
    let ld: Int
    var index: UnsafePointer<Int>
    @inline(__always) init(_ a: MatrixRows, row: Int, k: Int) {
        p = a.base + row
        ld = a.ld
        index = a.index! + k
    }
    @inline(__always) func at(_ r: Int) -> Float { p[index[0] &* ld &+ r] }
    @inline(__always) mutating func advance() { index += 1 }
    /// Each column is a row of the source, somewhere in it, so no hardware prefetcher sees a
    /// pattern: its next cache line (16 floats on) is what the tiles two below this one read,
    /// a few hundred steps from now. (A prefetch never faults, past the end included.)
    @inline(__always) func prefetch() { cairn_prefetch(p + (index[0] &* ld &+ 16)) }
}

/// Where each output's chain starts.
public enum GemmStart {
    /// From `c` itself: `c += a·b`.
    case accumulate
    /// From +0 (the bits of zeroing `c` first, without touching it).
    case zero
    /// Row i starts from `row[j]` for every i: a bias.
    case row(UnsafePointer<Float>)
}

/// What is stored for each finished chain `acc`.
public enum GemmFinish {
    case none
    /// `acc > 0 ? acc : 0` — the forward pass of a ReLU.
    case relu
    /// `0 + (gate[i*ld + j] > 0 ? acc : 0)` — a ReLU's backward pass into a zeroed
    /// gradient, with `gate` the ReLU's output.
    case reluGate(UnsafePointer<Float>, ld: Int)

    @inline(__always)
    func apply(_ v: Float, _ i: Int, _ j: Int) -> Float {
        switch self {
        case .none: v
        case .relu: v > 0 ? v : 0
        case .reluGate(let g, let ld): 0 + (g[i * ld + j] > 0 ? v : 0)
        }
    }
}

/// The operands, with `A` the way `a` is read.
struct GemmOperands<A: LeftCursor> {
    let k: Int
    let a: MatrixRows
    let b: UnsafePointer<Float>
    let ldb: Int
    let c: UnsafeMutablePointer<Float>
    let ldc: Int
    let start: GemmStart
    let finish: GemmFinish

    @inline(__always) func startValue(_ i: Int, _ j: Int) -> Float {
        switch start {
        case .accumulate: c[i * ldc + j]
        case .zero: 0
        case .row(let r): r[j]
        }
    }
}

/// The reference: the definition above, written out.
func gemmScalar<A: LeftCursor>(_ g: GemmOperands<A>, rows: Range<Int>, columns: Range<Int>) {
    for i in rows {
        for j in columns {
            var acc = g.startValue(i, j)
            var a = A(g.a, row: i, k: 0)
            for p in 0..<g.k {
                acc = acc.addingProduct(a.at(0), g.b[p * g.ldb + j])
                a.advance()
            }
            g.c[i * g.ldc + j] = g.finish.apply(acc, i, j)
        }
    }
}

public enum GemmTiles {
    /// True when the Engine was compiled for 512-bit vectors (AVX-512): 32 vector registers
    /// hold an 8×32 tile of SIMD16 accumulators. With 256-bit vectors (AVX2, 16 registers)
    /// that tile would spill, so a 6×16 tile of SIMD8 is used: 12 accumulators, two rows of
    /// `b` and a broadcast fill the register file exactly.
    public static let wide = cairn_vector_bytes() >= 64
    /// The tile's width in columns: column splits between threads fall on multiples of it.
    public static var columns: Int { wide ? 32 : 16 }
    /// The tile's height in rows.
    public static var rows: Int { wide ? 8 : 6 }
}

/// A register tile of `rows` × 2 vectors of `c`, held in registers while k runs.
protocol Tile {
    associatedtype V: SIMD where V.Scalar == Float
    static var rows: Int { get }
    init(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ start: TileStart)
    /// The cursor's rows `row`, `row` + 1, … times two vectors of b's row at its column.
    mutating func step<A: LeftCursor>(_ a: A, _ row: Int, _ b0: V, _ b1: V)
    func store(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ finish: GemmFinish, row: Int, column: Int)
}

/// `GemmStart` resolved for one tile's columns.
enum TileStart {
    case accumulate, zero
    case row(UnsafePointer<Float>)
}

@inline(__always)
func loadVector<V: SIMD>(_ p: UnsafePointer<Float>) -> V where V.Scalar == Float {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

/// Two vectors of row r of the tile, as `start` says.
@inline(__always)
func begin<V: SIMD>(_ c: UnsafeMutablePointer<Float>, _ start: TileStart) -> (V, V) where V.Scalar == Float {
    switch start {
    case .accumulate: (loadVector(c), loadVector(c + V.scalarCount))
    case .zero: (V(), V())
    case .row(let r): (loadVector(r), loadVector(r + V.scalarCount))
    }
}

/// Stores two vectors of finished chains of one row, at row `i`, column `j` of the whole `c`.
/// The ReLU and its gate run as a plain loop over the stored row, which the compiler
/// vectorises: generic SIMD masks (`.>`, `replacing`) cost a third of the GEMM's time.
@inline(__always)
func end<V: SIMD>(_ x: V, _ y: V, _ c: UnsafeMutablePointer<Float>, _ finish: GemmFinish, _ i: Int, _ j: Int)
where V.Scalar == Float {
    let w = V.scalarCount
    UnsafeMutableRawPointer(c).storeBytes(of: x, as: V.self)
    UnsafeMutableRawPointer(c + w).storeBytes(of: y, as: V.self)
    switch finish {
    case .none: break
    case .relu: for q in 0..<(2 * w) { c[q] = c[q] > 0 ? c[q] : 0 }
    case .reluGate(let g, let ld):
        let gate = g + i * ld + j
        for q in 0..<(2 * w) { c[q] = 0 + (gate[q] > 0 ? c[q] : 0) }
    }
}

/// One row of a tile: two vectors of accumulators.
struct Tile1<V: SIMD>: Tile where V.Scalar == Float {
    var c0, c1: V
    static var rows: Int { 1 }

    @inline(__always)
    init(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ s: TileStart) { (c0, c1) = begin(c, s) }

    @inline(__always)
    mutating func step<A: LeftCursor>(_ a: A, _ row: Int, _ b0: V, _ b1: V) {
        let s = V(repeating: a.at(row))
        c0 = c0.addingProduct(s, b0)
        c1 = c1.addingProduct(s, b1)
    }

    @inline(__always)
    func store(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ f: GemmFinish, row i: Int, column j: Int) {
        end(c0, c1, c, f, i, j)
    }
}

/// Two tiles stacked: `Top`'s rows, then `Bottom`'s. Once inlined, the compiler keeps every
/// accumulator of the stack in its own register, as if the rows were written out.
struct Stack<Top: Tile, Bottom: Tile>: Tile where Top.V == Bottom.V {
    typealias V = Top.V
    var top: Top
    var bottom: Bottom
    static var rows: Int { Top.rows + Bottom.rows }

    @inline(__always)
    init(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ s: TileStart) {
        top = Top(c, ldc, s)
        bottom = Bottom(c + Top.rows * ldc, ldc, s)
    }

    @inline(__always)
    mutating func step<A: LeftCursor>(_ a: A, _ row: Int, _ b0: V, _ b1: V) {
        top.step(a, row, b0, b1)
        bottom.step(a, row + Top.rows, b0, b1)
    }

    @inline(__always)
    func store(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ f: GemmFinish, row i: Int, column j: Int) {
        top.store(c, ldc, f, row: i, column: j)
        bottom.store(c + Top.rows * ldc, ldc, f, row: i + Top.rows, column: j)
    }
}

typealias Tile2<V: SIMD> = Stack<Tile1<V>, Tile1<V>> where V.Scalar == Float
/// Four rows, for what is left below the last full tile: 8 chains still cover the FMA
/// latency on two ports, where 1-row tiles (2 chains) would run at a quarter of the speed.
typealias Tile4<V: SIMD> = Stack<Tile2<V>, Tile2<V>> where V.Scalar == Float
typealias Tile6<V: SIMD> = Stack<Tile4<V>, Tile2<V>> where V.Scalar == Float
typealias Tile8<V: SIMD> = Stack<Tile4<V>, Tile4<V>> where V.Scalar == Float

/// One tile: rows `row`… of `a`, over its columns k0 ..< k0 + k.
@inline(__always)
func runTile<T: Tile, A: LeftCursor>(
    _: T.Type, _: A.Type, k: Int, a: MatrixRows, k0: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, start: TileStart, finish: GemmFinish, row: Int, column: Int
) {
    var t = T(c, ldc, start)
    var ap = A(a, row: row, k: k0)
    var bp = b
    for _ in 0..<k {
        t.step(ap, 0, loadVector(bp), loadVector(bp + T.V.scalarCount))
        ap.prefetch()
        ap.advance()
        bp += ldb
    }
    t.store(c, ldc, finish, row: row, column: column)
}

/// Tiles of `T` over `rows` × `columns` of `c`; rows below the last tile go through 1-row
/// tiles, and a column tail narrower than a tile through a zero-padded copy (extra lanes
/// compute on zeros and are discarded).
func gemmTiled<T: Tile, A: LeftCursor>(_ g: GemmOperands<A>, _: T.Type, rows: Range<Int>, columns: Range<Int>) {
    let width = 2 * T.V.scalarCount
    let lastRow = rows.upperBound - (rows.count % T.rows)
    var j = columns.lowerBound
    func tiles(
        _ k0: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
        _ column: Int, _ k: Int, _ start: TileStart, _ finish: GemmFinish
    ) {
        var i = rows.lowerBound
        while i < lastRow {
            runTile(
                T.self, A.self, k: k, a: g.a, k0: k0, b: b, ldb: ldb, c: c + i * ldc, ldc: ldc,
                start: start, finish: finish, row: i, column: column)
            i += T.rows
        }
        while T.rows > 4 && i + 4 <= rows.upperBound {
            runTile(
                Tile4<T.V>.self, A.self, k: k, a: g.a, k0: k0, b: b, ldb: ldb, c: c + i * ldc,
                ldc: ldc, start: start, finish: finish, row: i, column: column)
            i += 4
        }
        while i < rows.upperBound {
            runTile(
                Tile1<T.V>.self, A.self, k: k, a: g.a, k0: k0, b: b, ldb: ldb, c: c + i * ldc,
                ldc: ldc, start: start, finish: finish, row: i, column: column)
            i += 1
        }
    }
    while j + width <= columns.upperBound {
        let start: TileStart =
            switch g.start {
            case .accumulate: .accumulate
            case .zero: .zero
            case .row(let r): .row(r + j)
            }
        // k in blocks whose panel of b (kc × width floats, 16 KB) stays in the L1 cache while
        // every row tile uses it. A chain leaves its register for `c` between blocks and comes
        // back unchanged, so the blocking changes no result. With more than one row tile the
        // panel is first copied to contiguous memory: b's rows are usually a power-of-two
        // stride apart, which maps a panel read in place to a handful of cache sets.
        let kc = 4096 / width
        let pack = rows.count >= 2 * T.rows
        // Cache-line aligned, so no vector load of the panel straddles two lines.
        withUnsafeTemporaryAllocation(byteCount: pack ? kc * width * 4 : 0, alignment: 64) { raw in
            let panel = raw.bindMemory(to: Float.self)
            var p = 0
            repeat {
                let depth = min(kc, g.k - p)
                var b = g.b + p * g.ldb + j
                var ldb = g.ldb
                if pack, let base = panel.baseAddress {
                    for q in 0..<depth { (base + q * width).update(from: b + q * g.ldb, count: width) }
                    b = UnsafePointer(base)
                    ldb = width
                }
                tiles(
                    p, b, ldb, g.c + j, g.ldc, j, depth, p == 0 ? start : .accumulate,
                    p + kc >= g.k ? g.finish : .none)
                p += kc
            } while p < g.k
        }
        j += width
    }
    let tail = columns.upperBound - j
    guard tail > 0 else { return }
    // The last `tail` columns of b and c padded to a tile's width; the chains start in the
    // copy, and finish on the way back.
    let m = rows.upperBound
    withUnsafeTemporaryAllocation(of: Float.self, capacity: width * (g.k + m)) { buf in
        let bp = buf.baseAddress!
        let cp = bp + width * g.k
        buf.initialize(repeating: 0)
        for p in 0..<g.k { for t in 0..<tail { bp[p * width + t] = g.b[p * g.ldb + j + t] } }
        for r in rows { for t in 0..<tail { cp[r * width + t] = g.startValue(r, j + t) } }
        tiles(0, bp, width, cp, width, 0, g.k, .accumulate, .none)
        for r in rows { for t in 0..<tail { g.c[r * g.ldc + j + t] = g.finish.apply(cp[r * width + t], r, j + t) } }
    }
}
