import BrotrTestSupport
import Crypto
import Foundation
import Testing

@testable import Nostr

/// NIP-77 negentropy: the message codec, fingerprints, and reconciliation between the
/// project's initiator and responder on random sets, with and without frame limits.
struct NegentropyTests {
    static func id(_ rng: inout SplitMix64) -> EventID {
        var bytes: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: rng.next()) { bytes += $0 } }
        return EventID(bytes: bytes) ?? EventID(bytes: [UInt8](repeating: 0, count: 32))!
    }

    /// Two sets sharing `shared` items, with `onlyA` and `onlyB` items of their own; times
    /// crowd into few seconds so that bounds need id prefixes.
    static func sets(shared: Int, onlyA: Int, onlyB: Int, seed: UInt64) -> (a: [NegentropyItem], b: [NegentropyItem]) {
        var rng = SplitMix64(seed: seed)
        func item() -> NegentropyItem { NegentropyItem(timestamp: 1_700_000_000 + rng.next() % 5000, id: id(&rng)) }
        let common = (0..<shared).map { _ in item() }
        return (common + (0..<onlyA).map { _ in item() }, common + (0..<onlyB).map { _ in item() })
    }

    /// Runs a reconciliation to its end; returns what the initiator has and needs, the
    /// rounds, and the largest message either side wrote.
    static func reconcile(_ a: [NegentropyItem], _ b: [NegentropyItem], frameLimit: Int = 0) throws
        -> (have: Set<EventID>, need: Set<EventID>, rounds: Int, largest: Int)
    {
        let initiator = try NegentropyReconciler(set: NegentropySet(a), frameLimit: frameLimit)
        let responder = try NegentropyReconciler(set: NegentropySet(b), frameLimit: frameLimit)
        var have: [EventID] = [], need: [EventID] = []
        var message: [UInt8]? = initiator.initiate()
        var rounds = 0, largest = 0
        while let query = message, rounds < 2000 {
            largest = max(largest, query.count)
            let answer = try responder.respond(query)
            largest = max(largest, answer.count)
            message = try initiator.reconcile(answer, have: &have, need: &need)
            rounds += 1
        }
        #expect(message == nil, "no end after \(rounds) rounds")
        #expect(Set(have).count == have.count && Set(need).count == need.count, "an id reported twice")
        return (Set(have), Set(need), rounds, largest)
    }

    @Test func varintsAndMessagesRoundTrip() throws {
        var out: [UInt8] = []
        for value: UInt64 in [0, 127, 128, 16383, 16384, .max] { NegentropyVarint.append(value, to: &out) }
        #expect(out.prefix(8) == [0x00, 0x7F, 0x81, 0x00, 0xFF, 0x7F, 0x81, 0x80])
        var rng = SplitMix64(seed: 1)
        let ranges: [NegentropyMessage.Range] = [
            .init(upper: NegentropyBound(timestamp: 10), payload: .skip),
            .init(upper: NegentropyBound(timestamp: 10, idPrefix: [0xAB]), payload: .fingerprint(NegentropyFingerprint(bytes: Array(0..<16)))),
            .init(upper: NegentropyBound(timestamp: 1000, idPrefix: Array(repeating: 7, count: 32)), payload: .ids([Self.id(&rng), Self.id(&rng)])),
            .init(upper: .infinity, payload: .ids([])),
        ]
        let bytes = NegentropyMessage.encode(ranges)
        #expect(bytes.first == 0x61)
        // The first bound: 10 as 1 + 10 - 0, an empty prefix, mode 0.
        #expect(Array(bytes[1...3]) == [11, 0, 0])
        #expect(try NegentropyMessage.decode(bytes) == .ranges(ranges))
        #expect(try NegentropyMessage.decode([0x61]) == .ranges([]))
        #expect(try NegentropyMessage.decode([0x62, 1, 2]) == .otherVersion(0x62))
    }

    @Test func malformedMessagesAreRefused() throws {
        let refused: [[UInt8]] = [
            [], [0x50], [0x61, 5], [0x61, 1, 0, 3], [0x61, 1, 0, 1, 1, 2], [0x61, 1, 40] + Array(repeating: 0, count: 40),
            [0x61, 1, 0, 2, 0xFF, 0xFF, 0xFF, 0x7F], [0x61] + Array(repeating: 0xFF, count: 11),
        ]
        for message in refused {
            #expect(throws: NostrError.self, "\(message.prefix(12))") { _ = try NegentropyMessage.decode(message) }
        }
        let responder = try NegentropyReconciler(set: NegentropySet([]))
        // An unknown version gets the version this side speaks; the initiator refuses it.
        #expect(try responder.respond([0x62]) == [0x61])
        var have: [EventID] = [], need: [EventID] = []
        #expect(throws: NostrError.self) { _ = try responder.reconcile([0x62], have: &have, need: &need) }
        #expect(throws: NostrError.self) { _ = try NegentropyReconciler(set: NegentropySet([]), frameLimit: 1000) }
    }

    @Test func fingerprintsAreSHA256OfTheSumAndCount() throws {
        // Two ids whose sum carries across every 64-bit word: 0xFF..FF + 1 = 0 (mod 2^256).
        let ones = try #require(EventID(bytes: Array(repeating: 0xFF, count: 32)))
        let one = try #require(EventID(bytes: [1] + Array(repeating: 0, count: 31)))
        let set = NegentropySet([NegentropyItem(timestamp: 1, id: ones), NegentropyItem(timestamp: 2, id: one)])
        let expected = Array(SHA256.hash(data: Array(repeating: 0, count: 32) + [2]).prefix(16))
        #expect(set.fingerprint(0..<2).bytes == expected)
        #expect(NegentropySet([]).fingerprint(0..<0).bytes == Array(SHA256.hash(data: Array(repeating: 0, count: 32) + [0]).prefix(16)))
    }

    @Test(arguments: [
        (0, 0, 0), (0, 0, 5), (0, 5, 0), (31, 1, 0), (32, 0, 1), (100, 10, 10), (1000, 0, 0), (1000, 37, 41), (0, 3000, 0), (0, 0, 3000),
        (20_000, 200, 200), (1_000_000, 1000, 1000), (0, 1_000_000, 0),
    ])
    func reconciliationFindsWhatEachSideLacks(shared: Int, onlyA: Int, onlyB: Int) throws {
        let (a, b) = Self.sets(shared: shared, onlyA: onlyA, onlyB: onlyB, seed: UInt64(shared * 31 + onlyA * 7 + onlyB))
        let result = try Self.reconcile(a, b)
        #expect(result.have == Set(a.map(\.id)).subtracting(b.map(\.id)))
        #expect(result.need == Set(b.map(\.id)).subtracting(a.map(\.id)))
    }

    @Test func framesStayUnderTheLimitAndStillConverge() throws {
        let (a, b) = Self.sets(shared: 30_000, onlyA: 300, onlyB: 300, seed: 9)
        let limited = try Self.reconcile(a, b, frameLimit: 4096)
        #expect(limited.largest <= 4096, "a message of \(limited.largest) bytes")
        #expect(limited.have == Set(a.map(\.id)).subtracting(b.map(\.id)))
        #expect(limited.need == Set(b.map(\.id)).subtracting(a.map(\.id)))
        let open = try Self.reconcile(a, b)
        #expect(open.rounds < limited.rounds && open.largest > 4096)
        // strfry's client limit, with many more differences.
        let (c, d) = Self.sets(shared: 30_000, onlyA: 1500, onlyB: 1500, seed: 10)
        let strfry = try Self.reconcile(c, d, frameLimit: 60_000)
        #expect(strfry.largest <= 60_000)
        #expect(strfry.have == Set(c.map(\.id)).subtracting(d.map(\.id)) && strfry.need == Set(d.map(\.id)).subtracting(c.map(\.id)))
    }

    @Test func equalTimesAreSplitByIdPrefixes() throws {
        // Every item in one second: only id prefixes can separate the ranges.
        var rng = SplitMix64(seed: 4)
        let common = (0..<5000).map { _ in NegentropyItem(timestamp: 42, id: Self.id(&rng)) }
        let extraA = (0..<20).map { _ in NegentropyItem(timestamp: 42, id: Self.id(&rng)) }
        let extraB = (0..<20).map { _ in NegentropyItem(timestamp: 42, id: Self.id(&rng)) }
        let result = try Self.reconcile(common + extraA, common + extraB, frameLimit: 4096)
        #expect(result.have == Set(extraA.map(\.id)) && result.need == Set(extraB.map(\.id)))
    }
}
