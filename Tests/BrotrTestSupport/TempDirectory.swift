public import Foundation

/// A fresh directory under the system temporary directory, one per test or run; remove it
/// at the end (`defer { tmp.remove() }`). The one temporary-directory helper of the suites.
public struct TempDirectory: Sendable {
    public let url: URL

    /// Creates `brotr-<label>-<UUID>`.
    public init(_ label: String = "test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("brotr-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    /// A path inside it (nothing is created).
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
