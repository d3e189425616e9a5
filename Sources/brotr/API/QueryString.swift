import Foundation

/// A URL query string as name and value pairs, in order: `+` is a space (HTML forms and
/// most HTTP clients write spaces so) and `%XX` sequences are decoded.
enum QueryString {
    /// Longer query strings are refused before any parsing.
    static let maxBytes = 8192

    struct Invalid: Error, Equatable {
        let message: String
    }

    static func pairs(_ query: String?) throws(Invalid) -> [(name: String, value: String)] {
        let query = query ?? ""
        guard query.utf8.count <= maxBytes else { throw Invalid(message: "the query string is over \(maxBytes) bytes") }
        var out: [(String, String)] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw Invalid(message: "a parameter is not valid percent-encoding")
            }
            out.append((name, value))
        }
        return out
    }

    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
