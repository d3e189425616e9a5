import Logging
import Nostr

/// One JSON object per line on standard error:
/// `{"ts":"...","level":"info","logger":"brotr","msg":"...","key":"value"}`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    /// Where finished lines go: standard error, or a test's buffer.
    var sink: @Sendable (String) -> Void = LogLine.emit

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [
            "ts": .string(LogLine.timestamp()), "level": .string(event.level.rawValue), "logger": .string(label),
            "msg": .string(event.message.description),
        ]
        for (k, v) in LogLine.fields(metadata, event) where fields[k] == nil { fields[k] = .string(v) }
        sink(JSONValue.object(fields).jsonText)
    }
}
