import Foundation
import GRDB
public import Nostr

extension Archive {
    /// What `relay` was seen to hold between `since` and `until` (inclusive), as a NIP-77
    /// set: each event's time and id, from the index alone (no segment is read).
    public func negentropyItems(relay: String, since: Int64, until: Int64) throws -> [NegentropyItem] {
        try Archive.wrap {
            try pool.read { db in
                guard let relayID = try Int64.fetchOne(db, sql: "SELECT id FROM relay WHERE url = ?", arguments: [relay]) else { return [] }
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT e.created_at, e.id FROM event_relay er JOIN event e ON e.rowid = er.event
                        WHERE er.relay = ? AND e.created_at BETWEEN ? AND ?
                        """, arguments: [relayID, since, until])
                var items: [NegentropyItem] = []
                while let row = try rows.next() {
                    let id: Data = row[1]
                    guard let eventID = EventID(bytes: [UInt8](id)) else { continue }
                    items.append(NegentropyItem(timestamp: UInt64(max(0, row[0] as Int64)), id: eventID))
                }
                return items
            }
        }
    }
}

extension ArchiveWriter {
    /// Records that `relay` holds the archived events among `ids` (an observation each,
    /// where there is none yet) and returns the ids the archive does not hold, in order.
    public func observe(_ ids: [EventID], relay: RelayURL, seenAt: Int64) throws -> [EventID] {
        try guarded {
            var unknown: [EventID] = []
            var records: [EncodedRecord] = []
            var rows: [EventID: Int64] = [:]
            try pool.read { db in
                let index = IndexWriter(db: db, caches: caches)
                rows = try KeyRuns.eventRows(db, ids: Set(ids), filters: filters)
                let relayID = try index.relayID(relay.url)
                if relayID == nil, rows.count > 0 {
                    records.append(try EncodedRecord(.relay(url: relay.url, network: relay.network, discoveredAt: seenAt)))
                }
                var seen = Set<EventID>()
                for id in ids where seen.insert(id).inserted {
                    guard let row = rows[id] else {
                        unknown.append(id)
                        continue
                    }
                    if let relayID, try index.hasObservation(event: row, relay: relayID) { continue }
                    records.append(try EncodedRecord(.observation(eventID: id, relay: relay.url, seenAt: seenAt)))
                }
            }
            if !records.isEmpty { try persist(records, knownRows: rows) }
            return unknown
        }
    }
}
