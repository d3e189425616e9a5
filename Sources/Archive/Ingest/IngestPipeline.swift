import Nostr

/// The one way events enter the archive, whoever brings them (`brotr import`, the
/// Synchronizer): parse into the packed form, check id and signature and encode the
/// record on every core, then the writer, which deduplicates by id before anything else.
///
/// Batches overlap: while the writer makes one durable, the next is verified, and the
/// caller gathers a third. At most `depth` batches are in flight once ``submit(_:)``
/// returns; past that it waits, so a source faster than the archive (a relay flooding
/// events) is held back by its caller's own pace, never buffered without bound.
///
/// Batches are written in the order they were submitted, and none after one that failed:
/// a batch's relay and state updates (a sync cursor) never commit without the events of
/// every batch before it. Used by one task at a time.
public final class IngestPipeline {
    private let writer: ArchiveWriter
    private let parallelism: Int
    private let depth: Int
    private var inFlight: [Task<IngestOutcome, any Error>] = []
    private var failure: (any Error)?

    /// - Parameters:
    ///   - parallelism: cores to verify on.
    ///   - depth: batches in flight (verifying or being written) once a submit returns.
    public init(writer: ArchiveWriter, parallelism: Int, depth: Int = 2) {
        self.writer = writer
        self.parallelism = max(1, parallelism)
        self.depth = max(1, depth)
    }

    /// Events per batch unless the caller says otherwise: large enough that each index
    /// commit rewrites few pages twice, small enough to keep memory low.
    public static let defaultBatchSize = 5000

    /// Hands a batch in, and returns the outcomes of the batches that became durable
    /// meanwhile, oldest first. Waits while more than `depth` batches are in flight.
    /// - Throws: the error of a batch that failed; that batch and every one after it are
    ///   not acknowledged, and the pipeline takes no more.
    public func submit(_ batch: IngestBatch) async throws -> [IngestOutcome] {
        if let failure { throw failure }
        let previous = inFlight.last
        let writer = writer
        let parallelism = parallelism
        // The events go in a box the task empties: once encoded, they are not held while
        // the batch waits for its turn and is written.
        let events = EventsBox(batch.events)
        let commit = { var rest = batch; rest.events = .packed([]); return rest }()
        let task = Task { @Sendable in
            try await Self.process(events, commit: commit, after: previous, parallelism: parallelism, writer: writer)
        }
        inFlight.append(task)
        return try await drain(keeping: depth)
    }

    /// Verifies a batch, waits for the batch before it, and writes it unless that one failed.
    private static func process(
        _ events: EventsBox, commit: IngestBatch, after previous: Task<IngestOutcome, any Error>?, parallelism: Int, writer: ArchiveWriter
    ) async throws -> IngestOutcome {
        let prepared = await prepare(events.take(), parallelism: parallelism)
        _ = try await previous?.value
        return try await write(commit, prepared, to: writer)
    }

    /// Waits for every batch in flight; returns their outcomes, oldest first.
    public func finish() async throws -> [IngestOutcome] {
        try await drain(keeping: 0)
    }

    private func drain(keeping: Int) async throws -> [IngestOutcome] {
        var done: [IngestOutcome] = []
        while inFlight.count > keeping {
            do {
                done.append(try await inFlight.removeFirst().value)
            } catch {
                // The batches after it fail too, once verified: wait for them, so that
                // nothing of this pipeline is still running when the caller moves on.
                for task in inFlight { _ = try? await task.value }
                inFlight.removeAll()
                failure = error
                throw error
            }
        }
        return done
    }

    /// The verdict on one event of a batch.
    enum Verdict: Sendable {
        case valid(PreparedEvent)
        case rejected(IngestOutcome.Rejection)
    }

    /// Parses (JSON input), verifies and encodes each event, on every core.
    public static func prepare(_ events: IngestBatch.Events, parallelism: Int) async -> PreparedEvents {
        let verdicts: [Verdict]
        switch events {
        case .json(let lines):
            // Packed: a contact list parses into three arrays, not an array per tag.
            verdicts = await Parallel.map(lines, parallelism: parallelism) { line in verdict(line) { try PackedEvent(json: line.bytes) } }
        case .packed(let events):
            verdicts = await Parallel.map(events, parallelism: parallelism) { event in verdict(nil) { event } }
        case .prepared(let prepared):
            return prepared
        }
        var prepared = PreparedEvents()
        prepared.events.reserveCapacity(verdicts.count)
        for verdict in verdicts {
            switch verdict {
            case .valid(let event): prepared.events.append(event)
            case .rejected(let rejection): prepared.rejected.append(rejection)
            }
        }
        return prepared
    }

    private static func verdict(_ line: IngestBatch.Line?, _ parse: () throws -> PackedEvent) -> Verdict {
        do {
            let event = try parse()
            try event.verify()
            return .valid(try PreparedEvent(event))
        } catch {
            return .rejected(.init(line: line, error: error as? NostrError ?? NostrError(.invalidEvent, "\(error)")))
        }
    }

    private static func write(_ batch: IngestBatch, _ prepared: PreparedEvents, to writer: ArchiveWriter) async throws -> IngestOutcome {
        let events = prepared.events
        var result = BatchResult(new: 0, duplicates: 0, observations: 0)
        if !events.isEmpty || !batch.relayUpdates.isEmpty || !batch.stateUpdates.isEmpty {
            result = try await writer.write(
                EventBatch(
                    prepared: events, relay: batch.relay, seenAt: batch.seenAt, stateUpdates: batch.stateUpdates,
                    relayUpdates: batch.relayUpdates))
        }
        return IngestOutcome(
            rejected: prepared.rejected, accepted: events.count, lastID: events.last?.id, result: result, relayUpdates: batch.relayUpdates)
    }
}

/// A batch's events, handed to the task that prepares them and taken out once.
private final class EventsBox: @unchecked Sendable {
    // Written by `take()` alone, once, on the one task that owns the box.
    private var events: IngestBatch.Events?

    init(_ events: IngestBatch.Events) { self.events = events }

    func take() -> IngestBatch.Events {
        defer { events = nil }
        return events ?? .packed([])
    }
}
