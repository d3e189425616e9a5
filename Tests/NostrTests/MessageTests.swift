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

    @Test func subscriptionIDsAreBounded() {
        #expect(throws: NostrError.self) { try SubscriptionID("") }
        #expect(throws: NostrError.self) { try SubscriptionID(String(repeating: "a", count: 65)) }
        #expect((try? SubscriptionID(String(repeating: "a", count: 64))) != nil)
    }
}
