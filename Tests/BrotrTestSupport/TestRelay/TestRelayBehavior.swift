/// The knobs of ``TestRelay``: each one bends or breaks NIP-01 the way some relay in the
/// wild does, so that a test can show brotr still ends up with exactly the right events.
public struct TestRelayBehavior: Sendable {
    /// At most this many events per REQ, whatever the client asked (newest first).
    public var pageCap: Int?
    /// Serve every stored event in range, ignoring the filter's `limit` (the cap still applies).
    public var ignoreLimit = false
    /// Treat `until` as exclusive, as nostr-relay does.
    public var exclusiveUntil = false
    /// Send the events of a page in random order instead of newest first.
    public var shuffle = false
    /// Send every event twice.
    public var duplicate = false
    /// Ignore `kinds` and `authors` in filters, serving events outside them.
    public var ignoreKindsAndAuthors = false
    /// After every this many events, send a message that is not JSON.
    public var garbageEvery: Int?
    /// After every this many events, send a message of `oversizedBytes` bytes.
    public var oversizedEvery: Int?
    public var oversizedBytes = 5 << 20
    /// On the first `misbehavingConnections` connections, stop sending (but keep the socket
    /// open) after this many events.
    public var stallAfter: Int?
    /// On the first `misbehavingConnections` connections, drop the TCP connection after this
    /// many events.
    public var disconnectAfter: Int?
    /// How many connections stall or disconnect; later ones behave.
    public var misbehavingConnections = Int.max
    /// Demand NIP-42 AUTH before answering any REQ or taking any EVENT.
    public var requireAuth = false
    /// Refuse every published event with OK false and this message ("restricted: ...").
    public var rejectWrites: String?
    /// Refuse published events whose id has fewer leading zero bits (NIP-13).
    public var minPow: Int?
    /// Say OK true to ephemeral events but pass them to no subscriber.
    public var swallowEphemeral = false
    /// The NIP-11 document served to a GET with `Accept: application/nostr+json`, with its
    /// content type; nil: 404.
    public var information: (contentType: String, body: [UInt8])?
    /// Answer a valid NIP-42 AUTH with OK false.
    public var refuseAuth = false
    /// Say nothing at all to NEG-OPEN (by default the relay answers it with a NOTICE, as
    /// relays without NIP-77 do).
    public var ignoreNegentropy = false
    /// Answer NIP-77 reconciliation (a responder built on brotr's own reconciler), and how.
    /// nil: NEG-OPEN gets a NOTICE (or nothing, with `ignoreNegentropy`).
    public var negentropy: NegentropyResponder?
    /// Refuse a NEG-OPEN whose filter matches more than this many events, as strfry does
    /// past its limit (`blocked: too many query results`); nil: no limit, -1: refuse all.
    public var negentropyMaxItems: Int?
    /// Headers added to the WebSocket upgrade response (Server, X-Powered-By).
    public var upgradeHeaders: [(name: String, value: String)] = []
    /// Handle every client message this many milliseconds late (a slow relay); 0: at once.
    public var answerDelayMilliseconds = 0

    public init() {}
}

/// How the test relay answers NIP-77: properly, or in one of the ways a responder can fail.
public enum NegentropyResponder: Sendable, Equatable {
    /// Answers as a relay with NIP-77 does.
    case answers
    /// Answers this many messages, then NEG-ERR.
    case errorAfter(Int)
    /// Answers with text that is not hex.
    case malformedHex
    /// Answers every message with one random fingerprint over everything: never agrees.
    case neverConverges
    /// Answers with a message larger than any sane frame (5 MiB).
    case oversizedFrame
}
