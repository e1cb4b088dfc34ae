/// Decimal text to `Float`, correctly rounded (the nearest Float to the decimal value, ties
/// to even — what `strtof`, NumPy and PyTorch give), without allocating.
///
/// Most fields take an exact fast path: up to 19 significant digits and a small power of
/// ten give the correctly rounded Double in one IEEE operation; rounding that to Float is
/// correct unless the Double lies exactly halfway between two Floats, which is detected, and
/// those (and anything unusual) go through the standard library's correctly rounded parser.
/// So the result depends on the text alone, never on the machine.
enum DecimalParser {
    enum Result {
        case value(Float)
        case notANumber
        /// `nan`, `inf`, `infinity` in any case and sign, or a value beyond Float's range.
        case notFinite
        case empty
    }

    static let pow10f: [Float] = (0...10).map { e in (0..<e).reduce(Float(1)) { a, _ in a * 10 } }
    static let pow10d: [Double] = (0...22).map { e in (0..<e).reduce(Double(1)) { a, _ in a * 10 } }

    static func parse(_ p: UnsafePointer<UInt8>, _ count: Int) -> Result {
        var i = 0
        var n = count
        while i < n && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        while n > i && (p[n - 1] == 0x20 || p[n - 1] == 0x09) { n -= 1 }
        guard i < n else { return .empty }
        let start = i
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0  // significant digits taken into the mantissa
        var dropped = false  // a nonzero digit beyond 19 was seen
        var exponent = 0
        var sawDigit = false
        while i < n, p[i] &- 48 < 10 {
            sawDigit = true
            let d = UInt64(p[i] &- 48)
            if digits < 19 {
                if mantissa != 0 || d != 0 { digits += 1 }
                mantissa = mantissa &* 10 &+ d
            } else {
                exponent += 1
                if d != 0 { dropped = true }
            }
            i += 1
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, p[i] &- 48 < 10 {
                sawDigit = true
                let d = UInt64(p[i] &- 48)
                if digits < 19 {
                    if mantissa != 0 || d != 0 { digits += 1 }
                    mantissa = mantissa &* 10 &+ d
                    exponent -= 1
                } else if d != 0 {
                    dropped = true
                }
                i += 1
            }
        }
        guard sawDigit else { return special(p + start, n - start) }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            var eNegative = false
            if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
                eNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var eDigits = false
            while i < n, p[i] &- 48 < 10 {
                eDigits = true
                if e < 100_000 { e = e * 10 + Int(p[i] &- 48) }
                i += 1
            }
            guard eDigits else { return .notANumber }
            exponent += eNegative ? -e : e
        }
        guard i == n else { return .notANumber }
        if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
        if !dropped {
            if mantissa < (1 << 24) && exponent >= -10 && exponent <= 10 {
                let m = Float(mantissa)
                let v = exponent >= 0 ? m * pow10f[exponent] : m / pow10f[-exponent]
                return .value(negative ? -v : v)
            }
            if mantissa < (1 << 53) && exponent >= -22 && exponent <= 22 {
                let m = Double(mantissa)
                let d = exponent >= 0 ? m * pow10d[exponent] : m / pow10d[-exponent]
                // A Double exactly halfway between two Floats (its low 29 bits 1000…0) would
                // round twice; so would one outside Float's normal range.
                let halfway = d.bitPattern & 0x1FFF_FFFF == 0x1000_0000
                if !halfway && d >= Double(Float.leastNormalMagnitude) && d <= Double(Float.greatestFiniteMagnitude) {
                    let v = Float(d)
                    return .value(negative ? -v : v)
                }
            }
        }
        return slow(p + start, n - start)
    }

    /// The standard library's parser (correctly rounded), for what the fast path leaves.
    static func slow(_ p: UnsafePointer<UInt8>, _ count: Int) -> Result {
        let text = String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
        guard let v = Float(text) else { return .notANumber }
        return v.isFinite ? .value(v) : .notFinite
    }

    static func special(_ p: UnsafePointer<UInt8>, _ count: Int) -> Result {
        var text = String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self).lowercased()
        if text.hasPrefix("-") || text.hasPrefix("+") { text.removeFirst() }
        return ["nan", "inf", "infinity"].contains(text) ? .notFinite : .notANumber
    }
}
