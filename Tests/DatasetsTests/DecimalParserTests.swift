import Determinism
import Testing

@testable import Datasets

/// The CSV reader's number parser gives exactly the Float the standard library's correctly
/// rounded parser gives, on its fast path as well as off it.
@Suite struct DecimalParserTests {
    static func parse(_ s: String) -> Float? {
        var bytes = Array(s.utf8)
        if case .value(let v) = bytes.withUnsafeMutableBufferPointer({ DecimalParser.parse($0.baseAddress!, $0.count) }) { return v }
        return nil
    }

    @Test(arguments: [
        "0", "-0", "1", "5.1", "0.1", "3.4028235e38", "1e-38", "1.17549435e-38", "123456789", "0.000123", "+7.25", " 2.5 ",
        "16777217",  // 2^24 + 1: halfway between two Floats, rounds to even (16777216)
        "16777219", "33554435", "1.00000005960464477539062500001", "9007199254740993", "1e22", "1e23", "4.9e-324",
        "1.0000000000000000000001", "000123.4500", ".5", "5.", "1E5", "2e+3",
    ])
    func matchesTheStandardLibrary(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        #expect(Self.parse(text)?.bitPattern == Float(trimmed)?.bitPattern, "\(text)")
    }

    /// Random decimals of 1–21 significant digits and exponents −45…40.
    @Test func randomDecimals() {
        var rng = RandomStream(seed: 5, purpose: .synthetic, index: 1)
        for _ in 0..<20_000 {
            let digits = 1 + Int(rng.nextInt(below: 21))
            var mantissa = (0..<digits).map { _ in String(rng.nextInt(below: 10)) }.joined()
            if rng.nextInt(below: 2) == 0 {
                mantissa.insert(".", at: mantissa.index(mantissa.startIndex, offsetBy: Int(rng.nextInt(below: UInt64(digits)))))
            }
            let exponent = Int(rng.nextInt(below: 86)) - 45
            let text = (rng.nextInt(below: 2) == 0 ? "-" : "") + mantissa + (rng.nextInt(below: 3) == 0 ? "" : "e\(exponent)")
            guard let expected = Float(text), expected.isFinite else { continue }
            #expect(Self.parse(text)?.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    @Test func textIsNotANumber() {
        for text in ["abc", "1.2.3", "1e", "--1", "0x10", "1,5", "e5"] { #expect(Self.parse(text) == nil, "\(text)") }
    }
}
