public import Nostr
public import Transport

/// Fetches a relay's information document (NIP-11): an HTTP GET of the relay's URL with
/// `Accept: application/nostr+json`, over https for wss relays, through the relay
/// network's proxy (``RelayHTTP``). Never throws.
///
/// A server that answers, but with no document (a status other than 200, a body that is
/// not a JSON object, a content type other than application/nostr+json or
/// application/json, a body past the cap), gives a failure that is not retryable: the
/// relay is up and simply has no NIP-11. Only a server that cannot be reached or does not
/// answer in time gives a retryable one.
public enum NIP11Probe {
    public struct Settings: Sendable, Hashable {
        /// The whole request, connection included, must finish within this.
        public var timeout: Duration
        /// The largest document read; a larger one is no document.
        public var maxBytes: Int

        public init(timeout: Duration = .seconds(10), maxBytes: Int = 64 << 10) {
            self.timeout = timeout
            self.maxBytes = maxBytes
        }
    }

    /// The media types a document may come as.
    static let mediaTypes: Set<String> = ["application/nostr+json", "application/json"]

    /// The HTTP URL of a relay's document, for people to read: its URL with http for ws
    /// and https for wss.
    public static func documentURL(_ relay: RelayURL) -> String {
        let url = relay.url
        if url.hasPrefix("wss://") { return "https://" + url.dropFirst(6) }
        if url.hasPrefix("ws://") { return "http://" + url.dropFirst(5) }
        return url
    }

    /// Fetches and parses `relay`'s document, with `options`' certificate leniency and proxy.
    public static func run(_ relay: RelayURL, settings: Settings = Settings(), options: ConnectionOptions) async -> ProbeResult<NIP11Document> {
        let response: HTTPFetch.Response
        do {
            response = try await RelayHTTP.get(
                relay, headers: [("Accept", "application/nostr+json")], options: options, timeout: settings.timeout, maxBytes: settings.maxBytes)
        } catch {
            return .failure("\(error)")
        }
        guard response.status == 200 else { return .failure("HTTP \(response.status)", retryable: false) }
        guard let media = response.mediaType, mediaTypes.contains(media) else {
            return .failure("Invalid Content-Type: \(response.mediaType ?? "none")", retryable: false)
        }
        guard let body = response.body else {
            return .failure("Response body too large: >\(settings.maxBytes) bytes", retryable: false)
        }
        let document: NIP11Document
        do {
            document = try NIP11Document(parsing: body)
        } catch {
            return .failure("not a NIP-11 document: \(error)", retryable: false)
        }
        let logs = document.dropped.isEmpty ? [] : ["dropped ill-typed fields: \(document.dropped.joined(separator: ", "))"]
        return .success(document, logs: logs)
    }

    /// The content-addressed record of a result, shaped as BigBrotr stores it:
    /// `{"data": {...}, "logs": {"success": ..., "reason": ...}}`.
    public static func metadata(_ result: ProbeResult<NIP11Document>) throws -> Metadata {
        try result.metadata(.nip11Info) { $0.fields }
    }
}
