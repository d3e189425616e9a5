import Logging

/// `ts=... level=info logger=brotr msg="..." key=value` lines on standard error.
struct LogfmtLogHandler: LogHandler {
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
        var line = "ts=\(LogLine.timestamp()) level=\(event.level) logger=\(Self.quote(label)) msg=\(Self.quote(event.message.description))"
        for (k, v) in LogLine.fields(metadata, event) { line += " \(k)=\(Self.quote(v))" }
        sink(line)
    }

    /// Quotes a value when it holds a space, `=`, a quote or a control character.
    static func quote(_ s: String) -> String {
        let needs = s.isEmpty || s.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.value < 0x20 }
        guard needs else { return s }
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
}
