import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed team of threads for one training process, which splits work only along
/// independent outputs — a GEMM's output columns (or rows), the optimizer's parameters —
/// and never a reduction. Each output is then computed by exactly the code and in exactly
/// the order it would be on one thread, so the bytes are the same at any thread count.
///
/// How many threads is a machine option, like the data directory: `--threads N` or
/// `CAIRN_THREADS`, never part of a run's spec or hash.
///
/// The caller's thread does its share too. Between jobs the other threads spin for a few
/// microseconds (a training step's jobs come every few dozen) and then sleep on a
/// condition variable, so an idle team uses no CPU.
public final class Team: @unchecked Sendable {
    public static let single = Team(threads: 1)

    public let threads: Int
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private nonisolated(unsafe) var job: ((Int) -> Void)?
    private nonisolated(unsafe) var parts = 0
    private nonisolated(unsafe) var stopping = false
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var workers: [pthread_t] = []

    /// How long a thread spins between jobs before it sleeps.
    static let spinNanoseconds: UInt64 = 100_000
    /// Spins of the caller waiting for a job's other parts before it yields the core between
    /// checks (the thread it waits for may need the core, with more threads than cores).
    static let spins = 1 << 12
    /// A job smaller than this many multiply-adds (by default 2^17, a few microseconds) is
    /// not split: the hand-over would cost more than it saves.
    public let minimumSplit: Int

    public init(threads: Int, minimumSplit: Int = 1 << 17) {
        self.threads = max(1, threads)
        self.minimumSplit = minimumSplit
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
    }

    /// The other threads start with the first job that is split: a model too small to split
    /// never has them.
    private func startWorkers() {
        for index in 1..<threads {
            let context = Unmanaged.passRetained(WorkerContext(team: self, index: index)).toOpaque()
            #if canImport(Glibc)
                var thread = pthread_t()
            #else
                var thread: pthread_t?
            #endif
            let made = pthread_create(
                &thread, nil,
                { raw in
                    let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                    context.team.work(context.index)
                    return nil
                }, context)
            precondition(made == 0, "pthread_create failed: \(made)")
            #if canImport(Glibc)
                workers.append(thread)
            #else
                workers.append(thread!)
            #endif
        }
    }

    deinit {
        pthread_mutex_lock(mutex)
        stopping = true
        generation.add(1, ordering: .releasing)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for w in workers { pthread_join(w, nil) }
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(wake)
        mutex.deallocate()
        wake.deallocate()
    }

    /// Calls `body(part)` for every part in 0..<parts, part p on thread p % threads, and
    /// returns when all are done. Parts must write disjoint outputs.
    public func run(_ parts: Int, _ body: (Int) -> Void) {
        guard threads > 1, parts > 1 else {
            for p in 0..<parts { body(p) }
            return
        }
        if workers.isEmpty { startWorkers() }
        withoutActuallyEscaping(body) { body in
            job = body
            self.parts = parts
            remaining.store(threads - 1, ordering: .relaxed)
            pthread_mutex_lock(mutex)
            generation.add(1, ordering: .releasing)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
            for p in stride(from: 0, to: parts, by: threads) { body(p) }
            var spun = 0
            while remaining.load(ordering: .acquiring) > 0 {
                spun += 1
                if spun > Team.spins { sched_yield() }
            }
            job = nil
        }
    }

    private func work(_ index: Int) {
        var seen = 0
        while true {
            // A step's jobs come a few dozen microseconds apart: spin that long, then sleep.
            let idle = PhaseProfile.now()
            var spun = 0
            while generation.load(ordering: .acquiring) == seen {
                spun += 1
                if spun % 256 == 0 && PhaseProfile.now() - idle > Team.spinNanoseconds { break }
            }
            if generation.load(ordering: .acquiring) == seen {
                pthread_mutex_lock(mutex)
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(wake, mutex) }
                pthread_mutex_unlock(mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if stopping { return }
            if let job { for p in stride(from: index, to: parts, by: threads) { job(p) } }
            remaining.subtract(1, ordering: .releasing)
        }
    }

    private final class WorkerContext {
        /// Not retained: `deinit` joins the threads before the team goes.
        unowned(unsafe) let team: Team
        let index: Int
        init(team: Team, index: Int) {
            self.team = team
            self.index = index
        }
    }

    /// `gemm` on the SIMD path, its outputs split between the threads: by whole tiles of
    /// columns when there are enough of them, else by whole tiles of rows.
    public func splitGemm(
        m: Int, n: Int, k: Int, a: MatrixRows, transposeA: Bool = false, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, start: GemmStart = .accumulate, finish: GemmFinish = .none
    ) {
        func call(rows: Range<Int>? = nil, columns: Range<Int>? = nil) {
            gemm(
                .simd, m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, ldb: ldb, c: c, ldc: ldc, start: start,
                finish: finish, rows: rows, columns: columns)
        }
        let t = m * n * k < minimumSplit ? 1 : threads
        let columnTiles = n / GemmTiles.columns
        let rowTiles = m / GemmTiles.rows
        if t > 1 && columnTiles >= t {
            run(t) { p in
                let lo = p * columnTiles / t * GemmTiles.columns
                let hi = p == t - 1 ? n : (p + 1) * columnTiles / t * GemmTiles.columns
                call(columns: lo..<hi)
            }
        } else if t > 1 && rowTiles >= t {
            run(t) { p in
                let lo = p * rowTiles / t * GemmTiles.rows
                let hi = p == t - 1 ? m : (p + 1) * rowTiles / t * GemmTiles.rows
                call(rows: lo..<hi)
            }
        } else {
            call()
        }
    }

    /// Splits 0..<count into one range per thread, on multiples of `granule` (16: a SIMD16
    /// lane block), and runs `body` on each — when the work (about `work` multiply-adds;
    /// 8 per item if not given) is worth splitting.
    public func split(_ count: Int, granule: Int = 16, work: Int? = nil, _ body: (Range<Int>) -> Void) {
        let blocks = (count + granule - 1) / granule
        let t = (work ?? 8 * count) < minimumSplit ? 1 : min(threads, max(blocks, 1))
        run(t) { p in
            let lo = min(count, p * blocks / t * granule)
            let hi = p == t - 1 ? count : min(count, (p + 1) * blocks / t * granule)
            if lo < hi { body(lo..<hi) }
        }
    }
}
