import Synchronization

/// Segment files held open for point reads, each with its LZ4 context: reading an event's
/// frame then costs a positional read and a decode, not an open, a header check and a new
/// context. Reads of one segment take turns (its context serves one at a time); reads of
/// different segments run side by side. The `capacity` most recently read stay open.
final class SegmentReaders: Sendable {
    private final class Reader: Sendable {
        let scanner: Mutex<SegmentScanner>
        init(_ scanner: sending SegmentScanner) { self.scanner = Mutex(scanner) }
    }

    private struct Open {
        var readers: [UInt32: Reader] = [:]
        /// Segment numbers, least recently read first.
        var order: [UInt32] = []
    }

    private let open = Mutex(Open())
    let capacity: Int

    init(capacity: Int = 16) { self.capacity = capacity }

    /// The decoded payload of the frame at `offset` in segment `segment` (file `path`).
    func frame(segment: UInt32, path: String, at offset: Int64, length: Int) throws -> [UInt8] {
        let reader = try open.withLock { state -> Reader in
            if let reader = state.readers[segment] {
                if let i = state.order.firstIndex(of: segment) { state.order.remove(at: i) }
                state.order.append(segment)
                return reader
            }
            let reader = Reader(try SegmentScanner(path: path))
            state.readers[segment] = reader
            state.order.append(segment)
            if state.order.count > capacity { state.readers[state.order.removeFirst()] = nil }
            return reader
        }
        return try reader.scanner.withLock { try $0.frame(at: offset, length: length) }
    }
}
