import Foundation
import Nostr

/// Reads the files in Tests/NostrTests/Fixtures (see tools/fixtures/README.md).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Each non-empty line of a JSON-lines fixture, parsed into an object.
    static func jsonLines(_ name: String) throws -> [[String: JSONValue]] {
        try text(name).split(separator: "\n").map { line in
            guard case .object(let object) = try JSONValue(parsing: String(line)) else {
                throw FixtureError(message: "\(name): a line is not a JSON object")
            }
            return object
        }
    }

    struct FixtureError: Error { let message: String }
}

extension [String: JSONValue] {
    func string(_ key: String) throws -> String {
        guard let s = self[key]?.stringValue else { throw Fixtures.FixtureError(message: "missing string \(key)") }
        return s
    }
}

/// Lowercase hex of bytes, for comparisons with fixtures.
func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Bytes from hex of either case.
func bytes(fromHex hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(hex.lowercased().utf8)[...]
    while chars.count >= 2 {
        let pair = String(decoding: chars.prefix(2), as: UTF8.self)
        out.append(UInt8(pair, radix: 16) ?? 0)
        chars = chars.dropFirst(2)
    }
    return out
}
