import BrotrTestSupport
import Foundation
import Nostr
import Testing
import Transport

/// brotr's NIP-77 initiator against an independent responder: rust-nostr's, in nostr-sdk
/// 0.45.1's LocalRelay on 127.0.0.1; and brotr's responder (in the test relay) against
/// rust-nostr's client. Each side holds events the other lacks, or one side holds nothing;
/// small frames force many rounds.
@Suite(.serialized) struct NegentropyInteropTests {
    static func items(_ events: [Event]) -> [NegentropyItem] {
        events.map { NegentropyItem(timestamp: UInt64($0.createdAt), id: $0.id) }
    }

    @Test func reconcilingWithRustNostrFindsWhatEachSideLacks() async throws {
        // Notes crowded into few seconds, so that ranges split on id prefixes too.
        let keys = (0..<5).map { _ in SecretKey.generate() }
        let notes = try (0..<640).map { i in
            try Event.sign(kind: 1, content: "note \(i)", createdAt: 1_700_000_000 + Int64(i % 97), with: keys[i % keys.count])
        }
        let onRelay = Array(notes.prefix(600)), extra = Array(notes.suffix(40))
        let relay = try await ThirdPartyRelay.start(.nostrSDK, events: onRelay)
        defer { relay.stop() }
        let options = ConnectionOptions(connectTimeout: .seconds(10), readTimeout: .seconds(10))
        let everything = try Filter()
        let cases: [(name: String, local: [Event], frameLimit: Int)] = [
            ("each side lacks some", Array(onRelay.dropFirst(50)) + extra, 60_000),
            ("each side lacks some, 4 KiB frames", Array(onRelay.dropFirst(50)) + extra, 4096),
            ("nothing here", [], 0),
            ("nothing there that is not here", onRelay + extra, 4096),
        ]
        for c in cases {
            let result = try await RelayConnection.withConnection(to: relay.url, options: options) { connection in
                await NegentropySession.run(connection, filter: everything, set: NegentropySet(Self.items(c.local)), frameLimit: c.frameLimit)
            }
            let outcome = try result.get()
            let local = Set(c.local.map(\.id)), remote = Set(onRelay.map(\.id))
            #expect(Set(outcome.need) == remote.subtracting(local), "\(c.name)")
            #expect(Set(outcome.have) == local.subtracting(remote), "\(c.name)")
            #expect(outcome.messages >= 2, "\(c.name)")
        }
    }

    /// rust-nostr's initiator (tools/testbed/negentropy_client.py, a dry run) against
    /// brotr's responder, served by the test relay.
    @Test func rustNostrsClientReconcilesWithBrotrsResponder() async throws {
        var generator = CorpusGenerator(seed: 78, authors: 8, start: 1_700_000_000)
        let events = (0..<3000).map { _ in generator.next() }
        let onRelay = events.enumerated().filter { $0.offset % 3 != 2 }.map(\.element)
        let cases: [(name: String, relay: [Event], local: [Event])] = [
            ("each side lacks some", onRelay, events.enumerated().filter { $0.offset % 5 != 0 }.map(\.element)),
            ("nothing here", onRelay, []),
            ("nothing there", [], events),
            ("the same", onRelay, onRelay),
        ]
        let tmp = try TempDirectory("neg-client")
        defer { tmp.remove() }
        for c in cases {
            var behavior = TestRelayBehavior()
            behavior.negentropy = .answers
            let relay = try await TestRelay(events: c.relay, behavior: behavior)
            defer { Task { await relay.stop() } }
            let input = tmp.url.appendingPathComponent("items")
            try Data(c.local.map { "\($0.createdAt) \($0.id.hex)\n" }.joined().utf8).write(to: input)
            let root = ThirdPartyRelay.repositoryRoot.path
            let shell = "\"\(root)/.testbed/venv/bin/python\" \"\(root)/tools/testbed/negentropy_client.py\" \(relay.url.url) < \"\(input.path)\""
            let child = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", shell], stderrFile: tmp.url.appendingPathComponent("stderr"))
            let status = try await offThePool { child.finish() }
            let output = child.completeLines.joined()
            #expect(status == 0, "\(c.name): \(output) \(child.stderr)")
            guard case .object(let answer) = try JSONValue(parsing: output), case .array(let have) = answer["have"], case .array(let need) = answer["need"]
            else {
                Issue.record("\(c.name): not the expected JSON: \(output)")
                continue
            }
            let local = Set(c.local.map(\.id.hex)), remote = Set(c.relay.map(\.id.hex))
            #expect(Set(have.compactMap(\.stringValue)) == local.subtracting(remote), "\(c.name)")
            #expect(Set(need.compactMap(\.stringValue)) == remote.subtracting(local), "\(c.name)")
            #expect(have.count + need.count == local.symmetricDifference(remote).count, "\(c.name): an id reported twice")
        }
    }
}
