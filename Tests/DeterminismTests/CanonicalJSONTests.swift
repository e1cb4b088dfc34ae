import Determinism
import Foundation
import Testing

@Suite struct CanonicalJSONTests {
    /// RFC 8785 Appendix B's number examples (IEEE-754 bits → ECMAScript spelling), and a few more.
    @Test(
        arguments: [
            (0x0000_0000_0000_0000, "0"), (0x8000_0000_0000_0000, "0"), (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"), (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
            (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"), (0x4340_0000_0000_0000, "9007199254740992"),
            (0xC340_0000_0000_0000, "-9007199254740992"), (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"), (0x44B5_2D02_C7E1_4AF6, "1e+23"),
            (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"), (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
            (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"), (0x444B_1AE4_D6E2_EF50, "1e+21"),
            (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"), (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
            (0x41B3_DE43_5555_5553, "333333333.3333332"), (0x41B3_DE43_5555_5554, "333333333.33333325"),
            (0x41B3_DE43_5555_5555, "333333333.3333333"), (0x41B3_DE43_5555_5556, "333333333.3333334"),
            (0x41B3_DE43_5555_5557, "333333333.33333343"), (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
            (0x43143FF3C1CB0959, "1424953923781206.2"),
        ] as [(UInt64, String)])
    func rfc8785Numbers(bits: UInt64, expected: String) {
        #expect(JSONValue.ecmaScriptString(Double(bitPattern: bits)) == expected)
    }

    @Test func equalNumbersHaveOneSpelling() {
        #expect(JSONValue.number(0.10).canonical == JSONValue.number(1e-1).canonical)
        #expect(JSONValue.number(1).canonical == "1")
        #expect(JSONValue.number(1e-7).canonical == "1e-7")
        #expect(JSONValue.number(100).canonical == "100")
        #expect(JSONValue.number(0.001).canonical == "0.001")
        #expect(JSONValue.number(1e21).canonical == "1e+21")
        #expect(JSONValue.number(1.5e300).canonical == "1.5e+300")
    }

    @Test func keysSortByUTF16AndStringsEscapeMinimally() {
        // RFC 8785 §3.2.3's sorting example, shortened: code units, not code points or locale.
        let v: JSONValue = [
            "\u{20AC}": "Euro", "\r": "CR", "\u{FB33}": "Hebrew", "1": "One", "\u{1F600}": "Emoji",
            "\u{0080}": "Control", "\u{00F6}": "ö",
        ]
        #expect(
            v.canonical
                == "{\"\\r\":\"CR\",\"1\":\"One\",\"\u{0080}\":\"Control\",\"\u{00F6}\":\"ö\",\"\u{20AC}\":\"Euro\",\"\u{1F600}\":\"Emoji\",\"\u{FB33}\":\"Hebrew\"}"
        )
        #expect(JSONValue.string("a\"b\\c\u{01}\n/").canonical == "\"a\\\"b\\\\c\\u0001\\n/\"")
        let nested: JSONValue = ["b": [1, true, .null], "a": ["y": 2.50, "x": "s"]]
        #expect(nested.canonical == "{\"a\":{\"x\":\"s\",\"y\":2.5},\"b\":[1,true,null]}")
    }

    @Test func decodesWhatItWrites() throws {
        let v: JSONValue = ["a": [1.5, "x", false, .null], "b": ["c": -3]]
        let back = try JSONDecoder().decode(JSONValue.self, from: Data(v.canonical.utf8))
        #expect(back == v)
    }
}
