public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program started by a test, whose standard output is read as it comes, with a deadline
/// on every read, so that a child that hangs fails the test instead of hanging it.
/// Not thread-safe: one task or thread uses it at a time (hence `@unchecked`).
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    /// The child's standard input, when `keepStdinOpen` was given.
    public let input = Pipe()
    private let output = Pipe()
    public private(set) var stdout: [UInt8] = []
    public private(set) var sawEOF = false
    /// Where the child's standard error goes.
    public let stderrFile: URL

    public init(
        _ executable: URL, _ arguments: [String], stderrFile: URL, keepStdinOpen: Bool = false,
        environment: [String: String]? = nil
    ) throws {
        self.stderrFile = stderrFile
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        process.standardInput = keepStdinOpen ? input : FileHandle.nullDevice
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Milliseconds on a monotonic clock.
    public static func now() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000
    }

    /// Reads standard output until `stop` holds, EOF, or `milliseconds` pass. Returns
    /// true if `stop` held.
    @discardableResult
    public func read(forUpTo milliseconds: Int, until stop: (ChildProcess) -> Bool = { _ in false }) -> Bool {
        let deadline = Self.now() + milliseconds
        let fd = output.fileHandleForReading.fileDescriptor
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while !sawEOF {
            if stop(self) { return true }
            let remaining = deadline - Self.now()
            if remaining <= 0 { return false }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 50)))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                stdout += chunk[0..<n]
            } else if n == 0 || errno != EINTR {
                sawEOF = true
            }
        }
        return stop(self)
    }

    /// Sends `signal`, if the child still runs.
    public func send(_ signal: Int32) {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, signal) }
    }

    /// SIGKILL, if it still runs.
    public func kill() { send(SIGKILL) }

    /// Waits up to `milliseconds` for the child to exit; true if it did.
    public func waitForExit(upTo milliseconds: Int) -> Bool {
        let deadline = Self.now() + milliseconds
        while process.isRunning && Self.now() < deadline { usleep(20_000) }
        return !process.isRunning
    }

    /// Reads what is left of standard output and reaps the process.
    @discardableResult
    public func finish() -> Int32 {
        if !sawEOF {
            stdout += output.fileHandleForReading.readDataToEndOfFile()
            sawEOF = true
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Whole lines of standard output so far (a last line without its newline is left out).
    public var completeLines: [String] {
        var lines = String(decoding: stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the text after the last newline: empty or incomplete
        return lines
    }

    /// What the child wrote to standard error so far.
    public var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }
}
