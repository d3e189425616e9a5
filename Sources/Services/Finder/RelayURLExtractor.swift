import Nostr

/// Relay URLs that an event names: `r` tags of relay lists (kind 10002), the keys of a
/// contact list's content (kind 3, the old relay map), a kind 2 content, and any tag
/// value (relay hints included) that is a ws:// or wss:// URL. Only URLs that normalize are returned.
enum RelayURLExtractor {
    static func urls(in event: Event, allowLoopback: Bool) -> [RelayURL] {
        var texts: [String] = []
        for tag in event.tags where tag.count >= 2 {
            if event.kind == 10002 && tag[0] == "r" { texts.append(tag[1]) }
            // Relay hints sit at any position (the third value of e and p tags).
            texts += tag.dropFirst().filter(looksLikeRelay)
        }
        switch event.kind {
        case 2:
            texts.append(event.content)
        case 3 where !event.content.isEmpty:
            if let object = (try? JSONValue(parsing: event.content))?.objectValue { texts += object.keys }
        default:
            break
        }
        var seen = Set<String>()
        return texts.compactMap { text in
            guard let url = try? RelayURL(text, allowLoopback: allowLoopback), seen.insert(url.url).inserted else { return nil }
            return url
        }
    }

    private static func looksLikeRelay(_ value: String) -> Bool {
        let head = value.prefix(6).lowercased()
        return head.hasPrefix("wss://") || head.hasPrefix("ws://")
    }
}
