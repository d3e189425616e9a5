import Foundation
import Nostr

/// The query string of `GET /v1/events`, read into a NIP-01 filter: `ids`, `authors`
/// (hex, comma-separated), `kinds`, `#x` for a one-letter tag (`%23e` in a URL), `since`,
/// `until` and `limit` (default 100, at most `maxLimit`). Anything else, or any value
/// that does not parse, is refused with a message that names the parameter.
struct EventsQuery {
    /// A request brotr will not run, with a message safe to show the client.
    struct Invalid: Error, Equatable {
        let message: String
    }

    static let defaultLimit = 100
    /// Longer query strings are refused before any parsing.
    static let maxQueryBytes = 8192

    static func filter(_ query: String?, maxLimit: Int) throws(Invalid) -> Filter {
        let query = query ?? ""
        guard query.utf8.count <= maxQueryBytes else { throw Invalid(message: "the query string is over \(maxQueryBytes) bytes") }
        var ids: Set<EventID>?, authors: Set<PublicKey>?, kinds: Set<UInt16>?
        var tags: [String: Set<String>] = [:]
        var since: Int64?, until: Int64?, limit = defaultLimit
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts[0].removingPercentEncoding, let value = (parts.count > 1 ? parts[1] : "").removingPercentEncoding else {
                throw Invalid(message: "a parameter is not valid percent-encoding")
            }
            let values = value.split(separator: ",").map(String.init)
            func list<T: Hashable>(_ parse: (String) -> T?) throws(Invalid) -> Set<T> {
                var out = Set<T>()
                for v in values {
                    guard let parsed = parse(v) else { throw Invalid(message: "\(key): '\(v.prefix(80))' is not valid") }
                    out.insert(parsed)
                }
                return out
            }
            func integer(_ range: ClosedRange<Int64>) throws(Invalid) -> Int64 {
                guard let n = Int64(value), range.contains(n) else { throw Invalid(message: "\(key): expected an integer in \(range), got '\(value.prefix(40))'") }
                return n
            }
            switch key {
            case "ids": ids = (ids ?? []).union(try list { EventID(hex: $0) })
            case "authors": authors = (authors ?? []).union(try list { PublicKey(hex: $0) })
            case "kinds": kinds = (kinds ?? []).union(try list { UInt16($0) })
            case "since": since = try integer(0...Int64.max)
            case "until": until = try integer(0...Int64.max)
            case "limit": limit = Int(min(try integer(0...Int64(Int32.max)), Int64(maxLimit)))
            case let tag where tag.count == 2 && tag.hasPrefix("#") && Filter.isTagName(String(tag.dropFirst())):
                tags[String(tag.dropFirst()), default: []].formUnion(values)
            default:
                throw Invalid(message: "unknown parameter '\(key.prefix(40))' (known: ids, authors, kinds, #x, since, until, limit)")
            }
        }
        do {
            return try Filter(ids: ids, authors: authors, kinds: kinds, tags: tags, since: since, until: until, limit: limit)
        } catch {
            throw Invalid(message: "\(error)")
        }
    }
}
