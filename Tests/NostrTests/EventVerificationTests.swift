import Testing

@testable import Nostr

/// Ids and signatures against events made by an independent implementation
/// (rust-nostr's Python bindings and a literal NIP-01 serializer; tools/fixtures/).
struct EventVerificationTests {
    static let reference: [[String: JSONValue]] = (try? Fixtures.jsonLines("reference-events.jsonl")) ?? []
    static let tampered: [[String: JSONValue]] = (try? Fixtures.jsonLines("tampered-events.jsonl")) ?? []

    @Test func fixturesAreLoaded() {
        #expect(Self.reference.count >= 100)
        #expect(Self.tampered.count >= 30)
    }

    @Test(arguments: reference)
    func referenceEventVerifies(_ line: [String: JSONValue]) throws {
        let name = try line.string("name")
        let event = try Event(json: try #require(line["event"]).jsonText)
        try event.verify()
        #expect(event.computedID == event.id || name.hasSuffix("-nostrsdk"), "\(name)")
        // The bytes hashed by the producer are exactly one of brotr's two serializations.
        let expected = try line.string("serialized_hex")
        if name.hasSuffix("-nostrsdk") {
            #expect(hexString(event.jsonStringifySerialization) == expected, "\(name)")
            #expect(event.hasAmbiguousControlCharacters, "\(name)")
        } else {
            #expect(hexString(event.canonicalSerialization) == expected, "\(name)")
        }
        // The wire form parses back to the same event.
        #expect(try Event(json: event.jsonText) == event)
    }

    @Test(arguments: tampered)
    func tamperedEventIsRejectedWithTheRightReason(_ line: [String: JSONValue]) throws {
        let name = try line.string("name")
        let event = try Event(json: try #require(line["event"]).jsonText)
        let expected = try line.string("expected")
        let error = #expect(throws: NostrError.self, "\(name)") { try event.verify() }
        #expect(error?.code.description == expected, "\(name): \(String(describing: error))")
    }

    /// The packed form of each reference event unpacks to the same event and verifies the
    /// same way, by either serialization; each tampered one fails for the same reason.
    @Test func packedEventsVerifyAsEventsDo() throws {
        for line in Self.reference {
            let name = try line.string("name")
            let text = try #require(line["event"]).jsonText
            let packed = try PackedEvent(json: Array(text.utf8))
            #expect(packed.event == (try Event(json: text)), "\(name)")
            #expect(packed.hasAmbiguousControlCharacters == packed.event.hasAmbiguousControlCharacters, "\(name)")
            #expect(throws: Never.self, "\(name)") { try packed.verify() }
        }
        for line in Self.tampered {
            let name = try line.string("name")
            let packed = try PackedEvent(json: Array(try #require(line["event"]).jsonText.utf8))
            let error = #expect(throws: NostrError.self, "\(name)") { try packed.verify() }
            #expect(error?.code.description == (try line.string("expected")), "\(name)")
        }
    }

    /// Fields in any order, content before tags included, unpack to the same event.
    @Test func packedEventsReadFieldsInAnyOrder() throws {
        let event = try Event.sign(
            kind: 1, tags: [["e", String(repeating: "ab", count: 32)], [], ["t", "x\"y", "\u{1F600}"]], content: "hé\n",
            createdAt: 5, with: SecretKey.generate())
        let fields: [(String, JSONValue)] = [
            ("content", .string(event.content)), ("sig", .string(event.sig.hex)), ("kind", .number(JSONNumber(Int64(event.kind)))),
            ("tags", .array(event.tags.map { .array($0.map(JSONValue.string)) })), ("pubkey", .string(event.pubkey.hex)),
            ("created_at", .number(JSONNumber(event.createdAt))), ("id", .string(event.id.hex)),
        ]
        for rotation in 0..<fields.count {
            let ordered = Array(fields[rotation...] + fields[..<rotation])
            var text = "{"
            for (i, (key, value)) in ordered.enumerated() {
                text += (i > 0 ? "," : "") + JSONValue.string(key).jsonText + ":" + value.jsonText
            }
            text += "}"
            let packed = try PackedEvent(json: Array(text.utf8))
            #expect(packed.event == event, "\(ordered.map(\.0))")
            try packed.verify()
        }
    }

    @Test func everyControlCharacterIsCovered() throws {
        // One reference event per control character, in both serializations where they differ.
        let names = Set(try Self.reference.map { try $0.string("name") })
        for c in 0..<0x20 {
            let hex = String(c, radix: 16)
            let label = "ctrl-0x" + (hex.count == 1 ? "0" + hex : hex)
            #expect(names.contains { $0.hasPrefix(label) }, "no fixture for \(label)")
        }
    }

    @Test func signingProducesVerifiableEventsWithTheCanonicalID() throws {
        let key = try SecretKey(hex: "0000000000000000000000000000000000000000000000000000000000000003")
        for line in Self.reference {
            let source = try Event(json: try #require(line["event"]).jsonText)
            let signed = try Event.sign(
                kind: source.kind, tags: source.tags, content: source.content, createdAt: source.createdAt, with: key)
            try signed.verify()
            #expect(signed.id == signed.computedID)
            #expect(signed.pubkey == key.publicKey)
        }
    }

    @Test func nip01AndJSONStringifyFormsDifferOnlyForAmbiguousControls() throws {
        let key = SecretKey.generate()
        let plain = try Event.sign(kind: 1, tags: [["t", "a\nb"]], content: "tab\tquote\"\u{2028}😀", createdAt: 1, with: key)
        #expect(plain.canonicalSerialization == plain.jsonStringifySerialization)
        let odd = try Event.sign(kind: 1, content: "bell\u{07}", createdAt: 1, with: key)
        #expect(odd.canonicalSerialization != odd.jsonStringifySerialization)
        #expect(odd.canonicalSerialization.contains(0x07))
        #expect(String(decoding: odd.jsonStringifySerialization, as: UTF8.self).contains("\\u0007"))
    }

    @Test func aSignatureByAnotherKeyIsABadSignature() throws {
        let a = SecretKey.generate(), b = SecretKey.generate()
        let event = try Event.sign(kind: 1, content: "x", createdAt: 10, with: a)
        let other = try Event.sign(kind: 1, content: "x", createdAt: 10, with: b)
        // a's id and content with b's signature
        let forged = try Event(
            id: event.id, pubkey: event.pubkey, createdAt: 10, kind: 1, tags: [], content: "x", sig: other.sig)
        let error = #expect(throws: NostrError.self) { try forged.verify() }
        #expect(error?.code == .badSignature)
    }
}
