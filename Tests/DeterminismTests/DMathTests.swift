import Determinism
import Foundation
import Testing

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

    /// The vector exp has the scalar one's bits on every lane: four lanes of a dense sweep at
    /// a time, with lanes beyond ±708 (where it falls back), infinities and NaN mixed in.
    @Test func vectorExpHasTheScalarBitsOnEveryLane() {
        let xs =
            DMathTests.sweep(-760, 760, 100_001) + DMathTests.sweep(-1, 1, 20_001) + DMathTests.sweep(-90, 90, 20_001)
            + [.nan, .infinity, -.infinity, -0.0, 0]
        var doubles = 0
        var floats = 0
        for start in stride(from: 0, to: xs.count, by: 4) {
            var v = SIMD4<Double>(repeating: 0.5)
            for i in 0..<min(4, xs.count - start) { v[i] = xs[start + i] }
            let e = DMath.exp(v)
            for i in 0..<4 where e[i].bitPattern != DMath.exp(v[i]).bitPattern { doubles += 1 }
            let f = SIMD4<Float>(v / 8)
            let ef = DMath.expf(f)
            for i in 0..<4 where ef[i].bitPattern != DMath.expf(f[i]).bitPattern { floats += 1 }
        }
        #expect(doubles == 0)
        #expect(floats == 0)
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
