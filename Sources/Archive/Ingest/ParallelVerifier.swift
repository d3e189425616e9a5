public import Nostr

/// Parses, verifies and encodes events on every core, before they reach the writer.
public enum ParallelVerifier {
    /// The verdict on one input.
    public enum Verdict: Sendable {
        case valid(PreparedEvent)
        case rejected(NostrError)
    }

    /// Parses each JSON text as an event, verifies its id and signature and encodes it for
    /// the writer. Verdicts come back in input order.
    ///
    /// The work goes out in four chunks per core (of 128 lines at least): events differ
    /// a lot in cost (a contact list against a reaction), and with one chunk per core the
    /// core that drew the cheap ones would wait idle for the other.
    public static func verify(_ lines: [[UInt8]], parallelism: Int) async -> [Verdict] {
        let workers = max(1, min(parallelism * 4, (lines.count + 127) / 128))
        let chunk = (lines.count + workers - 1) / workers
        return await withTaskGroup(of: (Int, [Verdict]).self) { group in
            for w in 0..<workers {
                let range = (w * chunk)..<min(lines.count, (w + 1) * chunk)
                guard !range.isEmpty else { continue }
                let slice = Array(lines[range])
                group.addTask {
                    (w, slice.map { line in
                        do {
                            // Packed: a contact list parses into three arrays, not an array per tag.
                            let event = try PackedEvent(json: line)
                            try event.verify()
                            return .valid(try PreparedEvent(event))
                        } catch let error as NostrError {
                            return .rejected(error)
                        } catch {
                            return .rejected(NostrError(.invalidEvent, "\(error)"))
                        }
                    })
                }
            }
            var parts = [[Verdict]](repeating: [], count: workers)
            for await (w, verdicts) in group { parts[w] = verdicts }
            return parts.flatMap { $0 }
        }
    }
}
