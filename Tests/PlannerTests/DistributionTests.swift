import Determinism
import Foundation
import Testing
import Vocabulary

@testable import Planner

/// Every distribution's samples stay in its support, and each continuous one passes a
/// Kolmogorov–Smirnov test against its CDF (n = 10,000, α = 0.001, fixed seed).
@Suite struct DistributionTests {
    static func draws(_ d: Distribution, n: Int = 10_000, seed: UInt64 = 42) -> [Double] {
        (0..<n).map { i in
            var r = RandomStream(seed: seed, purpose: .sweep, index: UInt64(i))
            return d.sample(&r)
        }
    }

    /// The KS statistic sup |F_n(x) − F(x)|.
    static func ks(_ xs: [Double], _ cdf: (Double) -> Double) -> Double {
        let s = xs.sorted()
        let n = Double(s.count)
        var d = 0.0
        for (i, x) in s.enumerated() {
            let f = cdf(x)
            d = max(d, abs(Double(i + 1) / n - f), abs(f - Double(i) / n))
        }
        return d
    }

    /// Critical value at α = 0.001: c(α)/√n with c = √(−ln(α/2)/2) ≈ 1.949.
    static let critical = (-log(0.0005) / 2).squareRoot() / 100.0

    static func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    static let continuous: [Distribution] = [
        Distribution(kind: .uniform, min: -2, max: 3),
        Distribution(kind: .logUniform, min: -5, max: 1),
        Distribution(kind: .logUniformValues, min: 1e-4, max: 1e-1),
        Distribution(kind: .invLogUniformValues, min: 0.01, max: 10),
        Distribution(kind: .normal, mu: 1, sigma: 2),
        Distribution(kind: .logNormal, mu: -1, sigma: 0.5),
    ]

    /// Each distribution's CDF, from its definition (the platform's libm is a fine yardstick here).
    static func cdf(_ d: Distribution, _ x: Double) -> Double {
        switch d.kind {
        case .uniform: return (x - d.min) / (d.max - d.min)
        case .logUniform: return (log(x) - d.min) / (d.max - d.min)
        case .logUniformValues, .invLogUniformValues: return (log(x) - log(d.min)) / (log(d.max) - log(d.min))
        case .normal: return phi((x - d.mu) / d.sigma)
        case .logNormal: return phi((log(x) - d.mu) / d.sigma)
        default: return .nan
        }
    }

    @Test(arguments: continuous.indices)
    func kolmogorovSmirnov(_ i: Int) {
        let d = Self.continuous[i]
        let stat = Self.ks(Self.draws(d)) { Self.cdf(d, $0) }
        #expect(stat < Self.critical, "\(d.kind.rawValue): D = \(stat), critical \(Self.critical)")
    }

    @Test func samplesStayInTheirSupport() {
        for x in Self.draws(Distribution(kind: .intUniform, min: 3, max: 7), n: 2000) {
            #expect(x == x.rounded() && x >= 3 && x <= 7)
        }
        #expect(Set(Self.draws(Distribution(kind: .intUniform, min: 3, max: 7), n: 2000)) == [3, 4, 5, 6, 7])
        for x in Self.draws(Distribution(kind: .qUniform, min: 0, max: 1, q: 0.25), n: 2000) {
            #expect([0, 0.25, 0.5, 0.75, 1].contains(x))
        }
        for x in Self.draws(Distribution(kind: .qLogUniformValues, min: 1, max: 100, q: 5), n: 2000) {
            #expect((x / 5).rounded() == x / 5 && x >= 0 && x <= 100)
        }
        for x in Self.draws(Distribution(kind: .qNormal, mu: 0, sigma: 3, q: 2), n: 2000) { #expect((x / 2).rounded() == x / 2) }
        for x in Self.draws(Distribution(kind: .qLogNormal, mu: 1, sigma: 1, q: 0.5), n: 2000) {
            #expect(x >= 0 && (x * 2).rounded() == x * 2)
        }
        for kind in [Distribution.Kind.uniform, .logUniformValues, .invLogUniformValues] {
            for x in Self.draws(Distribution(kind: kind, min: 0.5, max: 2), n: 2000) { #expect(x >= 0.5 && x <= 2, "\(kind)") }
        }
        for x in Self.draws(Distribution(kind: .logUniform, min: -1, max: 1), n: 2000) {
            #expect(x >= exp(-1) * 0.999999 && x <= exp(1) * 1.000001)
        }
        for x in Self.draws(Distribution(kind: .logNormal), n: 2000) { #expect(x > 0) }
    }

    @Test func gridValuesOfFiniteDistributions() {
        #expect(Distribution(kind: .intUniform, min: 2, max: 5).gridValues == [2, 3, 4, 5])
        #expect(Distribution(kind: .qUniform, min: 0.1, max: 1, q: 0.25).gridValues == [0.25, 0.5, 0.75, 1])
        #expect(Distribution(kind: .uniform, min: 0, max: 1).gridValues == nil)
    }
}
