import Glibc

/// A one-line progress bar on standard error, drawn only when it is a terminal.
struct Progress {
    let label: String
    let enabled = isatty(2) == 1
    private var lastDraw: Double = 0

    init(_ label: String) { self.label = label }

    mutating func update(done: Int64, total: Int64?, unit: String) {
        guard enabled else { return }
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let now = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        guard now - lastDraw >= 0.1 else { return }
        lastDraw = now
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 30)
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] "
            line += "\(Int(fraction * 100))% "
        }
        line += "\(done) \(unit)"
        LogLine.emitRaw(line)
    }

    func finish() {
        guard enabled else { return }
        LogLine.emitRaw("\r\u{1B}[K")
    }
}
