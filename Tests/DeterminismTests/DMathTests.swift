import Foundation
import Testing

@testable import Determinism

/// Cairn's own functions against the platform's libm on dense sweeps. The platform is the
/// yardstick for accuracy only; Cairn never uses it for results.
@Suite struct DMathTests {
    static func ulpDistance(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        return abs(a - b) / b.ulp
    }

    static func ulpDistance(_ a: Float, _ b: Float) -> Float {
        if a == b { return 0 }
        return abs(a - b) / b.ulp
    }

    static func sweep(_ lo: Double, _ hi: Double, _ n: Int) -> [Double] {
        (0...n).map { lo + (hi - lo) * Double($0) / Double(n) }
    }

    @Test func doubleFunctionsWithinTwoUlp() {
        var worst: [String: Double] = [:]
        func check(_ name: String, _ xs: [Double], _ mine: (Double) -> Double, _ libm: (Double) -> Double) {
            for x in xs {
                let d = DMathTests.ulpDistance(mine(x), libm(x))
                worst[name] = max(worst[name] ?? 0, d)
            }
        }
        check("exp", DMathTests.sweep(-700, 700, 200_000) + DMathTests.sweep(-1, 1, 100_000), DMath.exp, Foundation.exp)
        check(
            "log", DMathTests.sweep(1e-300, 10, 100_000) + DMathTests.sweep(0.5, 2, 100_000) + (1...300).map { pow(10, Double($0)) },
            DMath.log, Foundation.log)
        check("sin", DMathTests.sweep(-1000, 1000, 200_000) + DMathTests.sweep(-7, 7, 100_000), DMath.sin, Foundation.sin)
        check("cos", DMathTests.sweep(-1000, 1000, 200_000) + DMathTests.sweep(-7, 7, 100_000), DMath.cos, Foundation.cos)
        for (name, w) in worst.sorted(by: { $0.key < $1.key }) {
            #expect(w <= 2, "\(name): \(w) ulp")
        }
    }

    @Test func floatFunctionsWithinOneUlp() {
        func check(_ name: String, _ xs: [Double], _ mine: (Float) -> Float, _ libm: (Double) -> Double) {
            var worst: Float = 0
            for xd in xs {
                let x = Float(xd)
                // Reference: the double-precision libm value, rounded once.
                worst = max(worst, DMathTests.ulpDistance(mine(x), Float(libm(Double(x)))))
            }
            #expect(worst <= 1, "\(name): \(worst) ulp")
        }
        check("expf", DMathTests.sweep(-87, 88, 400_000), DMath.expf, Foundation.exp)
        check("logf", DMathTests.sweep(1e-30, 100, 400_000), DMath.logf, Foundation.log)
        check("tanhf", DMathTests.sweep(-12, 12, 400_000) + DMathTests.sweep(-1e-3, 1e-3, 10_000), DMath.tanhf, Foundation.tanh)
        check("sinf", DMathTests.sweep(-100, 100, 200_000), DMath.sinf, Foundation.sin)
        check("cosf", DMathTests.sweep(-100, 100, 200_000), DMath.cosf, Foundation.cos)
    }

    /// The vector exp has the scalar one's bits on every lane: eight lanes of a dense sweep at
    /// a time, with lanes beyond ±708 (where it falls back), infinities and NaN mixed in.
    @Test func vectorExpHasTheScalarBitsOnEveryLane() {
        let xs =
            DMathTests.sweep(-760, 760, 100_001) + DMathTests.sweep(-1, 1, 20_001) + DMathTests.sweep(-90, 90, 20_001)
            + [.nan, .infinity, -.infinity, -0.0, 0, -1e-300, 1e-300]
        var doubles = 0
        for start in stride(from: 0, to: xs.count, by: 8) {
            var v = SIMD8<Double>(repeating: 0.5)
            for i in 0..<min(8, xs.count - start) { v[i] = xs[start + i] }
            let e = DMath.exp(v)
            for i in 0..<8 where e[i].bitPattern != DMath.exp(v[i]).bitPattern { doubles += 1 }
        }
        #expect(doubles == 0)
    }

    /// exp's reduction rounds x/ln 2 by adding and subtracting `roundingShift`: that is
    /// rounding to the nearest integer, ties to even, over the range exp reduces (|x/ln 2| <
    /// 1100), at the ties and on either side of them.
    @Test func roundingShiftRoundsToNearestEven() {
        var t: [Double] = DMathTests.sweep(-1100, 1100, 200_001)
        for k in -1100...1100 {
            let tie = Double(k) + 0.5
            t += [tie, tie.nextUp, tie.nextDown, Double(k), Double(k).nextUp, Double(k).nextDown]
        }
        let wrong = t.filter { ($0 + DMath.roundingShift) - DMath.roundingShift != $0.rounded(.toNearestOrEven) }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    @Test func specialValues() {
        #expect(DMath.exp(0) == 1)
        #expect(DMath.exp(-Double.infinity) == 0)
        #expect(DMath.exp(1000) == .infinity)
        #expect(DMath.exp(.nan).isNaN)
        #expect(DMath.log(1) == 0)
        #expect(DMath.log(0) == -.infinity)
        #expect(DMath.log(-1).isNaN)
        #expect(DMath.log(.infinity) == .infinity)
        #expect(DMath.tanh(50) == 1 && DMath.tanh(-50) == -1)
        #expect(DMath.tanh(0) == 0)
        #expect(DMath.sin(0) == 0 && DMath.cos(0) == 1)
        #expect(DMath.sin(.infinity).isNaN)
        #expect(DMath.log(5e-324) < -744)  // subnormal input
    }
}
