import BrotrTestSupport
import Foundation
import Nostr
import Testing

@testable import Archive

/// The binary record format: every record kind round-trips exactly, 64-hex tag values take
/// the compact form only when they are exactly 64 lowercase hex digits, and damaged input
/// is an error, never a crash.
struct RecordCodecTests {
    static let key = SecretKey.generate()

    static func encode(_ record: Record) -> [UInt8] {
        var bytes: [UInt8] = []
        RecordCodec.append(record, to: &bytes)
        return bytes
    }

    /// Decodes one record and requires it to use all of `bytes`.
    static func decode(_ bytes: [UInt8]) throws -> Record {
        try bytes.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            let record = try RecordCodec.read(&reader)
            guard reader.isAtEnd else { throw FixtureError("\(buffer.count - reader.index) bytes left after the record") }
            return record
        }
    }

    static func roundTrip(_ record: Record) throws -> Record { try decode(encode(record)) }

    /// Decodes records from `bytes` until the end or an error; returns the error, if any.
    static func decodeAll(_ bytes: [UInt8]) -> (any Error)? {
        bytes.withUnsafeBytes { buffer -> (any Error)? in
            var reader = ByteReader(buffer)
            while !reader.isAtEnd {
                do { _ = try RecordCodec.read(&reader) } catch { return error }
            }
            return nil
        }
    }

    static func event(tags: [[String]] = [], content: String = "hello", kind: UInt16 = 1, at time: Int64 = 1_700_000_000) throws -> Event {
        try Event.sign(kind: kind, tags: tags, content: content, createdAt: time, with: key)
    }

    static func metadata() throws -> Metadata {
        try Metadata(
            type: .nip11Info,
            json: #"{"name":"relay","supported_nips":[1,11,42],"limitation":{"auth_required":false,"max_limit":500},"description":"ça ⚡"}"#)
    }

    static func allKinds() throws -> [Record] {
        let e = try event(tags: [["e", String(repeating: "ab", count: 32), "ws://127.0.0.1:17000"], ["t", "nostr"]])
        var records: [Record] = [
            .event(e),
            .event(try event(tags: [], content: "", kind: 0, at: 0)),
            .event(try event(tags: [[], [""], ["x", "", "y"]], content: "🤙\n\t\"\\", kind: 65535, at: Int64.max)),
            .observation(eventID: e.id, relay: "ws://127.0.0.1:17000", seenAt: 1_700_000_123),
            .observation(eventID: e.id, relay: "wss://relay.example.com/path", seenAt: 0),
            .observation(eventID: e.id, relay: "", seenAt: Int64.max),
            .metadata(try metadata()),
            .metadata(try Metadata(type: MetadataType("nip66_rtt"), json: "{}")),
            .relayMetadata(relay: "wss://relay.example.com", type: "nip11_info", hash: try metadata().hash, generatedAt: 1_700_000_000),
            .relayMetadata(relay: "", type: "", hash: try #require(ContentHash(bytes: [UInt8](repeating: 0, count: 32))), generatedAt: 0),
            .relayMetadata(relay: "wss://relay.example.com", type: "nip66_rtt", hash: try metadata().hash, generatedAt: 1, values: #"{"rtt_open":12}"#),
            .relayMetadata(relay: "wss://relay.example.com", type: "nip66_rtt", hash: try metadata().hash, generatedAt: 2, values: ""),
        ]
        for (i, network) in RelayNetwork.allCases.enumerated() {
            records.append(.relay(url: "wss://relay\(i).example.com", network: network, discoveredAt: Int64(1_700_000_000 + i)))
        }
        return records
    }

    @Test func everyRecordKindRoundTrips() throws {
        let records = try Self.allKinds()
        #expect(Set(records.map(\.kind)) == [.event, .observation, .relay, .metadata, .relayMetadata, .relayMetadataValues])
        for record in records {
            #expect(try Self.roundTrip(record) == record, "\(record)")
        }
        // Records concatenated read back in order.
        var stream: [UInt8] = []
        for record in records { RecordCodec.append(record, to: &stream) }
        var decoded: [Record] = []
        try stream.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            while !reader.isAtEnd { decoded.append(try RecordCodec.read(&reader)) }
        }
        #expect(decoded == records)
    }

    @Test func metadataRecordKeepsItsHashAndCanonicalText() throws {
        let m = try Self.metadata()
        guard case .metadata(let back) = try Self.roundTrip(.metadata(m)) else {
            Issue.record("not a metadata record")
            return
        }
        #expect(back.hash == m.hash)
        #expect(back.canonicalJSON == m.canonicalJSON)
        #expect(back.type == m.type)
    }

    @Test func lowercaseHex64TagValuesTakeTheCompactFormAndRoundTrip() throws {
        let hex = (0..<32).map { String(format: "%02x", ($0 * 37 + 11) & 0xFF) }.joined()
        #expect(hex.count == 64)
        let e = try Self.event(tags: [["p", hex], ["e", hex, hex, "reply"], ["x", String(repeating: "0", count: 64)], ["y", String(repeating: "f", count: 64)]])
        let bytes = Self.encode(.event(e))
        #expect(try Self.decode(bytes) == .event(e))
        // Stored as 32 raw bytes, so the hex text itself is not in the record.
        #expect(!contains(bytes, Array(hex.utf8)))
        // Each of the five values takes a 1-byte header and 32 bytes; a one-letter value
        // takes a 1-byte header and 1 byte.
        let plain = try Self.event(tags: [["p", "z"], ["e", "z", "z", "reply"], ["x", "z"], ["y", "z"]])
        #expect(bytes.count == Self.encode(.event(plain)).count + 5 * 31)
    }

    @Test(arguments: [
        String(repeating: "AB", count: 32),  // uppercase
        "aB" + String(repeating: "ab", count: 31),  // one uppercase digit
        String(repeating: "a", count: 63),  // one short
        String(repeating: "a", count: 65),  // one long
        String(repeating: "g", count: 64),  // not hex
        String(repeating: "a", count: 62) + "é",  // 64 bytes, not 64 characters of hex
        " " + String(repeating: "a", count: 63),
        "0x" + String(repeating: "a", count: 62),
        String(repeating: "a", count: 128),
        "",
    ])
    func otherTagValuesStayTextAndRoundTripExactly(_ value: String) throws {
        let e = try Self.event(tags: [["p", value], ["e", value, value]])
        let bytes = Self.encode(.event(e))
        let back = try Self.decode(bytes)
        #expect(back == .event(e))
        guard case .event(let decoded) = back else { return }
        #expect(decoded.tags == [["p", value], ["e", value, value]])
        if !value.isEmpty { #expect(contains(bytes, Array(value.utf8)), "stored as text") }
        // The decoded event is still the signed one.
        try decoded.verify()
    }

    /// An event record is the same bytes whether it is encoded from the event or from its
    /// packed form (as `brotr import` encodes it), with the same index entry.
    @Test func packedEventsEncodeToTheSameRecord() throws {
        var generator = CorpusGenerator(seed: 7)
        var events = (0..<300).map { _ in generator.next() }
        events.append(try Self.event(tags: [["p", String(repeating: "AB", count: 32)], [], ["e", "", "\u{07}"]]))
        for e in events {
            let packed = try PackedEvent(json: e.jsonBytes)
            let fromEvent = try EncodedRecord(.event(e)), fromPacked = try EncodedRecord(event: packed)
            #expect(fromPacked.bytes == fromEvent.bytes, "\(e.id.hex)")
            #expect(fromPacked.bytes == Self.encode(.event(e)))
            guard case .event(let a) = fromEvent.item, case .event(let b) = fromPacked.item else {
                Issue.record("not an event entry")
                continue
            }
            #expect(a.tags.map { [Int64($0.letter), $0.key] } == b.tags.map { [Int64($0.letter), $0.key] })
        }
    }

    @Test func corpusEventsRoundTrip() throws {
        var generator = CorpusGenerator(seed: 99)
        var kinds = Set<UInt16>()
        for _ in 0..<300 {
            let e = generator.next()
            kinds.insert(e.kind)
            let back = try Self.roundTrip(.event(e))
            #expect(back == .event(e), "\(e.id.hex)")
        }
        #expect(kinds.isSuperset(of: [0, 1, 3, 7, 10002, 30023]))
    }

    @Test func everyTruncationOfAnEventRecordIsCorrupt() throws {
        let e = try Self.event(
            tags: [["e", String(repeating: "cd", count: 32), "ws://127.0.0.1:17001", "reply"], ["t", "nostr"], ["p", String(repeating: "AB", count: 32)]],
            content: "a note with ⚡ and some text that is long enough to need a two-byte varint length: " + String(repeating: "x", count: 140))
        let bytes = Self.encode(.event(e))
        for length in 0..<bytes.count {
            let error = #expect(throws: ArchiveError.self, "cut at \(length) of \(bytes.count)") {
                _ = try Self.decode(Array(bytes.prefix(length)))
            }
            #expect(error?.code == .corrupt, "cut at \(length)")
        }
    }

    @Test func everyTruncationOfEachRecordBodyIsCorrupt() throws {
        // The length prefix is rewritten to fit the cut body, so the body decoder itself
        // meets the end of its input at every possible place.
        for record in try Self.allKinds() {
            let bytes = Self.encode(record)
            let body: [UInt8] = try bytes.withUnsafeBytes { buffer in
                var reader = ByteReader(buffer, at: 1)
                let length = try reader.varint()
                return Array(bytes[reader.index..<reader.index + Int(length)])
            }
            for cut in 0..<body.count {
                var damaged: [UInt8] = [bytes[0]]
                Varint.append(UInt64(cut), to: &damaged)
                damaged += body.prefix(cut)
                let error = #expect(throws: ArchiveError.self, "\(record.kind) cut at \(cut)") { _ = try Self.decode(damaged) }
                #expect(error?.code == .corrupt)
            }
            // One byte too many is caught too.
            var longer: [UInt8] = [bytes[0]]
            Varint.append(UInt64(body.count + 1), to: &longer)
            longer += body + [0]
            #expect(throws: ArchiveError.self, "\(record.kind) with a trailing byte") { _ = try Self.decode(longer) }
        }
    }

    @Test func unknownRecordTypeIsCorrupt() throws {
        for type: UInt8 in [0, 6, 0x7F, 0xFF] {
            let error = #expect(throws: ArchiveError.self) { _ = try Self.decode([type, 2, 0, 0]) }
            #expect(error?.code == .corrupt)
        }
    }

    @Test func garbageNeverCrashesTheDecoder() throws {
        var rng = SplitMix64(seed: 2024)
        let e = Self.encode(.event(try Self.event(tags: [["p", String(repeating: "ab", count: 32)], ["t", "x"]])))
        for round in 0..<3000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                // Pure noise.
                bytes = randomBytes(Int(rng.next() % 300), seed: rng.next())
            case 1:
                // A valid type and length prefix over a noisy body, so each body decoder runs.
                let body = randomBytes(Int(rng.next() % 400), seed: rng.next())
                bytes = [UInt8(1 + rng.next() % 5)]
                Varint.append(UInt64(body.count), to: &bytes)
                bytes += body
            default:
                // A real record with a few bytes changed.
                bytes = e
                for _ in 0..<(1 + rng.next() % 4) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            if let error = Self.decodeAll(bytes) {
                let archiveError = error as? ArchiveError
                #expect(archiveError != nil, "round \(round): \(error)")
                #expect(archiveError?.code == .corrupt, "round \(round): \(error)")
            }
        }
    }

    @Test func hugeDeclaredLengthsAreCorruptWithoutAllocating() throws {
        // A varint length far beyond the input, and a ten-byte varint.
        var bytes: [UInt8] = [1]
        Varint.append(UInt64.max, to: &bytes)
        #expect(throws: ArchiveError.self) { _ = try Self.decode(bytes) }
        #expect(throws: ArchiveError.self) { _ = try Self.decode([1] + [UInt8](repeating: 0xFF, count: 12)) }
        // An event body claiming 2^40 tags.
        var body = [UInt8](repeating: 7, count: 128)
        Varint.append(1, to: &body)  // created_at
        Varint.append(1, to: &body)  // kind
        Varint.append(1 << 40, to: &body)  // tag count
        var record: [UInt8] = [1]
        Varint.append(UInt64(body.count), to: &record)
        #expect(throws: ArchiveError.self) { _ = try Self.decode(record + body) }
    }
}

/// Whether `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
    }
    return false
}
