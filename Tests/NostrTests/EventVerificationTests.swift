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
