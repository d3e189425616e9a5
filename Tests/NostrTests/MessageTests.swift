import Testing

@testable import Nostr

struct MessageTests {
    static let key = SecretKey.generate()

    @Test func decodesEveryRelayMessageType() throws {
        let event = try Event.sign(kind: 1, tags: [["t", "x"]], content: "hello \"world\"\n", createdAt: 42, with: Self.key)
        #expect(try RelayMessage(json: "[\"EVENT\",\"sub1\",\(event.jsonText)]") == .event(subscription: "sub1", event))
        #expect(try RelayMessage(json: " [ \"EOSE\" , \"sub1\" ] ") == .eose(subscription: "sub1"))
        #expect(try RelayMessage(json: "[\"OK\",\"\(event.id.hex)\",true,\"\"]") == .ok(eventID: event.id, accepted: true, message: ""))
        #expect(
            try RelayMessage(json: "[\"OK\",\"\(event.id.hex)\",false,\"blocked: no\"]")
                == .ok(eventID: event.id, accepted: false, message: "blocked: no"))
        #expect(try RelayMessage(json: "[\"OK\",\"\(event.id.hex)\",true]") == .ok(eventID: event.id, accepted: true, message: ""))
        #expect(
            try RelayMessage(json: "[\"CLOSED\",\"s\",\"auth-required: sign in\"]")
                == .closed(subscription: "s", message: "auth-required: sign in"))
        #expect(try RelayMessage(json: "[\"NOTICE\",\"slow down\"]") == .notice("slow down"))
        #expect(try RelayMessage(json: "[\"AUTH\",\"challenge-123\"]") == .auth(challenge: "challenge-123"))
        #expect(
            try RelayMessage(json: "[\"COUNT\",\"c\",{\"count\":238}]") == .count(subscription: "c", count: 238, approximate: false))
        #expect(
            try RelayMessage(json: "[\"COUNT\",\"c\",{\"count\":5,\"approximate\":true}]")
                == .count(subscription: "c", count: 5, approximate: true))
    }

    @Test func encodesClientMessages() throws {
        let sub = try SubscriptionID("s1")
        let filter = try Filter(kinds: [1], since: 10, limit: 5)
        #expect(ClientMessage.req(sub, [filter]).jsonText == "[\"REQ\",\"s1\",{\"kinds\":[1],\"since\":10,\"limit\":5}]")
        #expect(ClientMessage.count(sub, [filter, try Filter()]).jsonText == "[\"COUNT\",\"s1\",{\"kinds\":[1],\"since\":10,\"limit\":5},{}]")
        #expect(ClientMessage.close(sub).jsonText == "[\"CLOSE\",\"s1\"]")
        let event = try Event.sign(kind: 22242, tags: [["challenge", "c"]], content: "\u{01}", createdAt: 1, with: Self.key)
        let text = ClientMessage.auth(event).jsonText
        #expect(text.hasPrefix("[\"AUTH\",{\"id\":\"\(event.id.hex)\""))
        #expect(text.contains("\"content\":\"\\u0001\""))  // control characters escaped on the wire
        guard case .event(_, let back) = try RelayMessage(json: "[\"EVENT\",\"x\"," + ClientMessage.event(event).jsonText.dropFirst(9))
        else { Issue.record("EVENT did not decode"); return }
        #expect(back == event)
    }

    /// NIP-77's messages both ways; a NEG-MSG or NEG-ERR missing a part is refused.
    @Test func negentropyMessages() throws {
        let sub = try SubscriptionID("neg")
        #expect(
            ClientMessage.negOpen(sub, try Filter(kinds: [22456]), hex: "6100000200").jsonText
                == #"["NEG-OPEN","neg",{"kinds":[22456]},"6100000200"]"#)
        #expect(ClientMessage.negClose(sub).jsonText == #"["NEG-CLOSE","neg"]"#)
        #expect(try RelayMessage(json: #"["NEG-MSG","neg","6100"]"#) == .negMessage(subscription: "neg", hex: "6100"))
        #expect(
            try RelayMessage(json: #"["NEG-ERR","neg","blocked: too many query results"]"#)
                == .negError(subscription: "neg", reason: "blocked: too many query results"))
        for bad in [#"["NEG-MSG","neg"]"#, #"["NEG-ERR","neg",1]"#, #"["NEG-MSG","neg","61","extra"]"#] {
            #expect(throws: NostrError.self, "\(bad)") { try RelayMessage(json: bad) }
        }
    }

    @Test func subscriptionIDsAreBounded() {
        #expect(throws: NostrError.self) { try SubscriptionID("") }
        #expect(throws: NostrError.self) { try SubscriptionID(String(repeating: "a", count: 65)) }
        #expect((try? SubscriptionID(String(repeating: "a", count: 64))) != nil)
    }
}
