/// A NIP-01 subscription id: a non-empty string of at most 64 characters.
public struct SubscriptionID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// The longest id NIP-01 allows.
    public static let maxLength = 64

    /// - Throws: ``NostrError`` with code `invalidMessage` if `value` is empty or too long.
    public init(_ value: String) throws {
        guard !value.isEmpty, value.count <= Self.maxLength else {
            throw NostrError(.invalidMessage, field: "subscription id", "must be 1 to \(Self.maxLength) characters")
        }
        self.value = value
    }

    public var description: String { value }
}
