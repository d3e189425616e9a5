import Foundation
public import Nostr

/// A seed list: one relay URL per line; blank lines and lines starting with `#` are
/// skipped. Lines that are not relay URLs are kept with their line number, to be reported.
public struct SeedList: Sendable {
    public struct Rejected: Sendable, Equatable {
        public let line: Int
        public let text: String
        public let reason: String
    }

    public private(set) var relays: [RelayURL] = []
    public private(set) var rejected: [Rejected] = []

    public init(parsing text: String, allowLoopback: Bool) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do {
                relays.append(try RelayURL(line, allowLoopback: allowLoopback))
            } catch {
                rejected.append(Rejected(line: index + 1, text: String(line.prefix(200)), reason: "\(error)"))
            }
        }
    }
}
