import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// `brotr serve` started and stopped 50 times in a row on one data directory, SIGTERM at
/// random moments while it syncs a relay that keeps getting new events, with `brotr
/// import` runs killed at random moments in between: serve exits 0 every time, the
/// archive never shrinks, `brotr check` passes without a reindex, and in the end every
/// event the relay holds and every acknowledged import is archived.
@Suite(.serialized)
struct RestartSoakTests {
    static func archivedIDs(_ data: String) throws -> Set<EventID> {
        var ids = Set<EventID>()
        try Archive.open(DataDirectory(path: data), mode: .readOnly).forEachEvent { ids.insert($0.id) }
        return ids
    }

    @Test func fiftyStopsAtRandomMomentsLoseNothing() async throws {
        var corpus = CorpusGenerator(seed: 5050, authors: 50, start: 1_700_000_000)
        var onRelay = (0..<6000).map { _ in corpus.next() }
        let relay = try await TestRelay(events: onRelay)
        defer { Task { await relay.stop() } }
        let tmp = try TempDirectory("soak")
        defer { tmp.remove() }
        let data = tmp.file("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try (TestbedConfig.yaml(httpPort: nil, running: ["synchronizer"]) + """
            runtime:
              shutdown_grace: 5s
            synchronizer:
              interval: 1s
              end_lag: 0s
              batch_size: 200
              page_size: 100

            """).write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
        #expect(try await BrotrCLI.run(["relays", "add", "--data", data, "--allow-loopback", relay.url.url]).status == 0)

        var rng = SplitMix64(seed: 77)
        let key = SecretKey.generate()
        var imports = CorpusGenerator(seed: 6060, authors: 20, start: 1_650_000_000)
        var acknowledged = Set<EventID>()
        var last = 0
        for round in 0..<50 {
            // New events on the relay each round, newer than any cursor: there is always sync work.
            let now = Int64(Date().timeIntervalSince1970)
            let fresh = try (0..<600).map { try Event.sign(kind: 1, content: "round \(round) note \($0)", createdAt: now + 1, with: key) }
            relay.add(fresh)
            onRelay += fresh

            let serve = try BrotrCLI.start(["serve", "--data", data], stderrFile: tmp.file("serve-\(round).log"))
            defer { serve.kill() }
            try await Task.sleep(for: .milliseconds(150 + Int(rng.next() % 1500)))
            serve.send(SIGTERM)
            let exited = try await offThePool { serve.waitForExit(upTo: 30_000) }
            #expect(exited, "round \(round): no exit within 30 s")
            let status = serve.finish()
            #expect(status == 0, "round \(round): exit \(status): \(serve.stderr.suffix(1500))")
            #expect(!serve.stderr.contains("reindex"), "round \(round): \(serve.stderr.suffix(1500))")

            // An import killed mid-way every fifth round.
            if round % 5 == 4 {
                let chunk = (0..<1500).map { _ in imports.next() }
                let file = tmp.file("import-\(round).jsonl")
                try Data(chunk.map { $0.jsonText + "\n" }.joined().utf8).write(to: file)
                let importer = try BrotrCLI.start(["import", "--data", data, "--batch-size", "100", file.path], stderrFile: tmp.file("import-\(round).log"))
                defer { importer.kill() }
                try await Task.sleep(for: .milliseconds(50 + Int(rng.next() % 600)))
                importer.send(SIGTERM)
                _ = try await offThePool { importer.waitForExit(upTo: 30_000) }
                _ = importer.finish()
                let acks = importer.completeLines.filter { $0.hasPrefix("ack ") }.compactMap { $0.split(separator: " ").last.map(String.init) }
                if let lastAck = acks.last, let position = chunk.firstIndex(where: { $0.id.hex == lastAck }) {
                    acknowledged.formUnion(chunk[...position].map(\.id))
                }
            }

            let archived = try Self.archivedIDs(data)
            #expect(archived.count >= last, "round \(round): the archive shrank from \(last) to \(archived.count)")
            #expect(acknowledged.isSubset(of: archived), "round \(round): an acknowledged import is missing")
            last = archived.count
            if round % 10 == 9 {
                let check = try await BrotrCLI.run(["check", "--data", data])
                #expect(check.status == 0, "round \(round): \(check.stdout.suffix(800)) \(check.stderr.suffix(800))")
            }
        }

        // Last, one run to the end: everything on the relay is there.
        let serve = try BrotrCLI.start(["serve", "--data", data], stderrFile: tmp.file("serve-last.log"))
        defer { serve.kill() }
        let wanted = Set(onRelay.map(\.id)).union(acknowledged)
        var complete = false
        for _ in 0..<240 where serve.process.isRunning && !complete {
            try await Task.sleep(for: .milliseconds(500))
            complete = (try? Self.archivedIDs(data)).map { wanted.isSubset(of: $0) } ?? false
        }
        serve.send(SIGTERM)
        #expect(try await offThePool { serve.waitForExit(upTo: 30_000) })
        #expect(serve.finish() == 0)
        let missing = wanted.subtracting(try Self.archivedIDs(data))
        let cursor = try Archive.open(DataDirectory(path: data), mode: .readOnly).relayStates()[relay.url.url]?.syncThrough
        #expect(
            missing.isEmpty,
            "\(missing.count) missing; cursor \(cursor.map(String.init) ?? "-"); missing times \(onRelay.filter { missing.contains($0.id) }.map(\.createdAt).sorted().prefix(20)); acknowledged imports missing \(acknowledged.intersection(missing).count)")
        let check = try await BrotrCLI.run(["check", "--data", data])
        #expect(check.status == 0, "\(check.stdout.suffix(800))")
    }
}
