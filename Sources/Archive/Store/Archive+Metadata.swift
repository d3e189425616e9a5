import Foundation
import GRDB
public import Nostr

/// One snapshot of a relay's metadata, with its document.
public struct RelayMetadataRecord: Sendable, Hashable {
    public var type: String
    public var generatedAt: Int64
    public var hash: ContentHash
    /// The document's canonical JSON.
    public var json: String
    /// What the check alone measured, as canonical JSON; nil: nothing.
    public var values: String?
}

extension Archive {
    /// Every metadata snapshot of `relay`, oldest first (by time, then type).
    public func metadataSnapshots(relay: String) throws -> [RelayMetadataRecord] {
        try Archive.wrap {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT rm.type, rm.generated_at, rm.hash, rm.data AS "values", m.data FROM relay_metadata rm
                        JOIN relay r ON r.id = rm.relay JOIN metadata m ON m.hash = rm.hash AND m.type = rm.type
                        WHERE r.url = ? ORDER BY rm.generated_at, rm.type
                        """, arguments: [relay]
                ).compactMap { row in
                    let hash: Data = row["hash"]
                    guard let address = ContentHash(bytes: [UInt8](hash)) else { return nil }
                    return RelayMetadataRecord(type: row["type"], generatedAt: row["generated_at"], hash: address, json: row["data"], values: row["values"])
                }
            }
        }
    }

    /// How many snapshot rows the archive holds (the documents are ``ArchiveStats/metadata``).
    public func metadataSnapshotCount() throws -> Int {
        try Archive.wrap { try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM relay_metadata") ?? 0 } }
    }
}
