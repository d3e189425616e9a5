public import Nostr

/// Verifies and archives events in batches, overlapping the verification of one batch
/// (on every core) with the writing of the previous one (on the writer).
public struct ImportPipeline: Sendable {
    /// One line of input: JSON text and its line number.
    public struct Line: Sendable {
        public var bytes: [UInt8]
        public var number: Int
        public init(bytes: [UInt8], number: Int) {
            self.bytes = bytes
            self.number = number
        }
    }

    /// What happened to one batch, once it is durable.
    public struct Outcome: Sendable {
        /// Lines that failed to parse or verify.
        public var rejected: [(line: Line, error: NostrError)]
        /// Events archived or recognised as duplicates.
        public var written: Int
        /// The id of the batch's last valid event.
        public var lastID: EventID?
        public var result: BatchResult
    }

    let writer: ArchiveWriter
    let relay: RelayURL?
    let seenAt: Int64
    let parallelism: Int

    public init(writer: ArchiveWriter, relay: RelayURL?, seenAt: Int64, parallelism: Int) {
        self.writer = writer
        self.relay = relay
        self.seenAt = seenAt
        self.parallelism = parallelism
    }

    /// Runs until `next` returns an empty batch. `report` is called in order, once per
    /// batch, after the batch is durable.
    public func run(next: () throws -> [Line], report: (Outcome) -> Void) async throws {
        var lines = try next()
        var verdicts = await ParallelVerifier.verify(lines.map(\.bytes), parallelism: parallelism)
        while !lines.isEmpty {
            var rejected: [(Line, NostrError)] = []
            var events: [Event] = []
            events.reserveCapacity(verdicts.count)
            for (line, verdict) in zip(lines, verdicts) {
                switch verdict {
                case .valid(let event): events.append(event)
                case .rejected(let error): rejected.append((line, error))
                }
            }
            let batch = EventBatch(events: events, relay: relay, seenAt: seenAt)
            let count = events.count, lastID = events.last?.id
            let following = try next()
            async let written = batch.events.isEmpty ? BatchResult(new: 0, duplicates: 0, observations: 0) : writer.write(batch)
            async let verifiedNext = ParallelVerifier.verify(following.map(\.bytes), parallelism: parallelism)
            let result = try await written
            report(Outcome(rejected: rejected, written: count, lastID: lastID, result: result))
            lines = following
            verdicts = await verifiedNext
        }
    }
}
