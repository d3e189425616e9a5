public import Nostr

/// Parses and verifies events on every core, before they reach the writer.
public enum ParallelVerifier {
    /// The verdict on one input.
    public enum Verdict: Sendable {
        case valid(Event)
        case rejected(NostrError)
    }

    /// Parses each JSON text as an event and verifies its id and signature, spreading the
    /// work over `parallelism` tasks. Verdicts come back in input order.
    public static func verify(_ lines: [[UInt8]], parallelism: Int) async -> [Verdict] {
        let workers = max(1, min(parallelism, lines.count / 64 + 1))
        let chunk = (lines.count + workers - 1) / workers
        return await withTaskGroup(of: (Int, [Verdict]).self) { group in
            for w in 0..<workers {
                let range = (w * chunk)..<min(lines.count, (w + 1) * chunk)
                guard !range.isEmpty else { continue }
                let slice = Array(lines[range])
                group.addTask {
                    (w, slice.map { line in
                        do {
                            let event = try Event(json: line)
                            try event.verify()
                            return .valid(event)
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
