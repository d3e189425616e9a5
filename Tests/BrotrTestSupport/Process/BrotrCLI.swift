public import Foundation

#if canImport(Glibc)
import BrotrTestSupport
import Glibc
#endif

/// The `brotr` binary run as a user runs it: arguments, standard input, both output
/// streams, and a deadline, past which the child is killed and the run fails instead of
/// hanging the suite. Every suite runs the CLI through this.
public enum BrotrCLI {
    /// What a run printed, and how it ended.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// A run that outlived its deadline.
    public struct TimedOut: Error, CustomStringConvertible {
        public let arguments: [String]
        public let deadline: Duration
        public let stderr: String
        public var description: String { "brotr \(arguments.joined(separator: " ")) ran past \(deadline) and was killed; stderr: \(stderr.suffix(2000))" }
    }

    /// The `brotr` executable built beside the running test bundle (or benchmark).
    public static let binary: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("brotr")
    }()

    /// Runs `brotr arguments` to its end. `stdin` is its standard input (none: empty).
    /// Standard output goes to `stdoutTo` when given (for outputs of hundreds of MB; the
    /// output's `stdout` is then empty), else is read back. Both streams go through files,
    /// so that neither can fill a pipe and stall the child.
    @discardableResult
    public static func run(
        _ arguments: [String], stdin: String? = nil, stdoutTo: URL? = nil, deadline: Duration = .seconds(900),
        environment: [String: String] = [:]
    ) throws -> Output {
        let scratch = try TempDirectory("cli")
        defer { scratch.remove() }
        let input = scratch.url.appendingPathComponent("stdin")
        let output = stdoutTo ?? scratch.url.appendingPathComponent("stdout")
        let errors = scratch.url.appendingPathComponent("stderr")
        try Data((stdin ?? "").utf8).write(to: input)
        for file in [output, errors] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        let inHandle = try FileHandle(forReadingFrom: input)
        let outHandle = try FileHandle(forWritingTo: output), errHandle = try FileHandle(forWritingTo: errors)
        defer { for handle in [inHandle, outHandle, errHandle] { try? handle.close() } }

        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        // Added to this process's environment.
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardInput = inHandle
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        let end = ChildProcess.now() + Int(deadline.components.seconds) * 1000
        while process.isRunning && ChildProcess.now() < end { usleep(2_000) }
        let stderr = { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }
        if process.isRunning {
            _ = kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TimedOut(arguments: arguments, deadline: deadline, stderr: stderr())
        }
        process.waitUntilExit()
        let stdout = stdoutTo == nil ? ((try? Data(contentsOf: output)) ?? Data()) : Data()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: stderr())
    }

    /// ``run(_:stdin:stdoutTo:deadline:)`` from async code: the wait for the child runs on a
    /// Dispatch thread, not on one of the cooperative pool's few threads, which the other
    /// tests' tasks (streams reading from in-process relays among them) need meanwhile.
    @discardableResult
    public static func run(
        _ arguments: [String], stdin: String? = nil, stdoutTo: URL? = nil, deadline: Duration = .seconds(900),
        environment: [String: String] = [:]
    ) async throws -> Output {
        try await offThePool { try run(arguments, stdin: stdin, stdoutTo: stdoutTo, deadline: deadline, environment: environment) }
    }

    /// Starts `brotr arguments` in the background: standard output is read through the
    /// child's deadline-bound reads, standard error goes to `stderrFile`.
    public static func start(
        _ arguments: [String], stderrFile: URL, keepStdinOpen: Bool = false, environment: [String: String]? = nil
    ) throws -> ChildProcess {
        try ChildProcess(binary, arguments, stderrFile: stderrFile, keepStdinOpen: keepStdinOpen, environment: environment)
    }
}
