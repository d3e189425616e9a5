public import Nostr

/// A deterministic stream of signed events shaped like real Nostr traffic, for tests and
/// benchmarks: the same seed gives the same events, byte for byte.
///
/// Mix (by share of events): kind 1 notes 60% (10-600 characters, 0-6 tags), kind 7
/// reactions 27%, kind 0 profiles 5%, kind 3 contact lists 2% (10-800 `p` tags, one in
/// twenty 2000-5000), kind 10002 relay lists 4% (loopback relays only), kind 30023
/// articles 2% (2-20 KB, several versions of the same `d`). That averages about 1.5 KB of
/// JSON per event. Timestamps advance slowly, so many events
/// share a second.
public struct CorpusGenerator: Sendable {
    var rng: SplitMix64
    let keys: [SecretKey]
    var clock: Int64
    var recent: [String] = []  // ids of recent events, for e tags
    public private(set) var produced = 0

    /// Loopback relay URLs the corpus refers to (kind 10002 `r` tags, e-tag hints).
    public static let relays = (0..<8).map { "ws://127.0.0.1:\(17000 + $0)" }

    public init(seed: UInt64, authors: Int = 300, start: Int64 = 1_700_000_000) {
        var rng = SplitMix64(seed: seed)
        var keys: [SecretKey] = []
        while keys.count < max(1, authors) {
            let bytes = (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } }
            if let key = try? SecretKey(bytes: bytes) { keys.append(key) }
        }
        self.rng = rng
        self.keys = keys
        self.clock = start
    }

    static let words = [
        "nostr", "relay", "bitcoin", "zap", "lightning", "note", "gm", "pubkey", "freedom", "protocol", "client",
        "signal", "mempool", "coffee", "sats", "hello", "world", "the", "and", "a", "is", "of", "to", "in", "it",
        "for", "on", "with", "this", "that", "🤙", "⚡", "💜", "🫂", "日本", "Ñandú", "ça", "\"quoted\"", "back\\slash",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }

    mutating func text(words count: Int) -> String {
        (0..<count).map { _ in Self.words[int(0...Self.words.count - 1)] }.joined(separator: " ")
    }

    mutating func hex32() -> String {
        (0..<4).map { _ in
            let s = String(rng.next(), radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
    }

    /// The next signed event.
    public mutating func next() -> Event {
        produced += 1
        if int(0...2) == 0 { clock += Int64(int(0...3)) }
        let key = keys[int(0...keys.count - 1)]
        let roll = int(0...99)
        var kind: UInt16 = 1
        var tags: [[String]] = []
        var content = ""
        switch roll {
        case 0..<60:
            content = text(words: int(2...90))
            for _ in 0..<int(0...6) {
                switch int(0...2) {
                case 0: tags.append(["e", recent.randomPick(&rng) ?? hex32(), Self.relays[int(0...7)], "reply"])
                case 1: tags.append(["p", keys[int(0...keys.count - 1)].publicKey.hex])
                default: tags.append(["t", Self.words[int(0...15)]])
                }
            }
        case 60..<87:
            kind = 7
            content = ["+", "🤙", "⚡", "-", "💜"][int(0...4)]
            tags = [["e", recent.randomPick(&rng) ?? hex32()], ["p", keys[int(0...keys.count - 1)].publicKey.hex]]
        case 87..<92:
            kind = 0
            content = "{\"name\":\"user\(int(0...9999))\",\"about\":\"\(text(words: int(5...60)))\",\"picture\":\"https://example.com/\(hex32().prefix(16)).png\",\"nip05\":\"u@example.com\"}"
        case 92..<94:
            kind = 3
            let count = int(0...19) == 0 ? int(2000...5000) : int(10...800)
            tags = (0..<count).map { _ in ["p", hex32()] }
            content = int(0...1) == 0 ? "" : "{\"\(Self.relays[0])\":{\"read\":true,\"write\":true}}"
        case 94..<98:
            kind = 10002
            tags = (0..<int(3...10)).map { _ in ["r", Self.relays[int(0...7)]] + (int(0...2) == 0 ? ["read"] : []) }
        default:
            kind = 30023
            content = "# " + text(words: 6) + "\n\n" + (0..<int(4...30)).map { _ in text(words: int(40...120)) }.joined(separator: "\n\n")
            tags = [["d", "article-\(int(0...20))"], ["title", text(words: 5)], ["t", Self.words[int(0...15)]], ["published_at", "\(clock)"]]
        }
        let aux = (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } }
        // The inputs are well-formed by construction; signing them cannot fail.
        guard let event = try? Event.sign(kind: kind, tags: tags, content: content, createdAt: clock, with: key, auxRand: aux) else {
            preconditionFailure("corpus event failed to sign")
        }
        if kind == 1 {
            recent.append(event.id.hex)
            if recent.count > 64 { recent.removeFirst() }
        }
        return event
    }

    /// `count` events as JSON lines (each without its newline).
    public static func jsonLines(count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = CorpusGenerator(seed: seed)
        return (0..<count).map { _ in generator.next().jsonBytes }
    }
}

/// A small deterministic random number generator.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array {
    fileprivate func randomPick(_ rng: inout SplitMix64) -> Element? {
        isEmpty ? nil : self[Int(rng.next() % UInt64(count))]
    }
}
