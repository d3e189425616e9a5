import Foundation
import Nostr

/// One REQ over an open connection: sends it, reads to EOSE, and keeps the events that
/// match and fall in the window, packed (their ids and signatures are checked once their
/// window is complete). Answers NIP-42 AUTH when a key is configured.
final class PageFetcher {
    /// What one REQ returned.
    struct Page {
        /// Matching, in-window events, each once, not yet verified.
        var events: [PackedEvent] = []
        /// Their size as received.
        var bytes = 0
        /// EVENT messages received for the REQ, whatever their validity.
        var raw = 0
        /// The oldest created_at among the in-window events received (valid or not).
        var oldest: Int64?
        /// The relay sent more than ``StreamOptions/maxEventsPerFetch`` events, or more than
        /// ``StreamOptions/maxPageBytes`` bytes of them, and was cut off.
        var flooded = false
    }

    let connection: RelayConnection
    let options: StreamOptions
    var quirks: RelayQuirks
    var statistics = StreamStatistics()
    private var nextSubscription = 0
    private var challenge: String?
    private var authenticated = false

    init(connection: RelayConnection, options: StreamOptions, quirks: RelayQuirks) {
        self.connection = connection
        self.options = options
        self.quirks = quirks
    }

    /// Fetches the events of `filters` in `[since, until]`, asking for `limit` per filter.
    /// - Parameter exactUntil: send `until` as it is even while the relay's reading of it is
    ///   unknown (the probe that learns it).
    func fetch(_ filters: [Filter], since: Int64, until: Int64, limit: Int, exactUntil: Bool = false) async throws -> Page {
        // Unless the relay is known to treat until inclusively, ask one second more and
        // filter locally: correct either way.
        let sentUntil = exactUntil || quirks.untilExclusive == false ? until : until + 1
        let windowed = try filters.map { try $0.with(since: since, until: until, limit: nil) }
        let sent = try filters.map { try $0.with(since: since, until: sentUntil, limit: limit) }
        var authRetries = 0
        while true {
            nextSubscription += 1
            let sub = try SubscriptionID("brotr-\(nextSubscription)")
            statistics.requests += 1
            try await connection.send(.req(sub, sent))
            if let page = try await read(sub, windowed: windowed, since: since, until: until, limit: limit) { return page }
            // CLOSED auth-required: authenticate once, then ask again.
            authRetries += 1
            guard authRetries == 1, try await authenticate() else {
                throw TransportError(.protocolError, "the relay requires NIP-42 AUTH" + (options.authKey == nil ? " and no key is configured" : " and refused ours"))
            }
        }
    }

    /// Reads the answer to `sub`; nil when the relay closed it asking for AUTH.
    private func read(_ sub: SubscriptionID, windowed: [Filter], since: Int64, until: Int64, limit: Int) async throws -> Page? {
        let deadline = ContinuousClock.now + options.fetchTimeout
        var page = Page()
        var seen = Set<EventID>()
        var previous = Int64.max
        while true {
            guard ContinuousClock.now < deadline else {
                throw TransportError(.readTimeout, "no EOSE within \(options.fetchTimeout)")
            }
            switch try await connection.receivePacked() {
            case .malformed:
                statistics.malformed += 1
            case .message(.event(let subscription, let event), let bytes):
                guard subscription == sub.value else { continue }
                page.raw += 1
                statistics.received += 1
                if event.createdAt > previous { quirks.unordered = true }
                previous = event.createdAt
                if page.raw > limit { quirks.ignoresLimit = true }
                accept(event, bytes: bytes, windowed: windowed, since: since, until: until, seen: &seen, into: &page)
                if page.raw >= options.maxEventsPerFetch || page.bytes >= options.maxPageBytes {
                    page.flooded = true
                    try await connection.send(.close(sub))
                    return page
                }
            case .message(.message(let message), _):
                switch message {
                case .eose(let subscription) where subscription == sub.value:
                    try await connection.send(.close(sub))
                    return page
                case .closed(let subscription, let reason) where subscription == sub.value:
                    if reason.hasPrefix("auth-required") {
                        quirks.requiresAuth = true
                        return nil
                    }
                    throw TransportError(.protocolError, "the relay closed the subscription: \(reason.prefix(200))")
                case .auth(let challenge):
                    self.challenge = challenge
                    quirks.requiresAuth = true
                default:
                    continue  // NOTICE, OK, and messages of subscriptions already closed
                }
            }
        }
    }

    private func accept(
        _ event: PackedEvent, bytes: Int, windowed: [Filter], since: Int64, until: Int64, seen: inout Set<EventID>, into page: inout Page
    ) {
        guard event.createdAt >= since && event.createdAt <= until else { return }
        page.oldest = min(page.oldest ?? .max, event.createdAt)
        guard bytes <= options.maxEventBytes else { statistics.oversized += 1; return }
        guard windowed.contains(where: { $0.matches(event) }) else { statistics.outsideFilter += 1; return }
        guard seen.insert(event.id).inserted else { statistics.duplicate += 1; return }
        page.bytes += bytes
        page.events.append(event)
    }

    /// Answers the relay's challenge; true once the relay accepted.
    private func authenticate() async throws -> Bool {
        guard let key = options.authKey else { return false }
        let deadline = ContinuousClock.now + options.fetchTimeout
        while challenge == nil {
            guard ContinuousClock.now < deadline else { return false }
            if case .message(.auth(let c), _) = try await connection.receive() { challenge = c }
        }
        guard let challenge, !authenticated else { return false }
        let event = try Event.sign(
            kind: 22242, tags: [["relay", connection.url.url], ["challenge", challenge]], content: "",
            createdAt: Int64(Date().timeIntervalSince1970), with: key)
        try await connection.send(.auth(event))
        while ContinuousClock.now < deadline {
            if case .message(.ok(let id, let accepted, _), _) = try await connection.receive(), id == event.id {
                authenticated = accepted
                return accepted
            }
        }
        return false
    }
}
