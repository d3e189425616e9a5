/// A NIP-01 event id: the SHA-256 of the event's canonical serialization.
///
/// Ids order lexicographically by their bytes, the tie-break NIP-01 sets for events
/// with equal `created_at`.
public struct EventID: Sendable, Hashable, Comparable, CustomStringConvertible {
    @usableFromInline var storage: Bytes32

    init(storage: Bytes32) { self.storage = storage }

    /// Creates an id from exactly 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard let storage = Bytes32(bytes) else { return nil }
        self.storage = storage
    }

    /// Creates an id from exactly 32 bytes in memory; nil for any other length. Decoders
    /// read them straight from a buffer, without an array per value.
    public init?(rawBytes: UnsafeRawBufferPointer) {
        guard let storage = Bytes32(rawBytes) else { return nil }
        self.storage = storage
    }

    /// Parses 64 lowercase hex digits.
    public init?(hex: some StringProtocol) {
        guard let storage = Bytes32(hex: hex) else { return nil }
        self.storage = storage
    }

    /// The 32 raw bytes.
    public var bytes: [UInt8] { storage.bytes }
    /// 64 lowercase hex digits.
    public var hex: String { storage.hex }
    public var description: String { hex }

    /// Calls `body` with the 32 raw bytes, without copying.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    public static func < (a: EventID, b: EventID) -> Bool { a.storage < b.storage }
}
