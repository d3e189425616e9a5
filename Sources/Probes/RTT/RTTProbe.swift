import Foundation
public import Nostr
public import Transport

/// NIP-66's round trips: open (the WebSocket), read (the first answer to a limit-1 REQ)
/// and write (a kind 22456 event signed by the monitor key), in milliseconds, each with
/// its own outcome. Never throws.
///
/// Kind 22456 is ephemeral: a relay passes it to live subscribers and stores nothing. So
/// the write is verified through a subscription to the event's id opened before it is
/// published: a relay that says OK true and then delivers it wrote it; one that says OK
/// true and delivers nothing is "unverified"; OK false is a rejection, with the relay's
/// reason (its prefix, `auth-required:`, `pow:`, `restricted:`, is what NIP-66's `R` tags
/// are made of). When the relay's NIP-11 asks for proof of work, the event carries it.
public enum RTTProbe {
    public struct Settings: Sendable, Hashable {
        /// The longest wait for any one answer.
        public var timeout: Duration
        /// The most proof of work mined for a write; a relay asking more is not written to.
        public var maxPowDifficulty: Int

        public init(timeout: Duration = .seconds(10), maxPowDifficulty: Int = 24) {
            self.timeout = timeout
            self.maxPowDifficulty = maxPowDifficulty
        }
    }

    /// What one phase found.
    public struct Phase: Sendable, Hashable {
        /// Milliseconds, when the phase succeeded.
        public var milliseconds: Int?
        public var success: Bool
        public var reason: String?

        public init(milliseconds: Int?, success: Bool, reason: String?) {
            self.milliseconds = milliseconds
            self.success = success
            self.reason = reason
        }

        public static func ok(_ ms: Int) -> Phase { Phase(milliseconds: ms, success: true, reason: nil) }
        public static func failed(_ reason: String) -> Phase { Phase(milliseconds: nil, success: false, reason: reason) }
    }

    /// The three phases. `write` is nil when no monitor key was given.
    public struct Measurement: Sendable, Hashable {
        public var open: Phase
        public var read: Phase
        public var write: Phase?
        /// What opening the connection took and showed; nil when it did not open.
        public var handshake: ConnectionHandshake?

        public init(open: Phase, read: Phase, write: Phase?, handshake: ConnectionHandshake? = nil) {
            self.open = open
            self.read = read
            self.write = write
            self.handshake = handshake
        }
    }

    /// The write's reason when the relay accepted the event but never delivered it.
    public static let unverified = "unverified: accepted but not delivered to a subscription opened before it"

    /// Measures `relay`'s round trips. With no `key`, write is not tried.
    public static func run(
        _ relay: RelayURL, key: SecretKey?, document: NIP11Document? = nil, settings: Settings = Settings(), options: ConnectionOptions
    ) async -> ProbeResult<Measurement> {
        var options = options
        options.connectTimeout = min(options.connectTimeout, settings.timeout)
        options.readTimeout = settings.timeout
        let clock = ContinuousClock()
        let start = clock.now
        let measurement: Measurement
        do {
            measurement = try await RelayConnection.withConnection(to: relay, options: options) { connection in
                let open = Phase.ok(milliseconds(clock.now - start))
                let read = await Self.read(connection, clock: clock)
                var write: Phase?
                if let key { write = await Self.write(relay, connection, key: key, document: document, settings: settings, clock: clock) }
                return Measurement(open: open, read: read, write: write, handshake: connection.handshake)
            }
        } catch {
            // No connection: a failure of open is one of every phase.
            let failed = Phase.failed("\(error)")
            return .failure("\(error)", value: Measurement(open: failed, read: failed, write: key == nil ? nil : failed))
        }
        let failures = [("read", measurement.read), ("write", measurement.write)].compactMap { name, phase in
            phase.flatMap { $0.success ? nil : "\(name): \($0.reason ?? "failed")" }
        }
        return failures.isEmpty ? .success(measurement) : .failure(failures.joined(separator: "; "), value: measurement, retryable: false)
    }

    /// Sends a limit-1 REQ; the first EVENT or EOSE for it ends the phase, a CLOSED fails
    /// it with the relay's text.
    static func read(_ connection: RelayConnection, clock: ContinuousClock) async -> Phase {
        do {
            let sub = try SubscriptionID("brotr-rtt-read")
            let start = clock.now
            try await connection.send(.req(sub, [try Filter(limit: 1)]))
            for _ in 0..<64 {
                guard case .message(let message, _) = try await connection.receive() else { continue }
                switch message {
                case .event(let s, _) where s == sub.value, .eose(let s) where s == sub.value:
                    let ms = milliseconds(clock.now - start)
                    try? await connection.send(.close(sub))
                    return .ok(ms)
                case .closed(let s, let text) where s == sub.value:
                    return .failed(text.isEmpty ? "closed" : text)
                default: continue
                }
            }
            return .failed("no answer to the REQ within 64 messages")
        } catch {
            return .failed("\(error)")
        }
    }

    /// Subscribes to a new kind 22456 event's id, publishes it, and waits for OK and the
    /// event's delivery.
    static func write(
        _ relay: RelayURL, _ connection: RelayConnection, key: SecretKey, document: NIP11Document?, settings: Settings, clock: ContinuousClock
    ) async -> Phase {
        do {
            let now = Int64(Date().timeIntervalSince1970)
            let tags = [["d", relay.url]]
            let event: Event
            let pow = document?.minPowDifficulty ?? 0
            if pow > 0 {
                guard pow <= settings.maxPowDifficulty else {
                    return .failed("pow: the relay asks \(pow) bits of work, more than the \(settings.maxPowDifficulty) mined")
                }
                guard let mined = try Event.signWithWork(
                    kind: 22456, tags: tags, content: "nip66-test", createdAt: now, with: key, difficulty: pow, maxAttempts: 1 << min(pow + 4, 30))
                else { return .failed("pow: no id with \(pow) bits of work found") }
                event = mined
            } else {
                event = try Event.sign(kind: 22456, tags: tags, content: "nip66-test", createdAt: now, with: key)
            }
            let sub = try SubscriptionID("brotr-rtt-write")
            try await connection.send(.req(sub, [try Filter(ids: [event.id])]))
            // The subscription is live once the relay has answered it.
            subscribed: for _ in 0..<64 {
                guard case .message(let message, _) = try await connection.receive() else { continue }
                switch message {
                case .eose(let s) where s == sub.value: break subscribed
                case .closed(let s, let text) where s == sub.value: return .failed(text.isEmpty ? "subscription closed" : text)
                default: continue
                }
            }
            let start = clock.now
            try await connection.send(.event(event))
            var accepted: Int?
            var delivered = false
            for _ in 0..<64 {
                let received: RelayConnection.Received
                do { received = try await connection.receive() } catch {
                    // Silence after OK true: accepted, never delivered.
                    if let accepted, !delivered, (error as? TransportError)?.code == .readTimeout {
                        return Phase(milliseconds: accepted, success: false, reason: unverified)
                    }
                    throw error
                }
                guard case .message(let message, _) = received else { continue }
                switch message {
                case .ok(let id, let ok, let text) where id == event.id:
                    guard ok else { return .failed(text.isEmpty ? "rejected" : text) }
                    accepted = milliseconds(clock.now - start)
                case .event(let s, let e) where s == sub.value && e.id == event.id:
                    delivered = true
                case .closed(let s, let text) where s == sub.value:
                    return .failed(text.isEmpty ? "subscription closed" : text)
                default: continue
                }
                if let accepted, delivered {
                    try? await connection.send(.close(sub))
                    return .ok(accepted)
                }
            }
            return .failed("no OK within 64 messages")
        } catch {
            return .failed("\(error)")
        }
    }

    /// The record of a measurement, in BigBrotr's keys: the document holds the outcomes,
    /// `{"logs": {open_success, open_reason, read_..., write_...}}`, shared by every check
    /// that ended the same way; the values hold what this check alone measured,
    /// `{rtt_open, rtt_read, rtt_write}` in milliseconds (BigBrotr's `data`).
    public static func record(_ measurement: Measurement) throws -> (document: Metadata, values: [String: JSONValue]) {
        var values: [String: JSONValue] = [:]
        var logs: [String: JSONValue] = [:]
        for (name, phase) in [("open", measurement.open), ("read", measurement.read), ("write", measurement.write)] {
            guard let phase else { continue }
            if phase.success, let ms = phase.milliseconds { values["rtt_\(name)"] = .number(JSONNumber(Int64(ms))) }
            logs["\(name)_success"] = .bool(phase.success)
            if let reason = phase.reason { logs["\(name)_reason"] = .string(reason) }
        }
        return (try Metadata(type: .nip66RTT, document: ["logs": .object(logs)]), values)
    }

    /// Whole milliseconds of `duration`.
    public static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
