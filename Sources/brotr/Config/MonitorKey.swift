import Foundation
import Nostr

/// A stage's secret key: from an environment variable (BROTR_MONITOR_KEY, BROTR_DVM_KEY),
/// or else the file its `key_file` names, as 64 hex digits or an nsec. Never logged: errors
/// say where the key was looked for and what was wrong with it, not what it was.
enum MonitorKey {
    static let environmentVariable = "BROTR_MONITOR_KEY"

    /// The Monitor's key, or nil when neither source gives one.
    /// - Throws: ``ConfigError`` when a source is set but unusable (a missing file, text that
    ///   is not a key).
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment, keyFile: String) throws -> SecretKey? {
        try load(environment: environment, variable: environmentVariable, keyFile: keyFile, stage: "monitor")
    }

    /// The key of `stage` from `variable` or `keyFile` (`<stage>.key_file`), or nil.
    static func load(environment: [String: String], variable: String, keyFile: String, stage: String) throws -> SecretKey? {
        if let text = environment[variable], !text.isEmpty {
            return try parse(text, source: "the environment variable \(variable)", keyPath: nil)
        }
        guard !keyFile.isEmpty else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: keyFile, encoding: .utf8)
        } catch {
            throw ConfigError(
                file: nil, line: nil, keyPath: "\(stage).key_file",
                message: "cannot read the \(stage) key file \(keyFile): \((error as NSError).localizedDescription)")
        }
        return try parse(text, source: "the \(stage) key file \(keyFile)", keyPath: "\(stage).key_file")
    }

    /// The DVM's key: BROTR_DVM_KEY, `dvm.key_file`, or else the Monitor's.
    static func loadDVM(environment: [String: String] = ProcessInfo.processInfo.environment, keyFile: String, monitorKeyFile: String) throws -> SecretKey? {
        try load(environment: environment, variable: "BROTR_DVM_KEY", keyFile: keyFile, stage: "dvm")
            ?? load(environment: environment, keyFile: monitorKeyFile)
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
