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

    static func filter(_ query: String?, defaultLimit: Int = 100, maxLimit: Int) throws(Invalid) -> Filter {
        let pairs: [(name: String, value: String)]
        do throws(QueryString.Invalid) {
            pairs = try QueryString.pairs(query)
        } catch {
            throw Invalid(message: error.message)
        }
        var ids: Set<EventID>?, authors: Set<PublicKey>?, kinds: Set<UInt16>?
        var tags: [String: Set<String>] = [:]
        var since: Int64?, until: Int64?, limit = min(defaultLimit, maxLimit)
        for (key, value) in pairs {
            let values = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func list<T: Hashable>(_ parse: (String) -> T?) throws(Invalid) -> Set<T> {
                var out = Set<T>()
                guard !value.isEmpty else { throw Invalid(message: "\(key): expected at least one value") }
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
            case "kinds": kinds = (kinds ?? []).union(try list { $0.utf8.allSatisfy { (0x30...0x39).contains($0) } ? UInt16($0) : nil })
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
