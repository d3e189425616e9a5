import Testing

@testable import Nostr

/// Canonical JSON and content addresses, byte for byte as BigBrotr computes them
/// (fixtures from Python's json.dumps; tools/fixtures/make_metadata_fixtures.py).
struct MetadataTests {
    static let cases: [[String: JSONValue]] = (try? Fixtures.jsonLines("metadata-canonical.jsonl")) ?? []

    @Test func fixturesAreLoaded() { #expect(Self.cases.count >= 10) }

    @Test(arguments: cases)
    func matchesPython(_ c: [String: JSONValue]) throws {
        let name = try c.string("name"), canonical = try c.string("canonical"), sha = try c.string("sha256")
        let metadata = try Metadata(type: .nip11Info, json: try c.string("input"))
        #expect(metadata.canonicalJSON == canonical, "\(name)")
        #expect(metadata.hash.hex == sha, "\(name)")
    }

    @Test func equalDocumentsShareAHashWhateverTheirSpelling() throws {
        let a = try Metadata(type: .nip66RTT, json: "{\"rtt_open\": 120, \"rtt_read\": 80, \"x\": null}")
        let b = try Metadata(type: .nip66RTT, json: "{\"rtt_read\":80,\"rtt_open\":120,\"y\":[]}")
        #expect(a.hash == b.hash)
        let c = try Metadata(type: .nip66RTT, json: "{\"rtt_read\":81,\"rtt_open\":120}")
        #expect(a.hash != c.hash)
    }

    @Test func rejectsWhatBigBrotrRejects() {
        #expect(throws: NostrError.self) { try Metadata(type: .nip11Info, json: "{\"name\":\"a\\u0000b\"}") }
        #expect(throws: NostrError.self) { try Metadata(type: .nip11Info, json: "[1,2]") }
        #expect(throws: NostrError.self) { try Metadata(type: .nip11Info, json: "{\"a\":") }
        #expect(throws: NostrError.self) { try MetadataType("NIP11") }
        #expect(throws: NostrError.self) { try MetadataType("") }
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        let m = try Metadata(type: .nip11Info, json: "{\"name\":\"a\",\"name\":\"b\"}")
        #expect(m.canonicalJSON == "{\"name\":\"b\"}")
    }

    @Test func pythonFloatFormatting() {
        let cases: [(String, String)] = [
            ("1.0", "1.0"), ("-0.0", "-0.0"), ("0.5", "0.5"), ("1e16", "1e+16"), ("1e15", "1000000000000000.0"),
            ("1e-4", "0.0001"), ("1e-5", "1e-05"), ("123.456e5", "12345600.0"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("5e-324", "5e-324"), ("0.1", "0.1"), ("2.5E-10", "2.5e-10"), ("-12.5", "-12.5"), ("-0", "0"), ("007", "007"),
        ]
        for (literal, expected) in cases {
            #expect(PythonNumberFormat.format(JSONNumber(validatedLiteral: literal)) == expected, "\(literal)")
        }
    }
}
