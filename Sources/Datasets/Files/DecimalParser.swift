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

    /// 10^e, exact as a Float for e ≤ 10 (and as a Double for e ≤ 22): literals, not a table,
    /// so the hot path reads no lazily initialised global.
    @inline(__always) static func pow10f(_ e: Int) -> Float {
        switch e {
        case 0: 1
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        default: 1e10
        }
    }

    @inline(__always) static func pow10d(_ e: Int) -> Double {
        var v: Double = 1
        var k = 0
        while k < e {
            v *= 10
            k += 1
        }
        return v  // exact: every power up to 10^22 is a Double
    }

    /// The whole of `count` bytes as a number (spaces around it allowed).
    static func parse(_ p: UnsafePointer<UInt8>, _ count: Int) -> Result {
        var n = count
        while n > 0 && (p[n - 1] == 0x20 || p[n - 1] == 0x09) { n -= 1 }
        var i = 0
        while i < n && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        guard i < n else { return .empty }
        let (r, used) = prefix(p + i, n - i)
        if used == n - i { return r }
        if used == 0 { return special(p + i, n - i) }
        return .notANumber
    }

    /// The number at the start of `count` bytes, and how many bytes it took (0: none there).
    /// The CSV reader calls this on a field in place and checks that a delimiter follows.
    @inline(__always)
    static func prefix(_ p: UnsafePointer<UInt8>, _ n: Int) -> (Result, Int) {
        var i = 0
        var negative = false
        if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var dropped = false  // a nonzero digit beyond the mantissa's 19 was seen
        var exponent = 0
        var sawDigit = false
        // The common field — a few integer digits, a point, a few fraction digits — read eight
        // bytes at a time (SWAR) without a branch per digit. Longer runs of digits finish in
        // the loops below.
        if i + 16 <= n {
            let k1 = leadingDigits(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
            if k1 < 8 {
                if k1 > 0 { mantissa = eightDigits(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self), count: k1) }
                i += k1
                sawDigit = k1 > 0
                if p[i] == UInt8(ascii: ".") {
                    let k2 = leadingDigits(UnsafeRawPointer(p + i + 1).loadUnaligned(as: UInt64.self))
                    if k2 < 8 {
                        if k2 > 0 {
                            mantissa =
                                mantissa &* pow10u(k2) &+ eightDigits(UnsafeRawPointer(p + i + 1).loadUnaligned(as: UInt64.self), count: k2)
                            sawDigit = true
                        }
                        exponent = -k2
                        i += 1 + k2
                        return finish(
                            p, n, i, negative: negative, mantissa: mantissa, exponent: exponent, dropped: false, sawDigit: sawDigit)
                    }
                } else {
                    return finish(p, n, i, negative: negative, mantissa: mantissa, exponent: 0, dropped: false, sawDigit: sawDigit)
                }
                // Eight or more fraction digits: back to where the digits began.
                i -= k1
                mantissa = 0
                sawDigit = false
            }
        }
        // Digits go into the mantissa while it stays below 10^18 (so 19 fit exactly); later
        // ones only move the exponent (and, if nonzero, send the value to the exact parser).
        let full: UInt64 = 1_000_000_000_000_000_000
        while i < n {
            let d = p[i] &- 48
            guard d < 10 else { break }
            sawDigit = true
            if mantissa < full {
                mantissa = mantissa &* 10 &+ UInt64(d)
            } else {
                exponent += 1
                if d != 0 { dropped = true }
            }
            i += 1
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n {
                let d = p[i] &- 48
                guard d < 10 else { break }
                sawDigit = true
                if mantissa < full {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    exponent -= 1
                } else if d != 0 {
                    dropped = true
                }
                i += 1
            }
        }
        return finish(p, n, i, negative: negative, mantissa: mantissa, exponent: exponent, dropped: dropped, sawDigit: sawDigit)
    }

    /// The exponent part, then the value from the digits read.
    @inline(__always)
    static func finish(
        _ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, negative: Bool, mantissa: UInt64, exponent e10: Int, dropped: Bool,
        sawDigit: Bool
    ) -> (Result, Int) {
        var i = start
        var exponent = e10
        guard sawDigit else { return (.notANumber, 0) }
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
            guard eDigits else { return (.notANumber, i) }
            exponent += eNegative ? -e : e
        }
        if mantissa == 0 { return (.value(negative ? -0.0 : 0.0), i) }
        if !dropped {
            if mantissa < (1 << 24) && exponent >= -10 && exponent <= 10 {
                let m = Float(mantissa)
                let v = exponent >= 0 ? m * pow10f(exponent) : m / pow10f(-exponent)
                return (.value(negative ? -v : v), i)
            }
            if mantissa < (1 << 53) && exponent >= -22 && exponent <= 22 {
                let m = Double(mantissa)
                let d = exponent >= 0 ? m * pow10d(exponent) : m / pow10d(-exponent)
                // A Double exactly halfway between two Floats (its low 29 bits 1000…0) would
                // round twice; so would one outside Float's normal range.
                let halfway = d.bitPattern & 0x1FFF_FFFF == 0x1000_0000
                if !halfway && d >= Double(Float.leastNormalMagnitude) && d <= Double(Float.greatestFiniteMagnitude) {
                    let v = Float(d)
                    return (.value(negative ? -v : v), i)
                }
            }
        }
        return (slow(p, i), i)
    }

    /// How many of the (little-endian) word's bytes, from the first, are ASCII digits.
    @inline(__always) static func leadingDigits(_ w: UInt64) -> Int {
        let t = w &- 0x3030_3030_3030_3030
        // A byte is a digit iff it was ≥ '0' (no borrow: its high bit clear after adding
        // 0x76 stays below 0x80 exactly when the byte is < 10).
        let notDigit = (t | (t &+ 0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080
        return notDigit == 0 ? 8 : notDigit.trailingZeroBitCount / 8
    }

    /// The value of the word's first `count` (1…8) digit bytes.
    @inline(__always) static func eightDigits(_ w: UInt64, count: Int) -> UInt64 {
        // Shift the digits to the top, fill the bottom with '0's: an 8-digit number with
        // leading zeros, the most significant digit in the lowest byte.
        let shift = UInt64(8 * (8 - count))
        var v = count == 8 ? w : (w &<< shift) | (0x3030_3030_3030_3030 &>> (64 &- shift))
        v &-= 0x3030_3030_3030_3030
        v = (v &* 10) &+ (v &>> 8)  // pairs: each 16-bit lane's low byte holds two digits' value
        v =
            (((v & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 &<< 32)))
                &+ (((v &>> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 &<< 32)))) &>> 32
        return v
    }

    @inline(__always) static func pow10u(_ k: Int) -> UInt64 {
        switch k {
        case 1: 10
        case 2: 100
        case 3: 1000
        case 4: 10_000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        default: 100_000_000
        }
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
