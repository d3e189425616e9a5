import Glibc
import Logging

/// Shared pieces of brotr's two log formats.
enum LogLine {
    /// UTC time with milliseconds, RFC 3339: `2026-11-22T23:58:34.123Z`.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }

    /// The handler's metadata merged with the event's (the event wins), flattened into
    /// key/value text pairs sorted by key.
    static func fields(_ handler: Logger.Metadata, _ event: LogEvent) -> [(String, String)] {
        var merged = handler
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        return merged.sorted { $0.key < $1.key }.map { ($0.key, text($0.value)) }
    }

    static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let a): "[" + a.map(text).joined(separator: ",") + "]"
        case .dictionary(let d): "{" + d.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: ",") + "}"
        }
    }

    /// Writes one whole line to standard error with a single write(2), so that lines from
    /// concurrent tasks never interleave.
    static func emit(_ line: String) {
        emitRaw(line + "\n")
    }

    /// Writes text to standard error as it is (no newline added).
    static func emitRaw(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { return }
                let n = write(STDERR_FILENO, base + offset, buffer.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
