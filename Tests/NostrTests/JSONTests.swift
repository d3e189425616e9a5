import Testing

@testable import Nostr

struct JSONTests {
    @Test func parsesAndWritesValues() throws {
        let v = try JSONValue(parsing: " {\"b\":[1,-2.5e3,true,false,null],\"a\":\"x\\u00e9\\ud83d\\ude00\\n\\/\"} ")
        #expect(v.objectValue?["a"] == .string("xé😀\n/"))
        #expect(v.jsonText == "{\"a\":\"xé😀\\n/\",\"b\":[1,-2.5e3,true,false,null]}")
    }

    @Test func nestingIsBounded() throws {
        // maxDepth (default 64) levels of nesting are accepted; one more is an error.
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: NostrError.self) { try JSONValue(parsing: deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? JSONValue(parsing: ok)) != nil)
        #expect((try? JSONValue(parsing: deep, options: .init(maxDepth: 65))) != nil)
    }

    @Test func keepsIntegerLiteralsExactly() throws {
        guard case .number(let n) = try JSONValue(parsing: "123456789012345678901234567890") else {
            Issue.record("not a number"); return
        }
        #expect(n.literal == "123456789012345678901234567890")
        #expect(n.isInteger)
        #expect(n.int64Value == nil)
    }

    @Test func errorsNameTheByteOffset() {
        let error = #expect(throws: NostrError.self) { try JSONValue(parsing: "[1, 2, x]") }
        #expect(error?.message.contains("at byte 7") == true, "\(String(describing: error))")
    }

    @Test func escapingStyles() {
        var nip01: [UInt8] = [], standard: [UInt8] = [], python: [UInt8] = []
        let s = "a\"\\\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}é\u{2028}😀/"
        JSONWriter.appendString(s, to: &nip01, style: .nip01)
        JSONWriter.appendString(s, to: &standard, style: .standard)
        JSONWriter.appendString(s, to: &python, style: .python)
        #expect(nip01 == Array("\"a\\\"\\\\\\n\\r\\t\\b\\f\u{01}\u{1F}\u{7F}é\u{2028}😀/\"".utf8))
        #expect(String(decoding: standard, as: UTF8.self) == "\"a\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\u{7F}é\u{2028}😀/\"")
        // Python's json.dumps(s, ensure_ascii=False), as BigBrotr hashes metadata, escapes
        // exactly what the standard style does.
        #expect(python == standard)
    }

    @Test func utf8Validation() {
        #expect(UTF8Validation.isValid(Array("héllo 😀 日本".utf8)))
        #expect(!UTF8Validation.isValid([0x80]))
        #expect(!UTF8Validation.isValid([0xE0, 0x80, 0x80]))  // overlong
        #expect(!UTF8Validation.isValid([0xF8, 0x88, 0x80, 0x80, 0x80]))
        #expect(UTF8Validation.isValid([0xF4, 0x8F, 0xBF, 0xBF]))  // U+10FFFF
    }
}
