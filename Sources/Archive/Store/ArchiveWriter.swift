import GRDB
import Logging
public import Nostr

/// The one writer of an archive: it owns the active segment and the index's write side,
/// and takes batches one at a time.
///
/// The write path: dedupe against the index, append the records as frames, fsync, then
/// one SQLite transaction with the index rows, the observations, the state updates and
/// the new watermark; only then does ``write(_:)`` return. The index may lag the segments
/// after a crash (recovery replays the difference), never lead them.
public actor ArchiveWriter {
    let pool: DatabasePool
    let segments: SegmentWriter
    let caches = IndexCaches()
    /// Set when a failed batch could not be rolled back: the segment holds frames the index
    /// does not, so writing on would bury them. Reopening the archive recovers.
    private var poisoned: ArchiveError?

    /// The id keys of every archived event (built at the first write, and again when the
    /// archive outgrows it): new ids skip the lookup in the key runs.
    private var idFilter: IDKeyFilter?

    /// The I/O failure of the last write, cleared by the next write that succeeds (a full
    /// disk, say). A batch refused for its content does not count.
    private var lastIOFailure: ArchiveError?

    /// False when the last write failed on I/O, or once a failed batch left the segment
    /// ahead of the index (writing then stops until the archive is reopened). Health
    /// checks report it.
    public var isWritable: Bool { poisoned == nil && lastIOFailure == nil }

    init(pool: DatabasePool, segments: SegmentWriter) {
        self.pool = pool
        self.segments = segments
    }

    /// Archives a batch durably.
    /// - Throws: ``ArchiveError`` if the segment or the index cannot be written; nothing
    ///   of the batch is acknowledged then, and retrying it is safe.
    public func write(_ batch: EventBatch) throws -> BatchResult {
        let result = try guarded { try writeUnwrapped(batch) }
        mergeKeyRuns()
        return result
    }

    /// Merges key runs where a level has filled (``KeyRuns``). The batch before is durable
    /// and indexed whatever happens here: a failed merge leaves the runs as they were (an
    /// unfinished one is cleared on the next open), is reported like a failed write, and
    /// is tried again after the next write.
    private func mergeKeyRuns() {
        guard poisoned == nil else { return }
        do {
            try Archive.wrap { try KeyRuns.mergeIfNeeded(pool) }
        } catch {
            lastIOFailure = (error as? ArchiveError) ?? ArchiveError(.index, "merging key runs: \(error)")
        }
    }

    /// Runs one durable step. On failure the segment is cut back to where the step began,
    /// and the id caches (which may hold ids of a rolled-back transaction) are dropped.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        if let poisoned { throw poisoned }
        let mark = segments.mark
        do {
            let result = try Archive.wrap(body)
            lastIOFailure = nil
            return result
        } catch {
            if let failure = error as? ArchiveError, failure.code == .io { lastIOFailure = failure }
            idFilter = nil
            caches.pubkeys.removeAll()
            caches.relays.removeAll()
            do {
                try segments.rollback(to: mark)
            } catch {
                poisoned = ArchiveError(
                    .io, "a failed write could not be rolled back (\(error)); reopen the archive to recover",
                    file: directory.segmentFile(segments.segment), offset: mark)
            }
            throw error
        }
    }

    private var directory: DataDirectory { segments.directory }

    /// Records, in the current transaction, the sizes of segments sealed since the last
    /// commit, and marks the active segment.
    private func recordSeals(_ index: IndexWriter) throws {
        guard !segments.unrecordedSeals.isEmpty else { return }
        for seal in segments.unrecordedSeals { try index.ensureSegment(seal.number, sealedSize: seal.size) }
        try index.ensureSegment(segments.segment, sealedSize: nil)
    }

    private func writeUnwrapped(_ batch: EventBatch) throws -> BatchResult {
        let events = try batch.prepare()
        if idFilter.map({ $0.count > $0.capacity }) ?? true { idFilter = try pool.read { db in try IDKeyFilter.build(db) } }
        let filter = idFilter
        var added: [Int64] = []
        // 1. Dedupe, against the index and within the batch.
        let relayURL = batch.relay?.url
        var records: [EncodedRecord] = []
        var result = BatchResult(new: 0, duplicates: 0, observations: 0)
        try pool.read { db in
            let index = IndexWriter(db: db, caches: caches)
            if let relay = batch.relay, try index.relayID(relay.url) == nil {
                records.append(try EncodedRecord(.relay(url: relay.url, network: relay.network, discoveredAt: batch.seenAt)))
            }
            var seen = Set<EventID>()
            var observations: [EncodedRecord] = []
            // Only ids the filter may hold can be archived already.
            let archived = try KeyRuns.eventRows(db, ids: events.lazy.map(\.id).filter { filter?.mayContain(IndexKey.id($0)) ?? true })
            for event in events where seen.insert(event.id).inserted {
                if let row = archived[event.id] {
                    result.duplicates += 1
                    if let relayURL, let relayID = try index.relayID(relayURL), try index.hasObservation(event: row, relay: relayID) {
                        continue
                    }
                } else {
                    result.new += 1
                    records.append(event.encoded)
                    added.append(IndexKey.id(event.id))
                }
                if let relayURL {
                    observations.append(try EncodedRecord(.observation(eventID: event.id, relay: relayURL, seenAt: batch.seenAt)))
                }
            }
            records += observations
            result.observations = observations.count
        }
        if records.isEmpty && batch.stateUpdates.isEmpty { return result }
        try persist(records, stateUpdates: batch.stateUpdates)
        for key in added { idFilter?.insert(key) }
        return result
    }

    /// The durable step every write takes: append the records and fsync, then one
    /// transaction with their index rows, the seals not yet recorded and the state
    /// updates. The caller has deduplicated the records.
    private func persist(_ records: [EncodedRecord], stateUpdates: [ServiceStateUpdate] = []) throws {
        if !records.isEmpty { _ = try segments.rotateIfFull() }
        let frames = try segments.append(records)
        if !frames.isEmpty { try segments.sync() }
        try pool.write { db in
            let index = IndexWriter(db: db, caches: caches)
            try recordSeals(index)
            try index.apply(frames: frames, knownNew: true)
            for update in stateUpdates { try index.setServiceState(update) }
        }
        segments.sealsRecorded()
    }

    /// Records relays as known (a relay record each, durable before it is indexed).
    /// Relays already known are skipped. `stateUpdates` commit in the same transaction
    /// (a validator removes the candidates it promotes), even when no relay is new.
    /// - Returns: the relays that were new.
    @discardableResult
    public func addRelays(_ relays: [RelayURL], discoveredAt: Int64, stateUpdates: [ServiceStateUpdate] = []) throws -> [RelayURL] {
        try guarded {
            let fresh = try pool.read { db in
                let index = IndexWriter(db: db, caches: caches)
                var seen = Set<String>()
                return try relays.filter { relay in
                    guard seen.insert(relay.url).inserted else { return false }
                    return try index.relayID(relay.url) == nil
                }
            }
            guard !fresh.isEmpty || !stateUpdates.isEmpty else { return [] }
            try persist(fresh.map { try EncodedRecord(.relay(url: $0.url, network: $0.network, discoveredAt: discoveredAt)) }, stateUpdates: stateUpdates)
            return fresh
        }
    }

    /// Commits state updates alone (no events).
    public func setState(_ updates: [ServiceStateUpdate]) throws {
        try guarded { try persist([], stateUpdates: updates) }
    }
}
