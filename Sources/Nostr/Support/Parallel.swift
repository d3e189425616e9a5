/// CPU-bound work spread over the cores.
public enum Parallel {
    /// `transform` applied to every item on up to `parallelism` cores; results in input order.
    ///
    /// The items go out in four chunks per core (of 128 items at least): items differ a lot
    /// in cost (a contact list against a reaction), and with one chunk per core the core
    /// that drew the cheap ones would wait idle for the other.
    public static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], parallelism: Int, _ transform: @escaping @Sendable (Item) -> Result
    ) async -> [Result] {
        let workers = max(1, min(parallelism * 4, (items.count + 127) / 128))
        if workers == 1 { return items.map(transform) }
        let chunk = (items.count + workers - 1) / workers
        return await withTaskGroup(of: (Int, [Result]).self) { group in
            for w in 0..<workers {
                let range = (w * chunk)..<min(items.count, (w + 1) * chunk)
                guard !range.isEmpty else { continue }
                let slice = items[range]
                group.addTask { (w, slice.map(transform)) }
            }
            var parts = [[Result]](repeating: [], count: workers)
            for await (w, results) in group { parts[w] = results }
            return parts.flatMap { $0 }
        }
    }
}
