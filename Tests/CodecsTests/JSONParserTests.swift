import Codecs
import Determinism
import Testing

/// The JSON parser reads back what Cairn writes (event logs, stored specs, checkpoint headers).
struct JSONParserTests {
    @Test func readsBackWhatCanonicalFormWrites() throws {
        let v: JSONValue = ["a": [1, 2.5, "x"], "b": ["c": .null, "d": true], "e": "é\n\"", "f": -0.000001]
        #expect(try JSONValue.parse(v.canonicalBytes) == v)
    }

    @Test func refusesTrailingTextAndSaysWhere() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(#"{"a":1} x"#.utf8)) }
        do { _ = try JSONValue.parse(Array(#"{"a":1} x"#.utf8)) } catch let e as JSONValue.ParseError {
            #expect(e.offset == 8)
        } catch { Issue.record("unexpected \(error)") }
    }
}
