import BrotrTestSupport
import Foundation
import Nostr
import Testing

@testable import Archive

/// Check results in the archive: each document stored once by content, a snapshot per
/// result, the relay's check time beside them, and all of it rebuilt by a reindex.
struct MetadataWriteTests {
    static func snapshot(_ relay: RelayURL, _ metadata: Metadata, at time: Int64) -> RelayMetadataSnapshot {
        RelayMetadataSnapshot(relay: relay, metadata: metadata, generatedAt: time)
    }

    @Test func documentsAreStoredOnceAndSnapshotsEveryTime() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let a = try RelayURL("wss://relay.example.com"), b = try RelayURL("wss://other.example.org")
        let info = try Metadata(type: .nip11Info, json: #"{"data":{"name":"Relé"},"logs":{"success":true}}"#)
        let rtt = try Metadata(type: .nip66RTT, json: #"{"data":{"rtt_open":12},"logs":{"open_success":true}}"#)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            let writer = try #require(archive.writer)
            let first = try await writer.recordMetadata(
                [Self.snapshot(a, info, at: 100), Self.snapshot(b, info, at: 100), Self.snapshot(a, rtt, at: 100)],
                relayUpdates: [.checked(relay: a.url, at: 100, nip77: true, failures: 0)])
            #expect(first == MetadataWriteResult(newDocuments: 2, snapshots: 3))
            // Unchanged results an hour later: snapshots, no documents.
            let second = try await writer.recordMetadata(
                [Self.snapshot(a, info, at: 3700), Self.snapshot(b, info, at: 3700)], relayUpdates: [.checked(relay: a.url, at: 3700, nip77: nil, failures: 2)])
            #expect(second == MetadataWriteResult(newDocuments: 0, snapshots: 2))
            let stats = try archive.stats()
            #expect(stats.metadata == 2 && stats.relays == 2)
            #expect(try archive.metadataSnapshotCount() == 5)
            let snapshots = try archive.metadataSnapshots(relay: a.url)
            #expect(snapshots.map { "\($0.type)@\($0.generatedAt)" } == ["nip11_info@100", "nip66_rtt@100", "nip11_info@3700"])
            #expect(snapshots[0].json == info.canonicalJSON && snapshots[0].hash == info.hash)
            // Timings live beside the snapshot: two checks with different timings share the document.
            let thirdRecord = try await writer.recordMetadata([
                RelayMetadataSnapshot(relay: b, metadata: rtt, generatedAt: 100, values: ["rtt_open": .number(JSONNumber(12))]),
                RelayMetadataSnapshot(relay: b, metadata: rtt, generatedAt: 200, values: ["rtt_open": .number(JSONNumber(48)), "rtt_read": .number(JSONNumber(7))]),
            ])
            #expect(thirdRecord == MetadataWriteResult(newDocuments: 0, snapshots: 2))
            #expect(try archive.metadataSnapshots(relay: b.url).filter { $0.type == "nip66_rtt" }.map(\.values) == [#"{"rtt_open":12}"#, #"{"rtt_open":48,"rtt_read":7}"#])
            #expect(try archive.metadataSnapshots(relay: a.url).allSatisfy { $0.values == nil })
            // The check time and failure count move; what was learned of NIP-77 stays when not probed again.
            let state = try #require(try archive.relayStates()[a.url])
            #expect(state.checkedAt == 3700 && state.nip77 == true && state.checkFailures == 2)
        }
        let before = try await withArchive(tmp.data, mode: .readOnly) { (archive: Archive) async throws in
            try [a, b].map { try archive.metadataSnapshots(relay: $0.url) }
        }
        _ = try Archive.reindex(tmp.data)
        try await withArchive(tmp.data, mode: .readOnly) { (archive: Archive) async throws in
            #expect(try [a, b].map { try archive.metadataSnapshots(relay: $0.url) } == before)
            #expect(try archive.stats().metadata == 2)
            #expect(try archive.relayStates()[a.url].map { [$0.checkedAt, Int64($0.checkFailures)] } == [3700, 2])
        }
    }
}
