import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

@testable import brotr

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `GET /v1/events` over real HTTP on 127.0.0.1, against `brotr serve` on an imported
/// archive: each parameter form, and hostile input answered 400 with nothing leaked.
struct EventsAPITests {
    @Test func queryParametersBecomeAFilterOrANamedRefusal() throws {
        let id = String(repeating: "ab", count: 32), key = SecretKey.generate().publicKey.hex
        let f = try EventsQuery.filter("ids=\(id)&authors=\(key)&kinds=1,7&%23e=\(id)&since=10&until=20&limit=5000", maxLimit: 1000)
        #expect(f.ids?.map(\.hex) == [id] && f.authors?.map(\.hex) == [key] && f.kinds == [1, 7])
        #expect(f.tags == ["e": [id]] && f.since == 10 && f.until == 20 && f.limit == 1000)
        #expect(try EventsQuery.filter(nil, maxLimit: 1000).limit == 100)
        let refused: [(String, String)] = [
            ("ids=zz", "ids: 'zz' is not valid"), ("limit=-1", "limit: expected an integer"), ("kinds=70000", "kinds: '70000' is not valid"),
            ("table=event;DROP", "unknown parameter 'table'"), ("%23ee=x", "unknown parameter '#ee'"), ("since=1e9", "since: expected an integer"),
            (String(repeating: "a", count: 10_000), "the query string is over 8192 bytes"), ("authors=%zz", "not valid percent-encoding"),
        ]
        for (query, message) in refused {
            #expect(throws: EventsQuery.Invalid.self, "\(query.prefix(40))") { try EventsQuery.filter(query, maxLimit: 1000) }
            do { _ = try EventsQuery.filter(query, maxLimit: 1000) } catch { #expect(error.message.contains(message), "\(error.message)") }
        }
    }

    @Test func servedEventsComeWithTheirRelaysAndBadRequestsAre400() async throws {
        let tmp = try TempDirectory("api-events")
        defer { tmp.remove() }
        let data = tmp.url.appendingPathComponent("data")
        let alice = SecretKey.generate(), bob = SecretKey.generate()
        let root = try Event.sign(kind: 1, content: "root", createdAt: 1_700_000_000, with: alice)
        let reply = try Event.sign(kind: 1, tags: [["e", root.id.hex]], content: "reply", createdAt: 1_700_000_100, with: bob)
        let reaction = try Event.sign(kind: 7, tags: [["e", root.id.hex]], content: "+", createdAt: 1_700_000_200, with: bob)
        let file = tmp.url.appendingPathComponent("events.jsonl")
        try Data([root, reply, reaction].map { $0.jsonText + "\n" }.joined().utf8).write(to: file)
        #expect(try await BrotrCLI.run(["import", "--data", data.path, "--relay", "ws://127.0.0.1:7777", "--allow-loopback", file.path]).status == 0)
        let port = try ServeCLITests.freePort()
        let off = ["seeder", "finder", "validator", "monitor", "synchronizer"].map { "\($0):\n  enabled: false\n" }.joined()
        try (off + "http:\n  listen: 127.0.0.1:\(port)\n").write(to: data.appendingPathComponent("brotr.yaml"), atomically: true, encoding: .utf8)
        let serve = try BrotrCLI.start(["serve", "--data", data.path], stderrFile: tmp.url.appendingPathComponent("serve.log"))
        defer { serve.kill() }
        let base = "http://127.0.0.1:\(port)/v1/events"
        var ready = false
        for _ in 0..<300 where !ready && serve.process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
            ready = (try? await ServeCLITests.get(base))?.status == 200
        }
        #expect(ready, "\(serve.stderr.suffix(2000))")

        func ids(_ query: String) async throws -> [String] {
            let (status, body) = try await ServeCLITests.get(base + query)
            #expect(status == 200, "\(query): \(body)")
            guard case .object(let object) = try JSONValue(parsing: body), case .array(let items)? = object["data"] else { return [] }
            return items.compactMap { $0.objectValue?["event"]?.objectValue?["id"]?.stringValue }
        }
        #expect(try await ids("") == [reaction, reply, root].map(\.id.hex))  // newest first
        #expect(try await ids("?authors=\(bob.publicKey.hex)&kinds=1") == [reply.id.hex])
        #expect(try await ids("?%23e=\(root.id.hex)") == [reaction, reply].map(\.id.hex))
        #expect(try await ids("?ids=\(root.id.hex),\(reply.id.hex)") == [reply, root].map(\.id.hex))
        #expect(try await ids("?since=1700000050&until=1700000150") == [reply.id.hex])
        #expect(try await ids("?limit=1") == [reaction.id.hex])

        let (status, body) = try await ServeCLITests.get(base + "?ids=\(root.id.hex)")
        #expect(status == 200)
        #expect(body.contains(#""relays":[{"url":"ws://127.0.0.1:7777","seen_at":"#) && body.contains(#""meta":{"limit":100,"count":1}"#))
        #expect(body.contains(root.jsonText))

        for query in ["?ids=nothex", "?limit=-5", "?x=1", "?kinds=1%27%20OR%201=1", "?" + String(repeating: "k", count: 10_000)] {
            let (status, body) = try await ServeCLITests.get(base + query)
            #expect(status == 400, "\(query.prefix(40)): \(body)")
            #expect(body.hasPrefix(#"{"error":"#) && !body.contains("sqlite") && !body.contains(data.path), "\(body)")
        }
        #expect(try await ServeCLITests.get(base).status == 200)  // still answering
    }
}
