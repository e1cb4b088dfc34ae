/// Elementwise kernels written once for both a single `Float` and a `SIMD16<Float>`: the
/// body runs 16 lanes at a time, then one at a time on the tail, with the same operations in
/// the same order, so each element gets identical bits either way.
public typealias F16 = SIMD16<Float>

public protocol Lane {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    func squareRoot() -> Self
    init(broadcast x: Float)
    static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Self
    func store(_ p: UnsafeMutablePointer<Float>, _ i: Int)
}

extension Float: Lane {
    @inline(__always) public init(broadcast x: Float) { self = x }
    @inline(__always) public static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Float { p[i] }
    @inline(__always) public func store(_ p: UnsafeMutablePointer<Float>, _ i: Int) { p[i] = self }
}

extension SIMD16: Lane where Scalar == Float {
    @inline(__always) public init(broadcast x: Float) { self.init(repeating: x) }
    @inline(__always) public static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always) public func store(_ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: self, as: SIMD16<Float>.self)
    }
}

/// Calls `body` with SIMD16 lanes for i = lower, lower + 16, … and with single floats on the tail.
@inline(__always)
func forEachLane(_ range: Range<Int>, _ simd: (Int) -> Void, _ scalar: (Int) -> Void) {
    var i = range.lowerBound
    let n = range.upperBound
    while i + 16 <= n {
        simd(i)
        i += 16
    }
    while i < n {
        scalar(i)
        i += 1
    }
}
