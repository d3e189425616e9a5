/// An event as relays send it: the content its id covers, the id, and the signature.
///
/// ``Event`` (strings unpacked) and ``PackedEvent`` (strings in one buffer) are both
/// signed events, so that filters match and verification runs on either form.
public protocol SignedEvent: EventContent, Sendable {
    /// SHA-256 of the canonical serialization.
    var id: EventID { get }
    /// BIP-340 signature of `id` by `pubkey`.
    var sig: Signature { get }
}

extension Event: SignedEvent {}
extension PackedEvent: SignedEvent {}

extension EventContent {
    /// Whether a tag named `name` has a second element in `values`: how a NIP-01 `#x`
    /// filter condition is met. Only values of tags with that name are made strings.
    public func hasTag(named name: String, valueIn values: Set<String>) -> Bool {
        guard name.utf8.count == 1, let letter = name.utf8.first else { return false }
        var position = 0, named = false, found = false
        visitStrings(
            tag: { _ in position = 0 },
            element: { utf8 in
                defer { position += 1 }
                guard !found else { return }
                if position == 0 {
                    named = utf8.count == 1 && utf8[0] == letter
                } else if position == 1, named {
                    found = values.contains(String(decoding: utf8, as: UTF8.self))
                }
            },
            content: { _ in })
        return found
    }
}
