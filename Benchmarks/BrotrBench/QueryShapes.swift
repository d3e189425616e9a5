import Archive
import BrotrTestSupport
import Nostr

/// The query shapes the pipeline and the API use, timed on an archive: each runs 20 times
/// untimed, then 200 times timed, on events drawn from a sample of archived ones.
struct QueryShapes {
    struct Timing {
        let name: String
        let median: Double, p95: Double, p99: Double
    }

    let ids: [EventID]
    let sample: [Event]

    /// Times every shape on `reader`, in microseconds. The same seed draws the same events.
    func measure(_ reader: Archive) throws -> [Timing] {
        var rng = SplitMix64(seed: 7)
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        let tagged = { (name: String) in sample.filter { !$0.tagValues(name).isEmpty } }
        let withP = tagged("p"), withE = tagged("e")
        let shapes: [(String, () throws -> Void)] = [
            ("event by id", { _ = try reader.event(id: pick(ids)) }),
            ("id filter", { _ = try reader.events(matching: Filter(ids: [pick(ids)])) }),
            ("newest 100", { _ = try reader.events(matching: Filter(limit: 100)) }),
            ("kind 1, limit 100", { _ = try reader.events(matching: Filter(kinds: [1], limit: 100)) }),
            ("kind + since/until window", {
                let e = pick(sample)
                _ = try reader.events(matching: Filter(kinds: [e.kind], since: e.createdAt - 60, until: e.createdAt + 60, limit: 500))
            }),
            ("author, limit 50", { _ = try reader.events(matching: Filter(authors: [pick(sample).pubkey], limit: 50)) }),
            ("#p tag, limit 50", { _ = try reader.events(matching: Filter(tags: ["p": [pick(pick(withP).tagValues("p"))]], limit: 50)) }),
            ("#e tag, limit 50", { _ = try reader.events(matching: Filter(tags: ["e": [pick(pick(withE).tagValues("e"))]], limit: 50)) }),
            ("count kind 7", { _ = try reader.count(matching: Filter(kinds: [7])) }),
            ("relays seeing an id", { _ = try reader.relays(seeing: pick(ids)) }),
        ]
        return try shapes.map { name, body in
            // Untimed first: the first queries of a shape fault in pages of a large index.
            for _ in 0..<20 { try body() }
            var times: [Double] = []
            for _ in 0..<200 {
                let s = Clock.now()
                try body()
                times.append((Clock.now() - s) * 1e6)
            }
            times.sort()
            return Timing(name: name, median: times[100], p95: times[189], p99: times[197])
        }
    }
}
