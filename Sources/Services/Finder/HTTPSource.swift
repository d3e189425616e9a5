import Nostr

/// A web API that lists relay URLs as JSON, read by the Finder at most once per cooldown.
public struct HTTPSource: Sendable, Equatable {
    public var url: String
    /// Where the URLs are in the document: keys separated by dots, `*` for every element
    /// of an array (`relays.*.url`). Empty: the document itself is an array of URLs.
    public var path: String
    /// Seconds between two fetches of this source.
    public var cooldown: Int64
    public var timeout: Duration
    /// A larger body is refused.
    public var maxBytes: Int

    public init(url: String, path: String = "", cooldown: Int64 = 86_400, timeout: Duration = .seconds(30), maxBytes: Int = 4 << 20) {
        self.url = url
        self.path = path
        self.cooldown = cooldown
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    /// The strings found at `path` in `document`; values of other types are skipped.
    static func strings(in document: JSONValue, path: String) -> [String] {
        var values = [document]
        for key in path.split(separator: ".") where !key.isEmpty {
            values = values.flatMap { value -> [JSONValue] in
                if key == "*" { return value.arrayValue ?? Array((value.objectValue ?? [:]).values) }
                return value.objectValue?[String(key)].map { [$0] } ?? []
            }
        }
        // The last step may land on an array of strings.
        return values.flatMap { value -> [String] in
            if let s = value.stringValue { return [s] }
            return (value.arrayValue ?? []).compactMap(\.stringValue)
        }
    }
}
