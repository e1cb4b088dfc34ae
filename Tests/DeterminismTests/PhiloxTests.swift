import Determinism
import Testing

@Suite struct PhiloxTests {
    /// Random123's kat_vectors for philox4x32-10: counter[4], key[2] → output[4].
    @Test(
        arguments: [
            (
                (0x0000_0000, 0x0000_0000, 0x0000_0000, 0x0000_0000), (0x0000_0000, 0x0000_0000),
                (0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)
            ),
            (
                (0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
                (0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)
            ),
            (
                (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
                (0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)
            ),
        ] as [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), (UInt32, UInt32, UInt32, UInt32))])
    func knownAnswers(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32), expected: (UInt32, UInt32, UInt32, UInt32)) {
        let out = Philox.block(counter: counter, key: key)
        #expect([out.0, out.1, out.2, out.3] == [expected.0, expected.1, expected.2, expected.3])
    }

    @Test func streamsAreKeyedNotOrdered() {
        // Word n of a stream is the same whether or not other streams were drawn from first.
        var a = RandomStream(seed: 7, purpose: .shuffle, index: 3)
        var noise = RandomStream(seed: 7, purpose: .dropout, index: 3)
        _ = (0..<10).map { _ in noise.next() }
        var b = RandomStream(seed: 7, purpose: .shuffle, index: 3)
        #expect((0..<9).map { _ in a.next() } == (0..<9).map { _ in b.next() })
        var c = RandomStream(seed: 7, purpose: .shuffle, index: 4)
        var d = RandomStream(seed: 8, purpose: .shuffle, index: 3)
        var e = RandomStream(seed: 7, purpose: .shuffle, index: 3)
        let ref = (0..<4).map { _ in e.next() }
        #expect((0..<4).map { _ in c.next() } != ref)
        #expect((0..<4).map { _ in d.next() } != ref)
    }

    @Test func uniformsAndIntegersStayInRange() {
        var r = RandomStream(seed: 1, purpose: .sweep)
        for _ in 0..<10_000 {
            let u = r.nextUniform()
            #expect(u >= 0 && u < 1)
            let o = r.nextUniformOpen()
            #expect(o > 0 && o <= 1)
            #expect(r.nextInt(below: 7) < 7)
        }
    }

    @Test func permutationIsAPermutation() {
        var r = RandomStream(seed: 2, purpose: .shuffle)
        let p = r.permutation(1000)
        #expect(p.sorted() == Array(0..<1000))
        #expect(p != Array(0..<1000))
    }

    @Test func normalSamplesHaveUnitMoments() {
        var r = RandomStream(seed: 3, purpose: .initialization)
        let xs = (0..<100_000).map { _ in r.nextNormal() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        // Standard errors: 0.0032 for the mean, 0.0045 for the variance; allow ~4σ.
        #expect(abs(mean) < 0.013)
        #expect(abs(variance - 1) < 0.018)
    }
}
