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

    /// Events per durable batch unless the caller says otherwise: large enough that each
    /// index commit rewrites few pages twice, small enough to keep memory low.
    public static let defaultBatchSize = 5000

    /// How many batches verification may run ahead of the writer: with one, the cores
    /// idle whenever the writer waits on its fsync or a batch verifies faster than the
    /// previous one writes.
    static let lookahead = 2

    /// Runs until `next` returns an empty batch. `report` is called in order, once per
    /// batch, after the batch is durable.
    public func run(next: () throws -> [Line], report: (Outcome) -> Void) async throws {
        var ahead: [(lines: [Line], verdicts: Task<[ParallelVerifier.Verdict], Never>)] = []
        var inputEnded = false
        // On an error the batches ahead are cancelled; they hold nothing but memory.
        defer { for batch in ahead { batch.verdicts.cancel() } }
        func readAhead() throws {
            while ahead.count < Self.lookahead && !inputEnded {
                let lines = try next()
                guard !lines.isEmpty else {
                    inputEnded = true
                    return
                }
                let parallelism = parallelism
                ahead.append((lines, Task { await ParallelVerifier.verify(lines.map(\.bytes), parallelism: parallelism) }))
            }
        }
        try readAhead()
        while !ahead.isEmpty {
            let (lines, task) = ahead.removeFirst()
            let verdicts = await task.value
            try readAhead()
            var rejected: [(Line, NostrError)] = []
            var events: [PreparedEvent] = []
            events.reserveCapacity(verdicts.count)
            for (line, verdict) in zip(lines, verdicts) {
                switch verdict {
                case .valid(let event): events.append(event)
                case .rejected(let error): rejected.append((line, error))
                }
            }
            let result =
                events.isEmpty
                ? BatchResult(new: 0, duplicates: 0, observations: 0)
                : try await writer.write(EventBatch(prepared: events, relay: relay, seenAt: seenAt))
            report(Outcome(rejected: rejected, written: events.count, lastID: events.last?.id, result: result))
        }
    }
}
