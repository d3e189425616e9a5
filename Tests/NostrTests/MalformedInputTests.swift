import BrotrTestSupport
import Testing

@testable import Nostr

/// Junk never crashes: every malformed input becomes a NostrError value.
struct MalformedInputTests {
    static let pubkey = String(repeating: "a", count: 64)
    static let id = String(repeating: "b", count: 64)
    static let sig = String(repeating: "c", count: 128)

    /// A structurally valid event object with one field replaced (or removed, for nil).
    static func event(_ field: String, _ value: String?) -> String {
        var fields: [(String, String)] = [
            ("id", "\"\(id)\""), ("pubkey", "\"\(pubkey)\""), ("created_at", "1700000000"), ("kind", "1"),
            ("tags", "[]"), ("content", "\"hi\""), ("sig", "\"\(sig)\""),
        ]
        if let i = fields.firstIndex(where: { $0.0 == field }) {
            if let value { fields[i].1 = value } else { fields.remove(at: i) }
        } else if let value {
            fields.append((field, value))
        }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let code: NostrError.Code
        var testDescription: String { name }
        init(_ name: String, _ text: String, _ code: NostrError.Code) {
            self.name = name
            self.bytes = Array(text.utf8)
            self.code = code
        }
        init(_ name: String, bytes: [UInt8], _ code: NostrError.Code) {
            self.name = name
            self.bytes = bytes
            self.code = code
        }
    }

    static let eventCases: [Case] = [
        Case("empty input", "", .invalidEvent),
        Case("not an object", "[1,2]", .invalidEvent),
        Case("truncated", String(event("kind", "1").dropLast(5)), .malformedJSON),
        Case("trailing garbage", event("kind", "1") + "x", .malformedJSON),
        Case("two values", event("kind", "1") + " {}", .malformedJSON),
        Case("missing id", event("id", nil), .invalidEvent),
        Case("missing sig", event("sig", nil), .invalidEvent),
        Case("uppercase id", event("id", "\"\(id.uppercased())\""), .invalidEvent),
        Case("short id", event("id", "\"abc\""), .invalidEvent),
        Case("id not a string", event("id", "123"), .invalidEvent),
        Case("pubkey 63 hex", event("pubkey", "\"\(pubkey.dropLast())\""), .invalidEvent),
        Case("sig 127 hex", event("sig", "\"\(sig.dropLast())\""), .invalidEvent),
        Case("sig non-hex", event("sig", "\"\(sig.dropLast())z\""), .invalidEvent),
        Case("created_at string", event("created_at", "\"1700000000\""), .invalidEvent),
        Case("created_at float", event("created_at", "1700000000.5"), .invalidEvent),
        Case("created_at 1e9", event("created_at", "1e9"), .invalidEvent),
        Case("created_at 1e400", event("created_at", "1e400"), .invalidEvent),
        Case("created_at -0", event("created_at", "-0"), .invalidEvent),
        Case("created_at negative", event("created_at", "-5"), .invalidEvent),
        Case("created_at overflow", event("created_at", "99999999999999999999999"), .invalidEvent),
        Case("created_at leading zero", event("created_at", "0123"), .invalidEvent),
        Case("kind 65536", event("kind", "65536"), .invalidEvent),
        Case("kind -1", event("kind", "-1"), .invalidEvent),
        Case("kind null", event("kind", "null"), .invalidEvent),
        Case("tags object", event("tags", "{}"), .invalidEvent),
        Case("tag not array", event("tags", "[\"e\"]"), .invalidEvent),
        Case("tag with number", event("tags", "[[\"e\",1]]"), .invalidEvent),
        Case("tag with null", event("tags", "[[\"e\",null]]"), .invalidEvent),
        Case("tags nested too deep", event("tags", "[[[\"e\"]]]"), .invalidEvent),
        Case("content number", event("content", "5"), .invalidEvent),
        Case("duplicate id", event("id", "\"\(id)\",\"id\":\"\(id)\""), .invalidEvent),
        Case("duplicate content", event("content", "\"a\",\"content\":\"b\""), .invalidEvent),
        Case("raw control char in content", event("content", "\"a\u{01}b\""), .malformedJSON),
        Case("raw newline in content", event("content", "\"a\nb\""), .malformedJSON),
        Case("bad escape", event("content", "\"\\x41\""), .malformedJSON),
        Case("lone high surrogate", event("content", "\"\\ud83d\""), .malformedJSON),
        Case("lone low surrogate", event("content", "\"\\ude00x\""), .malformedJSON),
        Case("truncated unicode escape", event("content", "\"\\u12\""), .malformedJSON),
        Case("unterminated string", "{\"content\":\"abc", .malformedJSON),
        Case("single quotes", "{'id':1}", .malformedJSON),
        Case("trailing comma", "{\"kind\":1,}", .malformedJSON),
        Case("NaN", event("kind", "NaN"), .invalidEvent),
        Case("unknown field deeply nested", event("x", String(repeating: "[", count: 100_000)), .malformedJSON),
        Case("unknown field with 1e400", event("x", "1e400"), .malformedJSON),
        Case("unknown field with bad literal", event("x", "tru"), .malformedJSON),
        Case("10 MB id", event("id", "\"" + String(repeating: "a", count: 10_000_000) + "\""), .invalidEvent),
        Case("invalid UTF-8 in content", bytes: Array("{\"content\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8), .malformedJSON),
        Case("overlong UTF-8", bytes: Array("{\"content\":\"".utf8) + [0xC0, 0xAF] + Array("\"}".utf8), .malformedJSON),
        Case("UTF-8 surrogate", bytes: Array("{\"content\":\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"}".utf8), .malformedJSON),
        Case("UTF-8 past U+10FFFF", bytes: Array("{\"content\":\"".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("\"}".utf8), .malformedJSON),
        Case("truncated UTF-8", bytes: Array("{\"content\":\"".utf8) + [0xE6, 0x97] + Array("\"}".utf8), .malformedJSON),
        Case("invalid UTF-8 outside strings", bytes: [0xFF, 0xFE], .invalidEvent),
    ]

    @Test(arguments: eventCases)
    func junkEventIsAnErrorValue(_ c: Case) {
        let error = #expect(throws: NostrError.self) { try Event(json: c.bytes) }
        #expect(error?.code == c.code, "\(c.name): \(String(describing: error))")
    }

    @Test func rejectionsNameTheField() throws {
        let cases: [(String, String)] = [
            (Self.event("sig", "\"zz\""), "sig"), (Self.event("kind", "70000"), "kind"),
            (Self.event("created_at", "1.5"), "created_at"), (Self.event("tags", "[[\"e\",2]]"), "tags[0][1]"),
            (Self.event("pubkey", nil), "pubkey"), (Self.event("content", "{}"), "content"),
        ]
        for (json, field) in cases {
            let error = #expect(throws: NostrError.self) { try Event(json: json) }
            #expect(error?.field == field, "\(json.prefix(60))")
        }
    }

    @Test func unknownFieldsAreIgnoredAndTenMegabyteContentParses() throws {
        let big = String(repeating: "x", count: 10_000_000)
        let event = try Event(json: Self.event("content", "\"\(big)\"").dropLast() + ",\"extra\":{\"a\":[1,2.5,null,true]}}")
        #expect(event.content.utf8.count == 10_000_000)
        #expect(event.kind == 1)
    }

    static let filterCases: [Case] = [
        Case("not an object", "[]", .invalidFilter),
        Case("unknown field", "{\"foo\":1}", .invalidFilter),
        Case("multi-letter tag", "{\"#ee\":[\"a\"]}", .invalidFilter),
        Case("non-letter tag", "{\"#1\":[\"a\"]}", .invalidFilter),
        Case("ids not array", "{\"ids\":\"abc\"}", .invalidFilter),
        Case("ids prefix", "{\"ids\":[\"abcd\"]}", .invalidFilter),
        Case("authors uppercase", "{\"authors\":[\"\(pubkey.uppercased())\"]}", .invalidFilter),
        Case("kinds string", "{\"kinds\":[\"1\"]}", .invalidFilter),
        Case("kinds too big", "{\"kinds\":[70000]}", .invalidFilter),
        Case("since negative", "{\"since\":-1}", .invalidFilter),
        Case("since float", "{\"since\":1.5}", .invalidFilter),
        Case("until 1e400", "{\"until\":1e400}", .invalidFilter),
        Case("until -0", "{\"until\":-0}", .invalidFilter),
        Case("limit negative", "{\"limit\":-1}", .invalidFilter),
        Case("limit huge", "{\"limit\":10000000000}", .invalidFilter),
        Case("tag value number", "{\"#e\":[1]}", .invalidFilter),
        Case("duplicate key", "{\"kinds\":[1],\"kinds\":[2]}", .invalidFilter),
        Case("too many ids", "{\"kinds\":[" + (0..<10_001).map { _ in "1" }.joined(separator: ",") + "]}", .invalidFilter),
        Case("10 MB search", "{\"search\":\"" + String(repeating: "s", count: 10_000_000) + "\"}", .invalidFilter),
        Case("10 MB tag value", "{\"#t\":[\"" + String(repeating: "t", count: 10_000_000) + "\"]}", .invalidFilter),
        Case("tag value too long", "{\"#t\":[\"" + String(repeating: "a", count: 5000) + "\"]}", .invalidFilter),
        Case("truncated", "{\"kinds\":[1,", .malformedJSON),
        Case("deep nesting", "{\"search\":" + String(repeating: "[", count: 50_000) + "}", .invalidFilter),
        Case("invalid UTF-8", bytes: Array("{\"search\":\"".utf8) + [0xFF] + Array("\"}".utf8), .malformedJSON),
    ]

    @Test(arguments: filterCases)
    func junkFilterIsAnErrorValue(_ c: Case) {
        let error = #expect(throws: NostrError.self) { try Filter(json: c.bytes) }
        #expect(error?.code == c.code, "\(c.name): \(String(describing: error))")
    }

    static let messageCases: [Case] = [
        Case("empty", "", .invalidMessage),
        Case("object", "{}", .invalidMessage),
        Case("empty array", "[]", .invalidMessage),
        Case("type not string", "[1]", .invalidMessage),
        Case("unknown type", "[\"HELLO\"]", .invalidMessage),
        Case("EVENT without event", "[\"EVENT\",\"sub\"]", .invalidMessage),
        Case("EVENT sub not string", "[\"EVENT\",1,{}]", .invalidMessage),
        Case("EVENT with bad event", "[\"EVENT\",\"s\",{\"id\":1}]", .invalidEvent),
        Case("EVENT with extra element", "[\"EVENT\",\"s\",\(event("kind", "1")),1]", .invalidMessage),
        Case("OK bad id", "[\"OK\",\"xyz\",true,\"\"]", .invalidMessage),
        Case("OK flag string", "[\"OK\",\"\(id)\",\"true\",\"\"]", .invalidMessage),
        Case("EOSE missing sub", "[\"EOSE\"]", .invalidMessage),
        Case("NOTICE number", "[\"NOTICE\",5]", .invalidMessage),
        Case("AUTH missing challenge", "[\"AUTH\"]", .invalidMessage),
        Case("COUNT not object", "[\"COUNT\",\"s\",5]", .invalidMessage),
        Case("COUNT negative", "[\"COUNT\",\"s\",{\"count\":-1}]", .invalidMessage),
        Case("COUNT float", "[\"COUNT\",\"s\",{\"count\":1.5}]", .invalidMessage),
        Case("COUNT -0", "[\"COUNT\",\"s\",{\"count\":-0}]", .invalidMessage),
        Case("OK with -0 flag", "[\"OK\",\"\(id)\",-0,\"\"]", .invalidMessage),
        Case("COUNT 1e400", "[\"COUNT\",\"s\",{\"count\":1e400}]", .malformedJSON),
        Case("COUNT duplicate keys", "[\"COUNT\",\"s\",{\"count\":1,\"count\":2}]", .malformedJSON),
        Case("deeply nested", String(repeating: "[", count: 1_000_000), .invalidMessage),
        Case("deeply nested after type", "[\"COUNT\",\"s\"," + String(repeating: "{\"a\":", count: 100_000), .malformedJSON),
        Case("10 MB notice unterminated", "[\"NOTICE\",\"" + String(repeating: "n", count: 10_000_000), .malformedJSON),
        Case("missing close", "[\"EOSE\",\"s\"", .invalidMessage),
        Case("trailing junk", "[\"EOSE\",\"s\"]]", .malformedJSON),
        Case("invalid UTF-8", bytes: Array("[\"NOTICE\",\"".utf8) + [0xC3] + Array("\"]".utf8), .malformedJSON),
        Case("NUL byte outside string", bytes: [0x5B, 0x00, 0x5D], .invalidMessage),
    ]

    @Test(arguments: messageCases)
    func junkRelayMessageIsAnErrorValue(_ c: Case) {
        let error = #expect(throws: NostrError.self) { try RelayMessage(json: c.bytes) }
        #expect(error?.code == c.code, "\(c.name): \(String(describing: error))")
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array("[]{}\",:\\0123456789.eE-+truefalsn \"EVENTOKEOSE".utf8) + [0x00, 0xC3, 0xFF, 0x0A]
        var errors = 0
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 64)
            let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if (try? RelayMessage(json: bytes)) == nil { errors += 1 }
            _ = try? Event(json: bytes)
            _ = try? JSONValue(parsing: bytes)
        }
        #expect(errors > 19_000)  // random bytes are almost never a valid message
    }
}
