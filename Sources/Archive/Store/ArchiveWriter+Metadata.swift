import Foundation
import GRDB
public import Nostr

/// One check result to record: a relay's metadata document of one type, made at a time,
/// with what that check alone measured (round-trip times), which stays out of the
/// document so that identical results share it.
public struct RelayMetadataSnapshot: Sendable {
    public var relay: RelayURL
    public var metadata: Metadata
    /// When the check ran, Unix seconds.
    public var generatedAt: Int64
    /// Empty: none.
    public var values: [String: JSONValue]

    public init(relay: RelayURL, metadata: Metadata, generatedAt: Int64, values: [String: JSONValue] = [:]) {
        self.relay = relay
        self.metadata = metadata
        self.generatedAt = generatedAt
        self.values = values
    }
}

/// What recording some snapshots wrote.
public struct MetadataWriteResult: Sendable, Equatable {
    /// Documents the archive did not hold before.
    public var newDocuments: Int
    /// Snapshot rows written.
    public var snapshots: Int
}

extension ArchiveWriter {
    /// Records check results, durably like every fact: each document once, by content
    /// (a document the archive holds already, from any relay or any earlier check, is not
    /// written again), and one snapshot per result. A relay not known yet gets its relay
    /// record first. `relayUpdates` (the time a relay was checked, what was learned of
    /// it) commit in the same transaction.
    public func recordMetadata(_ snapshots: [RelayMetadataSnapshot], relayUpdates: [RelayStateUpdate] = []) throws -> MetadataWriteResult {
        try guarded {
            var records: [EncodedRecord] = []
            var result = MetadataWriteResult(newDocuments: 0, snapshots: 0)
            try pool.read { db in
                let index = IndexWriter(db: db, caches: caches)
                var relays = Set<String>()
                var documents = Set<String>()
                let known = try db.cachedStatement(sql: "SELECT 1 FROM metadata WHERE hash = ? AND type = ?")
                for snapshot in snapshots {
                    let relay = snapshot.relay
                    if relays.insert(relay.url).inserted, try index.relayID(relay.url) == nil {
                        records.append(try EncodedRecord(.relay(url: relay.url, network: relay.network, discoveredAt: snapshot.generatedAt)))
                    }
                    let metadata = snapshot.metadata
                    if documents.insert("\(metadata.type)/\(metadata.hash)").inserted,
                        try Bool.fetchOne(known, arguments: [Data(metadata.hash.bytes), metadata.type.name]) == nil
                    {
                        records.append(try EncodedRecord(.metadata(metadata)))
                        result.newDocuments += 1
                    }
                }
                for snapshot in snapshots {
                    // Canonical, as documents are: the same values are the same bytes.
                    let values = snapshot.values.isEmpty ? nil : try Metadata(type: snapshot.metadata.type, document: snapshot.values).canonicalJSON
                    records.append(
                        try EncodedRecord(
                            .relayMetadata(relay: snapshot.relay.url, type: snapshot.metadata.type.name, hash: snapshot.metadata.hash,
                                generatedAt: snapshot.generatedAt, values: values)))
                    result.snapshots += 1
                }
            }
            guard !records.isEmpty || !relayUpdates.isEmpty else { return result }
            try persist(records, relayUpdates: relayUpdates)
            return result
        }
    }
}
