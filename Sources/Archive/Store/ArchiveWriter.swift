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

    /// The key runs' id filters (built at the first write, kept current by every write and
    /// merge after): an id is looked up only in the runs that may hold it.
    let filters: RunFilters
    /// Whether each write is followed by merge work (tests stage merges by hand).
    private var mergesAfterWrites = true
    func setMergesAfterWrites(_ on: Bool) { mergesAfterWrites = on }

    /// The I/O failure of the last write, cleared by the next write that succeeds (a full
    /// disk, say). A batch refused for its content does not count.
    private var lastIOFailure: ArchiveError? {
        didSet {
            // One line per change of state, not one per failed write.
            switch (oldValue, lastIOFailure) {
            case (nil, let failure?):
                logger.error("archive writes failing; stages retry with back-off", metadata: ["error": "\(failure)"])
            case (_?, nil):
                logger.notice("archive writes resumed")
            default: break
            }
        }
    }
    /// `archive.min_free_bytes`.
    let minFreeBytes: Int64
    /// Writing paused for lack of free space: it resumes as soon as there is room, even
    /// before the next write.
    private var pausedForSpace = false
    private let logger = Logger(label: "brotr.archive")

    /// False when the last write failed on I/O, or once a failed batch left the segment
    /// ahead of the index (writing then stops until the archive is reopened). Health
    /// checks report it.
    public var isWritable: Bool { poisoned == nil && lastIOFailure == nil }

    /// Why the archive cannot write, when it cannot (``isWritable`` is false).
    public var writeFailure: ArchiveError? { poisoned ?? lastIOFailure }

    init(pool: DatabasePool, segments: SegmentWriter, filters: RunFilters, minFreeBytes: Int64) {
        self.pool = pool
        self.segments = segments
        self.filters = filters
        self.minFreeBytes = minFreeBytes
    }

    /// Throws what stands in the way of the next write: a failed batch that could not be
    /// rolled back, or less free space than `archive.min_free_bytes`. Stages call it before
    /// a cycle, so that a full disk stops work before relays are asked for events.
    public func ensureWritable() throws {
        if let poisoned { throw poisoned }
        try checkFreeSpace()
        if pausedForSpace {
            pausedForSpace = false
            lastIOFailure = nil
        }
    }

    /// - Throws: ``ArchiveError/Code/io`` when the data directory's file system has less
    ///   free space than `minFreeBytes`.
    private func checkFreeSpace() throws {
        guard minFreeBytes > 0, let free = directory.freeBytes, free < minFreeBytes else { return }
        let error = ArchiveError(
            .io,
            "only \(free >> 20) MiB free, below archive.min_free_bytes (\(minFreeBytes >> 20) MiB): writing paused; "
                + "free space there (or lower the setting) and writing resumes by itself",
            file: directory.path)
        pausedForSpace = true
        lastIOFailure = error
        throw error
    }

    /// Archives a batch durably.
    /// - Throws: ``ArchiveError`` if the segment or the index cannot be written; nothing
    ///   of the batch is acknowledged then, and retrying it is safe.
    public func write(_ batch: EventBatch) throws -> BatchResult {
        let (result, keys) = try guarded { try writeUnwrapped(batch) }
        mergeKeyRuns(budget: max(KeyRuns.stepRows, 8 * keys))
        return result
    }

    /// Spends `budget` rows of work on merging key runs (``KeyMerge``): eight times the keys
    /// just written keeps pace with the levels any archive has. The batch before is durable
    /// and indexed whatever happens here: a failed step leaves the runs as its last commit
    /// left them, is reported like a failed write, and the merge goes on after the next write.
    private func mergeKeyRuns(budget: Int) {
        guard poisoned == nil, mergesAfterWrites else { return }
        do {
            try Archive.wrap { _ = try KeyMerge.run(pool, filters: filters, budget: budget) }
        } catch {
            filters.removeAll()
            lastIOFailure = (error as? ArchiveError) ?? ArchiveError(.index, "merging key runs: \(error)")
        }
    }

    /// Runs one durable step. On failure the segment is cut back to where the step began,
    /// and the id caches (which may hold ids of a rolled-back transaction) are dropped.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        if let poisoned { throw poisoned }
        let mark = segments.mark
        do {
            try checkFreeSpace()
            let result = try Archive.wrap(body)
            lastIOFailure = nil
            pausedForSpace = false
            return result
        } catch {
            if let failure = error as? ArchiveError, failure.code == .io { lastIOFailure = failure }
            filters.removeAll()
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

    /// Writes a batch; returns its result and the number of keys it indexed.
    private func writeUnwrapped(_ batch: EventBatch) throws -> (BatchResult, Int) {
        let ids = batch.ids
        try filters.completeIfNeeded(pool)
        // 1. Dedupe, against the index and within the batch.
        let relayURL = batch.relay?.url
        var records: [EncodedRecord] = []
        // Room for every event and its observation: grown by doubling, the array would be
        // copied a dozen times per batch.
        records.reserveCapacity(1 + ids.count * (batch.relay == nil ? 1 : 2))
        var result = BatchResult(new: 0, duplicates: 0, observations: 0)
        // Rows of the duplicates observed at a new relay: their observations are indexed
        // without a second lookup.
        var observed: [EventID: Int64] = [:]
        try pool.read { db in
            let index = IndexWriter(db: db, caches: caches)
            if let relay = batch.relay, try index.relayID(relay.url) == nil {
                records.append(try EncodedRecord(.relay(url: relay.url, network: relay.network, discoveredAt: batch.seenAt)))
            }
            var seen = Set<EventID>()
            var observations: [EncodedRecord] = []
            // Deduplicated before anything else is done with an event: a duplicate costs
            // its lookup and, at a new relay, an observation.
            let archived = try KeyRuns.eventRows(db, ids: Set(ids), filters: filters)
            for (i, id) in ids.enumerated() where seen.insert(id).inserted {
                if let row = archived[id] {
                    result.duplicates += 1
                    if let relayURL, let relayID = try index.relayID(relayURL), try index.hasObservation(event: row, relay: relayID) {
                        continue
                    }
                    observed[id] = row
                } else {
                    result.new += 1
                    records.append(try batch.record(i))
                }
                if let relayURL {
                    observations.append(try EncodedRecord(.observation(eventID: id, relay: relayURL, seenAt: batch.seenAt)))
                }
            }
            records += observations
            result.observations = observations.count
        }
        if records.isEmpty && batch.stateUpdates.isEmpty && batch.relayUpdates.isEmpty { return (result, 0) }
        return (result, try persist(records, knownRows: observed, stateUpdates: batch.stateUpdates, relayUpdates: batch.relayUpdates))
    }

    /// The durable step every write takes: append the records and fsync, then one
    /// transaction with their index rows, the seals not yet recorded and the state
    /// updates. The caller has deduplicated the records, and gives the rows it found of
    /// archived events they observe. Returns the number of keys indexed.
    @discardableResult
    func persist(
        _ records: [EncodedRecord], knownRows: [EventID: Int64] = [:], stateUpdates: [ServiceStateUpdate] = [],
        relayUpdates: [RelayStateUpdate] = []
    ) throws -> Int {
        if !records.isEmpty { _ = try segments.rotateIfFull() }
        let frames = try segments.append(records)
        if !frames.isEmpty { try segments.sync() }
        let keys = try pool.write { db in
            let index = IndexWriter(db: db, caches: caches, filters: filters)
            try recordSeals(index)
            let keys = try index.apply(frames: frames, knownNew: true, knownRows: knownRows)
            for update in stateUpdates { try index.setServiceState(update) }
            for update in relayUpdates { try index.apply(update) }
            return keys
        }
        segments.sealsRecorded()
        return keys
    }

    /// Records relays as known (a relay record each, durable before it is indexed).
    /// Relays already known are skipped. `stateUpdates` and `relayUpdates` commit in the same transaction
    /// (a validator removes the candidates it promotes), even when no relay is new.
    /// - Returns: the relays that were new.
    @discardableResult
    public func addRelays(
        _ relays: [RelayURL], discoveredAt: Int64, stateUpdates: [ServiceStateUpdate] = [], relayUpdates: [RelayStateUpdate] = []
    ) throws -> [RelayURL] {
        try guarded {
            let fresh = try pool.read { db in
                let index = IndexWriter(db: db, caches: caches)
                var seen = Set<String>()
                return try relays.filter { relay in
                    guard seen.insert(relay.url).inserted else { return false }
                    return try index.relayID(relay.url) == nil
                }
            }
            guard !fresh.isEmpty || !stateUpdates.isEmpty || !relayUpdates.isEmpty else { return [] }
            try persist(
                fresh.map { try EncodedRecord(.relay(url: $0.url, network: $0.network, discoveredAt: discoveredAt)) }, stateUpdates: stateUpdates,
                relayUpdates: relayUpdates)
            return fresh
        }
    }

    /// Commits state updates alone (no events).
    public func setState(_ updates: [ServiceStateUpdate]) throws {
        _ = try guarded { try persist([], stateUpdates: updates) }
    }
}
