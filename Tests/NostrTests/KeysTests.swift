import Testing

@testable import Nostr

struct KeysTests {
    // The examples in NIP-19.
    @Test func nip19Examples() throws {
        let npub = "npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg"
        let pub = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e"
        #expect(try PublicKey(npub: npub).hex == pub)
        #expect(PublicKey(hex: pub)?.npub == npub)
        let nsec = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
        let sec = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
        #expect(try SecretKey(nsec: nsec).hex == sec)
        #expect(try SecretKey(hex: sec).nsec == nsec)
    }

    @Test func generatedKeysRoundTrip() throws {
        for _ in 0..<20 {
            let key = SecretKey.generate()
            #expect(try SecretKey(nsec: key.nsec) == key)
            #expect(try PublicKey(npub: key.publicKey.npub) == key.publicKey)
            #expect(key.publicKey.isValidPoint)
            #expect(!key.description.contains(key.hex))  // never printed
        }
    }

    @Test func noteEncodesEventIDs() throws {
        let id = try #require(EventID(hex: String(repeating: "ab", count: 32)))
        guard case .note(let back) = try NIP19.decode(id.note) else { Issue.record("not a note"); return }
        #expect(back == id)
    }

    @Test func rejectsBadBech32() throws {
        let npub = "npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg"
        var flipped = Array(npub)
        flipped[10] = flipped[10] == "q" ? "p" : "q"
        let cases: [String] = [
            String(flipped),  // checksum
            String(npub.uppercased().prefix(20) + npub.dropFirst(20)),  // mixed case
            "npub1",  // no data
            "nsec1" + String(npub.dropFirst(5)),  // checksum covers the prefix
            "npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptb",
            "lnbc1qqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqs",
            "npub1 0elfcs",
            "",
        ]
        for text in cases {
            #expect(throws: NostrError.self, "\(text)") { try NIP19.decode(text) }
        }
        // Uppercase is valid bech32.
        #expect(try PublicKey(npub: npub.uppercased()).npub == npub)
    }

    @Test func rejectsInvalidSecretKeys() {
        #expect(throws: NostrError.self) { try SecretKey(hex: String(repeating: "0", count: 64)) }
        // The group order n is not a valid scalar.
        #expect(throws: NostrError.self) { try SecretKey(hex: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141") }
        #expect(throws: NostrError.self) { try SecretKey(hex: "abc") }
        #expect(throws: NostrError.self) { try SecretKey(bytes: [1, 2, 3]) }
    }

    @Test func offCurvePublicKeysAreNotValidPoints() throws {
        // From BIP-340 vector 5: not the x coordinate of any point.
        let key = try #require(PublicKey(hex: "eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34"))
        #expect(!key.isValidPoint)
        #expect(throws: NostrError.self) { try PublicKey(npub: key.npub) }
    }
}
