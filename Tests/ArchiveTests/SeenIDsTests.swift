import Crypto
import Nostr
import Testing

@testable import Archive

/// The reindex's filter of ids seen before flags every repeat, and few others.
struct SeenIDsTests {
    /// Distinct ids, as SHA-256 output (as event ids are).
    static func ids(_ count: Int, salt: UInt8) -> [EventID] {
        (0..<count).compactMap { i in
            EventID(bytes: Array(SHA256.hash(data: [salt, UInt8(i & 0xFF), UInt8(i >> 8 & 0xFF), UInt8(i >> 16)])))
        }
    }

    @Test func everyRepeatIsFlagged() {
        let ids = Self.ids(20_000, salt: 1)
        var seen = SeenIDs(expected: ids.count)
        for id in ids { _ = seen.insert(id) }
        #expect([ids[3], ids[19_999], ids[3]].allSatisfy { seen.insert($0) })
    }

    /// Distinct ids are rarely flagged: at 16 bits or more per id, about 1 in 500 at most.
    @Test(arguments: [1_000, 50_000])
    func distinctIdsAreRarelyFlagged(count: Int) {
        var seen = SeenIDs(expected: count)
        let flagged = Self.ids(count, salt: 2).filter { seen.insert($0) }.count
        #expect(flagged <= max(2, count / 500))
    }

    /// Far more ids than expected: the filter fills and flags more, but still every repeat.
    @Test func anOverfullFilterStillFlagsEveryRepeat() {
        let ids = Self.ids(60_000, salt: 3)
        var seen = SeenIDs(expected: 10)
        let flagged = ids.filter { seen.insert($0) }.count
        #expect(flagged < ids.count)
        #expect(ids.prefix(100).allSatisfy { seen.insert($0) })
    }
}
