/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers:
/// as easy as 1, 2, 3" (SC 2011), checked against Random123's known-answer vectors.
///
/// Counter-based means a random word is a pure function of (key, counter): nothing depends
/// on how many numbers were drawn before, so weight init, shuffles and dropout draw the same
/// values whatever order they run in, and "the RNG position" is just a counter.
///
///     let words = Philox.block(counter: (0, 0, 0, 0), key: (0, 0))  // 0x6627e8d5, …
public enum Philox {
    public typealias Counter = (UInt32, UInt32, UInt32, UInt32)
    public typealias Key = (UInt32, UInt32)

    @inline(__always)
    static func mulhilo(_ a: UInt32, _ b: UInt32) -> (hi: UInt32, lo: UInt32) {
        let p = UInt64(a) &* UInt64(b)
        return (UInt32(truncatingIfNeeded: p >> 32), UInt32(truncatingIfNeeded: p))
    }

    /// One block of four 32-bit words.
    @inlinable
    public static func block(counter: Counter, key: Key) -> Counter {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32)
            let lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32)
            let lo1 = UInt32(truncatingIfNeeded: p1)
            c = (hi1 ^ c.1 ^ k.0, lo1, hi0 ^ c.3 ^ k.1, lo0)
        }
        return c
    }
}

/// What a stream of random numbers is for. Each purpose gets its own counter space, so
/// adding dropout to a model never moves its initial weights.
public enum RandomPurpose: UInt32, Sendable {
    case initialization = 1
    case shuffle = 2
    case dropout = 3
    case split = 4
    case synthetic = 5
    case sweep = 6
    /// The held-out test rows of a data file without a test file.
    case testSplit = 7
    /// Which configs of a grid each Hyperband bracket starts with.
    case hyperband = 8
    /// A model-based search's suggestions (random draws and candidates), one stream each.
    case search = 9
}

/// A stream of random numbers keyed by (seed, purpose, index).
///
/// The key is the 64-bit seed; the counter is (block, purpose, index low, index high), so
/// every (seed, purpose, index) names an independent stream of 2^32 blocks. Word `n` of the
/// stream is word `n % 4` of block `n / 4`.
///
///     var r = RandomStream(seed: 0, purpose: .shuffle, index: 3)  // epoch 3's shuffle
///     let u = r.nextUniform()                                      // in [0, 1)
public struct RandomStream: Sendable {
    public let seed: UInt64
    public let purpose: RandomPurpose
    public let index: UInt64
    /// Words consumed so far: the stream's position.
    public private(set) var position: UInt64 = 0
    private var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)

    public init(seed: UInt64, purpose: RandomPurpose, index: UInt64 = 0) {
        self.seed = seed
        self.purpose = purpose
        self.index = index
    }

    /// The four words of block `n` of this stream.
    @inlinable
    public func block(_ n: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        Philox.block(
            counter: (n, purpose.rawValue, UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32)),
            key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    public mutating func next() -> UInt32 {
        let lane = Int(position & 3)
        if lane == 0 { buffer = block(UInt32(truncatingIfNeeded: position >> 2)) }
        position += 1
        switch lane {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    public mutating func next64() -> UInt64 {
        let hi = UInt64(next())
        return hi << 32 | UInt64(next())
    }

    /// A double in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next64() >> 11) * 0x1p-53
    }

    /// A double in (0, 1]: safe to take the logarithm of.
    public mutating func nextUniformOpen() -> Double {
        (Double(next64() >> 11) + 1) * 0x1p-53
    }

    /// An integer in 0..<bound, by Lemire's multiply-and-reject method (unbiased).
    public mutating func nextInt(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        var m = next64().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next64().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// A standard normal sample by the Box–Muller transform, built on Cairn's own
    /// `log`, `sin` and `cos` so it is the same on every machine. Uses two uniforms.
    public mutating func nextNormal() -> Double {
        let u1 = nextUniformOpen()
        let u2 = nextUniform()
        return DMath.sqrt(-2 * DMath.log(u1)) * DMath.cos(2 * Double.pi * u2)
    }

    /// A uniformly random permutation of 0..<n (Fisher–Yates, from the last element down).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        var i = n - 1
        while i > 0 {
            let j = Int(nextInt(below: UInt64(i + 1)))
            p.swapAt(i, j)
            i -= 1
        }
        return p
    }
}
