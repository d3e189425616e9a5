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

    @Test func everyRepeatIsASuspectUnderItsPrefix() {
        let ids = Self.ids(20_000, salt: 1)
        var seen = SeenIDs(expected: ids.count)
        for id in ids { seen.insert(id) }
        let before = seen.suspects?.count ?? -1
        let repeated = [ids[3], ids[19_999], ids[3]]
        for id in repeated { seen.insert(id) }
        #expect(seen.suspects?.count == before + 3)
        #expect(seen.suspects.map { Array($0.suffix(3)) } == repeated.map { Array($0.bytes.prefix(8)) })
    }

    /// Distinct ids are rarely flagged: at 16 bits or more per id, about 1 in 500 at most.
    @Test(arguments: [1_000, 50_000])
    func distinctIdsAreRarelySuspects(count: Int) {
        var seen = SeenIDs(expected: count)
        for id in Self.ids(count, salt: 2) { seen.insert(id) }
        #expect((seen.suspects?.count ?? .max) <= max(2, count / 500))
    }

    /// Far more ids than expected: the filter fills and flags more, but still every repeat.
    @Test func anOverfullFilterStillFlagsEveryRepeat() {
        let ids = Self.ids(60_000, salt: 3)
        var seen = SeenIDs(expected: 10)
        for id in ids { seen.insert(id) }
        let before = seen.suspects?.count ?? -1
        for id in ids.prefix(100) { seen.insert(id) }
        #expect(seen.suspects?.count == before + 100)
    }

    /// Past its capacity the list is dropped (nil): the reindex then searches every id.
    @Test func tooManySuspectsGiveUpTheList() {
        let ids = Self.ids(100, salt: 4)
        var seen = SeenIDs(expected: 100, suspectCapacity: 3)
        for id in ids { seen.insert(id) }
        for id in ids.prefix(3) { seen.insert(id) }
        #expect(seen.suspects?.count == 3)
        seen.insert(ids[3])
        #expect(seen.suspects == nil)
        seen.insert(ids[4])
        #expect(seen.suspects == nil)
    }
}
