import Archive
import BrotrTestSupport
import Foundation
import Logging
import Nostr
import Services
import Testing
import Transport

/// The DVM against hostile requests, served by the project's test relay (which, unlike a
/// real one, hands on events whose signature does not verify): each is ignored as
/// documented, and the stage keeps answering.
struct DVMStageTests {
    static let now: Int64 = 1_800_000_000

    @Test func hostileRequestsAreIgnoredAndTheRestAnsweredOnce() async throws {
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        let writer = try #require(archive.writer)
        var generator = CorpusGenerator(seed: 5, authors: 4, start: Self.now - 1000)
        _ = try await writer.write(EventBatch(events: (0..<50).map { _ in generator.next() }, relay: try RelayURL("ws://127.0.0.1:7777", allowLoopback: true), seenAt: Self.now))
        _ = try await writer.refreshAnalytics(now: Self.now)

        let chatty = SecretKey.generate(), polite = SecretKey.generate()
        func request(_ key: SecretKey, at time: Int64, content: String = "", extra: [[String]] = []) throws -> Event {
            try Event.sign(kind: 5050, tags: [["param", "table", "kind_counts"]] + extra, content: content, createdAt: time, with: key)
        }
        let flood = try (0..<12).map { try request(chatty, at: Self.now - 100 + Int64($0)) }
        let good = try request(polite, at: Self.now - 50)
        // Same id and signature, other content: the signature no longer covers it.
        let forgedText = try request(polite, at: Self.now - 40, content: "original").jsonText.replacingOccurrences(of: "\"original\"", with: "\"forged\"")
        let forged = try Event(json: forgedText)
        #expect((try? forged.verify()) == nil)
        let giant = try request(polite, at: Self.now - 30, content: String(repeating: "x", count: 70_000))
        let stale = try request(polite, at: Self.now - 7200)
        let relay = try await TestRelay(events: flood + [good, forged, giant, stale])
        defer { Task { await relay.stop() } }

        var settings = DVMSettings()
        settings.relays = [relay.url]
        settings.ratePerMinute = 10
        settings.processingAfter = .zero  // every job says `processing` before its result
        let key = SecretKey.generate()
        let dvm = DVM(
            archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), key: key, logger: Logger(label: "test"),
            clock: { Self.now })
        let first = try await dvm.runCycle()
        #expect(first.requests == 11 && first.answered == 11 && first.failed == 0, "\(first)")
        // Two over the author's rate, the forged and the giant one; the stale one is older
        // than the DVM asks for.
        #expect(first.ignored == 4 && first.announced)
        let results = try await MonitorTests.events(at: relay.url, kinds: [6050])
        #expect(Set(results.compactMap { $0.tags.first { $0.first == "e" }?[1] }) == Set((flood.prefix(10) + [good]).map(\.id.hex)))
        #expect(results.allSatisfy { (try? $0.verify()) != nil && $0.pubkey == key.publicKey })
        let feedback = try await MonitorTests.events(at: relay.url, kinds: [7000])
        #expect(feedback.count == 11 && feedback.allSatisfy { Array($0.tags.first?.prefix(2) ?? []) == ["status", "processing"] })

        // Next cycle: nothing answered twice; the stage still answers what is new.
        let second = try await dvm.runCycle()
        #expect(second.answered == 0 && !second.announced, "\(second)")
        #expect(try await MonitorTests.events(at: relay.url, kinds: [6050]).count == 11)
    }
}
