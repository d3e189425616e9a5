import BrotrTestSupport
import Foundation
import Nostr
import Testing
import Transport

/// brotr's NIP-77 initiator against an independent responder: rust-nostr's, in nostr-sdk
/// 0.45.1's LocalRelay on 127.0.0.1. Each side holds events the other lacks, or one side
/// holds nothing; small frames force many rounds.
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
}
