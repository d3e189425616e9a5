import Testing

@testable import Nostr

struct FilterTests {
    static let key = SecretKey.generate()
    static let other = SecretKey.generate()

    static func event(kind: UInt16 = 1, at time: Int64 = 1000, tags: [[String]] = [], by key: SecretKey = key) throws -> Event {
        try Event.sign(kind: kind, tags: tags, content: "c", createdAt: time, with: key)
    }

    @Test func sinceAndUntilAreBothInclusive() throws {
        let f = try Filter(json: "{\"since\":1000,\"until\":2000}")
        #expect(f.matches(try Self.event(at: 1000)))
        #expect(f.matches(try Self.event(at: 2000)))
        #expect(f.matches(try Self.event(at: 1500)))
        #expect(!f.matches(try Self.event(at: 999)))
        #expect(!f.matches(try Self.event(at: 2001)))
    }

    @Test func conditionsCombineWithAndValuesWithOr() throws {
        let e = try Self.event(kind: 7, tags: [["e", "x"], ["p", "y"], ["t", "nostr"]])
        let f = try Filter(json: "{\"kinds\":[1,7],\"authors\":[\"\(Self.key.publicKey.hex)\"],\"#t\":[\"bitcoin\",\"nostr\"],\"#e\":[\"x\"]}")
        #expect(f.matches(e))
        #expect(!(try Filter(json: "{\"kinds\":[1,2]}")).matches(e))
        #expect(!(try Filter(json: "{\"authors\":[\"\(Self.other.publicKey.hex)\"]}")).matches(e))
        #expect(!(try Filter(json: "{\"#t\":[\"bitcoin\"]}")).matches(e))
        #expect(!(try Filter(json: "{\"#e\":[\"y\"]}")).matches(e))  // value of another tag
        #expect((try Filter(json: "{\"ids\":[\"\(e.id.hex)\"]}")).matches(e))
        #expect(!(try Filter(json: "{\"ids\":[]}")).matches(e))  // an empty list matches nothing
        #expect((try Filter(json: "{}")).matches(e))
    }

    @Test func tagConditionsLookOnlyAtTheFirstValue() throws {
        let e = try Self.event(tags: [["e", "a", "b"], ["x"]])
        #expect((try Filter(json: "{\"#e\":[\"a\"]}")).matches(e))
        #expect(!(try Filter(json: "{\"#e\":[\"b\"]}")).matches(e))
        #expect(!(try Filter(json: "{\"#x\":[\"\"]}")).matches(e))
    }

    @Test func tagNamesAreCaseSensitive() throws {
        let e = try Self.event(tags: [["E", "a"]])
        #expect((try Filter(json: "{\"#E\":[\"a\"]}")).matches(e))
        #expect(!(try Filter(json: "{\"#e\":[\"a\"]}")).matches(e))
    }

    @Test func jsonRoundTrips() throws {
        let text = "{\"ids\":[\"\(String(repeating: "1", count: 64))\"],\"authors\":[\"\(Self.key.publicKey.hex)\"],\"kinds\":[0,1,30023],\"#d\":[\"a\\\"b\"],\"#p\":[\"x\",\"y\"],\"since\":5,\"until\":10,\"limit\":500,\"search\":\"q\"}"
        let f = try Filter(json: text)
        #expect(f.kinds == [0, 1, 30023])
        #expect(f.tags["d"] == ["a\"b"])
        #expect(f.limit == 500)
        #expect(try Filter(json: f.jsonText) == f)
        #expect(f.jsonText == text)  // sorted values, fixed field order
    }

    @Test func boundsAreConfigurable() throws {
        let tight = Filter.Limits(maxValues: 2, maxTagValueBytes: 3, maxLimit: 10)
        #expect(throws: NostrError.self) { try Filter(json: "{\"kinds\":[1,2,3]}", limits: tight) }
        #expect(throws: NostrError.self) { try Filter(json: "{\"#t\":[\"abcd\"]}", limits: tight) }
        #expect(throws: NostrError.self) { try Filter(json: "{\"limit\":11}", limits: tight) }
        #expect(try Filter(json: "{\"kinds\":[1,2],\"limit\":10}", limits: tight).limit == 10)
    }

    @Test func programmaticFiltersAreValidatedToo() {
        #expect(throws: NostrError.self) { try Filter(tags: ["ee": ["x"]]) }
        #expect(throws: NostrError.self) { try Filter(since: -1) }
        #expect(throws: NostrError.self) { try Filter(limit: -1) }
    }
}
