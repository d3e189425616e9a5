import Dispatch
import Glibc
public import Nostr

/// A deterministic stream of signed events shaped like the public network at scale, for
/// benchmarks that grow an archive to millions of events: the same seed gives the same
/// events, byte for byte, whatever the parallelism.
///
/// - Authors: `authors` keys (120,000 by default). Activity is heavy-tailed: seven in ten
///   events come from an author drawn log-uniformly (a few accounts post a lot), the rest
///   from one drawn uniformly, so every author appears within a few million events. Gift
///   wraps come from a separate pool of throwaway keys, as they do on the network.
/// - Kinds (share of events): reactions 7 (28%), notes 1 (30%), zap receipts 9735 (5%),
///   reposts 6 (4%), gift wraps 1059 (4%), profiles 0 (4%), contact lists 3 (2%), direct
///   messages 4 (2%), relay lists 10002 (2%), deletions 5 (1%), mute lists 10000 (1%),
///   live chat 1311 (2%), app data 30078 (1%), follow sets 30000 (0.5%), articles 30023
///   (0.5%), reports 1984 (0.5%), badge awards 8 (0.5%), others (6%: kind 1 again).
/// - Tags: notes carry replies (`e`), mentions (`p`), hashtags (`t`) and a `client`;
///   reactions `e`, `p`, `k`; zap receipts `p`, `e`, `P`, a bolt11 invoice and the zap
///   request; contact lists a long-tailed number of `p` tags (median about 150, up to 5,000)
///   naming popular authors more often, as follows do.
/// - Time: a clock advancing about ten events a second, each event up to five minutes
///   early (relays receive events out of order).
public struct NetworkCorpus: Sendable {
    var rng: SplitMix64
    let keys: [SecretKey]
    let pubkeys: [String]
    let throwaway: [SecretKey]
    /// The clock: the next events are at about this second.
    public private(set) var clock: Int64
    /// Ids of recent events, for `e` tags (replies and reactions mostly concern new notes).
    var recent: [String] = []
    var recentNext = 0
    public private(set) var produced = 0
    /// How many authors' keys it signs with.
    public var authors: Int { keys.count }

    /// An event before signing.
    struct Draft {
        var kind: UInt16
        var tags: [[String]]
        var content: String
        var createdAt: Int64
        var author: Int  // index into keys, or -1 - index into throwaway
        var aux: [UInt8]
    }

    /// - Parameters:
    ///   - seed: chooses the authors' keys and, with `stream`, the events.
    ///   - stream: another stream of events by the same authors (0: the main one).
    ///   - start: the clock's first second.
    public init(seed: UInt64, stream: UInt64 = 0, authors: Int = 120_000, start: Int64 = 1_700_000_000) {
        var rng = SplitMix64(seed: seed)
        func seeds(_ n: Int) -> [[UInt8]] {
            (0..<n).map { _ in (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } } }
        }
        let authorSeeds = seeds(max(1, authors))
        let throwawaySeeds = seeds(max(1, authors / 4))
        self.keys = Self.keys(from: authorSeeds)
        self.pubkeys = keys.map(\.publicKey.hex)
        self.throwaway = Self.keys(from: throwawaySeeds)
        self.rng = SplitMix64(seed: rng.next() ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        self.clock = start
    }

    /// Keys from 32-byte seeds, derived on every core; a seed outside the curve's order is
    /// bumped until it is a key (vanishingly rare).
    static func keys(from seeds: [[UInt8]]) -> [SecretKey] {
        let out = UnsafeMutableBufferPointer<SecretKey?>.allocate(capacity: seeds.count)
        out.initialize(repeating: nil)
        defer { out.deallocate() }
        let slots = SendablePointer(out)
        DispatchQueue.concurrentPerform(iterations: 16) { part in
            var i = part
            while i < seeds.count {
                var bytes = seeds[i]
                while true {
                    if let key = try? SecretKey(bytes: bytes) {
                        slots.buffer[i] = key
                        break
                    }
                    bytes[31] &+= 1
                }
                i += 16
            }
        }
        return out.compactMap { $0 }
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }

    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    /// An author index: log-uniform (heavy posters) seven times in ten, else uniform.
    mutating func author() -> Int {
        if chance(70) {
            let u = Double(rng.next() >> 11) / Double(1 << 53)
            return min(keys.count - 1, Int(Double(keys.count).logUniform(u)) - 1)
        }
        return int(0...keys.count - 1)
    }

    mutating func hex32() -> String {
        var out = ""
        out.reserveCapacity(64)
        for _ in 0..<4 {
            let s = String(rng.next(), radix: 16)
            out += String(repeating: "0", count: 16 - s.count) + s
        }
        return out
    }

    mutating func text(_ range: ClosedRange<Int>) -> String {
        let count = int(range)
        var out = ""
        out.reserveCapacity(count * 6)
        for i in 0..<count {
            if i > 0 { out += " " }
            out += CorpusGenerator.words[int(0...CorpusGenerator.words.count - 1)]
        }
        return out
    }

    /// Printable filler of about `bytes` bytes (encrypted payloads, invoices).
    mutating func base64(_ bytes: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes)
        while out.count < bytes {
            var word = rng.next()
            for _ in 0..<10 {
                out.append(alphabet[Int(word & 63)])
                word >>= 6
            }
        }
        return String(decoding: out.prefix(bytes), as: UTF8.self)
    }

    mutating func recentID() -> String {
        recent.isEmpty || chance(10) ? hex32() : recent[int(0...recent.count - 1)]
    }

    mutating func relay() -> String { CorpusGenerator.relays[int(0...CorpusGenerator.relays.count - 1)] }

    /// A long-tailed count: log-uniform between `low` and `high`.
    mutating func longTail(_ low: Int, _ high: Int) -> Int {
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        return min(high, low + Int(Double(high - low + 1).logUniform(u)) - 1)
    }

    mutating func draft() -> Draft {
        if int(0...2) == 0 { clock += 1 }
        let createdAt = chance(20) ? clock - Int64(int(1...300)) : clock
        var author = self.author()
        var kind: UInt16 = 1
        var tags: [[String]] = []
        var content = ""
        let roll = int(0...999)
        switch roll {
        case 0..<280:
            kind = 7
            content = ["+", "+", "+", "🤙", "⚡", "-", "💜", "🔥"][int(0...7)]
            tags = [["e", recentID()], ["p", pubkeys[self.author()]], ["k", "1"]]
        case 280..<330:
            kind = 9735
            author = int(0...19)  // a few zap providers sign every receipt
            let request = "{\"kind\":9734,\"content\":\"\",\"tags\":[[\"p\",\"\(pubkeys[self.author()])\"],[\"amount\",\"\(int(1...100) * 1000)\"]]}"
            tags = [
                ["p", pubkeys[self.author()]], ["e", recentID()], ["P", pubkeys[self.author()]],
                ["bolt11", "lnbc" + base64(int(300...420)).lowercased()], ["description", request],
            ]
        case 330..<370:
            kind = 6
            let reposted = recentID()
            tags = [["e", reposted, relay()], ["p", pubkeys[self.author()]]]
            content = chance(50) ? "" : "{\"id\":\"\(reposted)\",\"content\":\"\(text(5...60))\",\"kind\":1}"
        case 370..<410:
            kind = 1059
            author = -1 - int(0...throwaway.count - 1)
            tags = [["p", pubkeys[self.author()]]]
            content = base64(int(700...2400))
        case 410..<450:
            kind = 0
            content = "{\"name\":\"user\(int(0...99999))\",\"about\":\"\(text(3...50))\",\"picture\":\"https://example.com/\(hex32().prefix(16)).png\",\"nip05\":\"u@example.com\",\"lud16\":\"u@example.com\"}"
        case 450..<470:
            kind = 3
            tags = (0..<longTail(10, 5000)).map { _ in ["p", pubkeys[self.author()]] }
            content = chance(30) ? "{\"\(CorpusGenerator.relays[0])\":{\"read\":true,\"write\":true}}" : ""
        case 470..<490:
            kind = 4
            tags = [["p", pubkeys[self.author()]]]
            content = base64(int(60...600)) + "?iv=" + base64(24)
        case 490..<510:
            kind = 10002
            tags = (0..<int(2...10)).map { _ in ["r", relay()] + (chance(30) ? ["read"] : []) }
        case 510..<520:
            kind = 5
            tags = (0..<int(1...5)).map { _ in ["e", recentID()] }
        case 520..<530:
            kind = 10000
            tags = (0..<longTail(1, 300)).map { _ in ["p", pubkeys[self.author()]] }
        case 530..<550:
            kind = 1311
            tags = [["a", "30311:\(pubkeys[int(0...99)]):stream-\(int(0...50))", relay()]]
            content = text(1...20)
        case 550..<560:
            kind = 30078
            tags = [["d", "app-\(int(0...5))"]]
            content = base64(int(300...5000))
        case 560..<565:
            kind = 30000
            tags = [["d", "list-\(int(0...9))"]] + (0..<longTail(5, 500)).map { _ in ["p", pubkeys[self.author()]] }
        case 565..<570:
            kind = 30023
            content = "# " + text(6...6) + "\n\n" + (0..<int(4...30)).map { _ in text(40...120) }.joined(separator: "\n\n")
            tags = [["d", "article-\(int(0...20))"], ["title", text(5...5)], ["t", CorpusGenerator.words[int(0...15)]], ["published_at", "\(clock)"]]
        case 570..<575:
            kind = 1984
            tags = [["p", pubkeys[self.author()], "spam"], ["e", recentID(), "spam"]]
        case 575..<580:
            kind = 8
            tags = [["a", "30009:\(pubkeys[int(0...99)]):badge-\(int(0...9))"]] + (0..<int(1...20)).map { _ in ["p", pubkeys[self.author()]] }
        default:
            content = text(chance(80) ? 2...40 : 40...250)
            if chance(40) {
                let root = recentID()
                tags.append(["e", root, relay(), "root"])
                if chance(50) { tags.append(["e", recentID(), relay(), "reply"]) }
            }
            for _ in 0..<(chance(50) ? int(1...3) : 0) { tags.append(["p", pubkeys[self.author()]]) }
            for _ in 0..<(chance(25) ? int(1...4) : 0) { tags.append(["t", CorpusGenerator.words[int(0...15)]]) }
            if chance(30) { tags.append(["client", ["amethyst", "damus", "primal", "coracle"][int(0...3)]]) }
        }
        let aux = (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } }
        return Draft(kind: kind, tags: tags, content: content, createdAt: createdAt, author: author, aux: aux)
    }

    /// The next `count` events as JSON lines (each without its newline), signed on
    /// `parallelism` threads.
    public mutating func next(_ count: Int, parallelism: Int) -> [[UInt8]] {
        let drafts = (0..<count).map { _ in draft() }
        let out = UnsafeMutableBufferPointer<[UInt8]>.allocate(capacity: count)
        out.initialize(repeating: [])
        defer { out.deallocate() }
        let slots = SendablePointer(out)
        let ids = UnsafeMutableBufferPointer<String>.allocate(capacity: count)
        ids.initialize(repeating: "")
        defer { ids.deallocate() }
        let idSlots = SendablePointer(ids)
        let (keys, throwaway) = (self.keys, self.throwaway)
        let threads = max(1, parallelism)
        DispatchQueue.concurrentPerform(iterations: threads) { part in
            var i = part
            while i < count {
                let d = drafts[i]
                let key = d.author >= 0 ? keys[d.author] : throwaway[-1 - d.author]
                // The drafts are well-formed by construction; signing them cannot fail.
                guard let event = try? Event.sign(kind: d.kind, tags: d.tags, content: d.content, createdAt: d.createdAt, with: key, auxRand: d.aux)
                else { preconditionFailure("network corpus event failed to sign") }
                slots.buffer[i] = event.jsonBytes
                if event.kind == 1 { idSlots.buffer[i] = event.id.hex }
                i += threads
            }
        }
        for id in ids where !id.isEmpty {
            if recent.count < 10_000 {
                recent.append(id)
            } else {
                recent[recentNext] = id
                recentNext = (recentNext + 1) % recent.count
            }
        }
        produced += count
        return Array(out)
    }
}

/// A buffer written by disjoint indexes from several threads.
struct SendablePointer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}

extension Double {
    /// `self` raised to `u`: for u uniform in [0, 1), a log-uniform draw in [1, self).
    fileprivate func logUniform(_ u: Double) -> Double { Glibc.exp(Glibc.log(self) * u) }
}
