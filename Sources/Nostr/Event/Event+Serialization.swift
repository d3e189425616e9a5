extension Event {
    /// The bytes whose SHA-256 is the event id, by NIP-01's rules:
    /// `[0,<pubkey>,<created_at>,<kind>,<tags>,<content>]`, no whitespace, with only
    /// `\n \" \\ \r \t \b \f` escaped and every other character verbatim.
    public var canonicalSerialization: [UInt8] { serialization(style: .nip01) }

    /// The serialization most libraries hash instead (nostr-tools' `JSON.stringify`,
    /// rust-nostr's serde_json): identical to ``canonicalSerialization`` except that the
    /// control characters NIP-01 does not list are written as `\u00xx`. The two differ
    /// only for events that contain such a character; see docs/event-ids.md.
    public var jsonStringifySerialization: [UInt8] { serialization(style: .standard) }

    func serialization(style: JSONWriter.Style) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.utf8.count + 160 + tags.count * 80)
        appendSerialization(to: &out, style: style)
        return out
    }

    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var v = value.magnitude
        var buffer = [UInt8](repeating: 0, count: 20)
        var i = 20
        while v > 0 {
            i -= 1
            buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: buffer[i...])
    }

    /// The event as a NIP-01 JSON object, as sent on the wire.
    public var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// The event as a NIP-01 JSON object, in UTF-8.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.utf8.count + 400 + tags.count * 80)
        appendJSON(to: &out)
        return out
    }

    func appendJSON(to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":\"".utf8)
        id.withUnsafeBytes { Hex.append($0, to: &out) }
        out.append(contentsOf: "\",\"pubkey\":\"".utf8)
        pubkey.withUnsafeBytes { Hex.append($0, to: &out) }
        out.append(contentsOf: "\",\"created_at\":".utf8)
        Event.appendDecimal(createdAt, to: &out)
        out.append(contentsOf: ",\"kind\":".utf8)
        Event.appendDecimal(Int64(kind), to: &out)
        out.append(contentsOf: ",\"tags\":".utf8)
        appendTagsAndContent(separator: ",\"content\":", to: &out, style: .standard)
        out.append(contentsOf: ",\"sig\":\"".utf8)
        sig.withUnsafeBytes { Hex.append($0, to: &out) }
        out.append(contentsOf: "\"}".utf8)
    }
}
