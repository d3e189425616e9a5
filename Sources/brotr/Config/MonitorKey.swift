import Foundation
import Nostr

/// The Monitor's secret key: from the environment variable BROTR_MONITOR_KEY, or else the
/// file `monitor.key_file` names, as 64 hex digits or an nsec. Never logged: errors say
/// where the key was looked for and what was wrong with it, not what it was.
enum MonitorKey {
    static let environmentVariable = "BROTR_MONITOR_KEY"

    /// The key, or nil when neither source gives one.
    /// - Throws: ``ConfigError`` when a source is set but unusable (a missing file, text that
    ///   is not a key).
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment, keyFile: String) throws -> SecretKey? {
        if let text = environment[environmentVariable], !text.isEmpty {
            return try parse(text, source: "the environment variable \(environmentVariable)", keyPath: nil)
        }
        guard !keyFile.isEmpty else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: keyFile, encoding: .utf8)
        } catch {
            throw ConfigError(
                file: nil, line: nil, keyPath: "monitor.key_file",
                message: "cannot read the monitor key file \(keyFile): \((error as NSError).localizedDescription)")
        }
        return try parse(text, source: "the monitor key file \(keyFile)", keyPath: "monitor.key_file")
    }

    static func parse(_ text: String, source: String, keyPath: String?) throws -> SecretKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("nsec1"), case .nsec(let key)? = try? NIP19.decode(trimmed) { return key }
        if let key = try? SecretKey(hex: trimmed.lowercased()) { return key }
        throw ConfigError(
            file: nil, line: nil, keyPath: keyPath,
            message: "\(source) holds no secret key: expected 64 hex digits or an nsec1 key (`brotr keygen` makes one)")
    }
}
