import Glibc

/// Reads lines from a file descriptor in large blocks. Lines are returned without their
/// newline (and without a trailing carriage return); a line longer than `maxLine` is
/// returned cut at `maxLine` bytes with `truncated` set, so input cannot exhaust memory.
final class LineReader {
    struct Line {
        var bytes: [UInt8]
        var number: Int
        var truncated: Bool
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private var lineNumber = 0
    let maxLine: Int

    init(fd: Int32, maxLine: Int = 16 << 20) {
        self.fd = fd
        self.maxLine = maxLine
    }

    /// Opens `path`, or standard input for `-`.
    static func open(_ path: String) throws -> LineReader {
        if path == "-" { return LineReader(fd: 0) }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
        return LineReader(fd: fd)
    }

    deinit { if fd > 2 { close(fd) } }

    func next() throws -> Line? {
        while true {
            if let nl = newline(from: start) {
                var line = Array(buffer[start..<nl])
                start = nl + 1
                if line.last == 0x0D { line.removeLast() }
                lineNumber += 1
                let truncated = line.count > maxLine
                if truncated { line.removeLast(line.count - maxLine) }
                return Line(bytes: line, number: lineNumber, truncated: truncated)
            }
            if eof {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                lineNumber += 1
                return Line(bytes: line, number: lineNumber, truncated: false)
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            if buffer.count > maxLine + 1 {
                // An overlong line: keep its head, skip to its end.
                let head = Array(buffer.prefix(maxLine))
                buffer.removeAll(keepingCapacity: true)
                try skipToNewline()
                lineNumber += 1
                return Line(bytes: head, number: lineNumber, truncated: true)
            }
            try fill()
        }
    }

    /// The index of the next newline at or after `from`, found with memchr: lines of events
    /// are long, and a byte-by-byte search shows in the profile of an import.
    private func newline(from: Int) -> Int? {
        guard from < buffer.count else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress, let hit = memchr(base + from, 0x0A, raw.count - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { return }
            throw CLIFailure("read error: \(String(cString: strerror(errno)))")
        }
        if n == 0 { eof = true; return }
        buffer.append(contentsOf: chunk[0..<n])
    }

    private func skipToNewline() throws {
        while !eof {
            try fill()
            if let nl = buffer.firstIndex(of: 0x0A) {
                buffer.removeFirst(nl + 1)
                return
            }
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
