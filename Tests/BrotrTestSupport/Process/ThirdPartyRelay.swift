import BrotrTestSupport
import Dispatch
public import Foundation
import Glibc
public import Nostr

/// A relay written by someone else, unmodified, on 127.0.0.1 and loaded with events:
/// nostr-relay 1.14 or the LocalRelay of nostr-sdk 0.45.1, both from PyPI, run by
/// tools/testbed/relay.py from the virtualenv that `packaging/install-deps.sh --test`
/// makes in .testbed/venv (or the Python named by `BROTR_TESTBED_PYTHON`).
public final class ThirdPartyRelay: @unchecked Sendable {
    public enum Implementation: String, Sendable {
        case nostrRelay = "nostr-relay"
        case nostrSDK = "nostr-sdk"
    }

    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public let implementation: Implementation
    public let url: RelayURL
    private let child: ChildProcess
    private let workdir: URL

    /// The repository checkout this file belongs to.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var python: URL {
        if let path = ProcessInfo.processInfo.environment["BROTR_TESTBED_PYTHON"] { return URL(fileURLWithPath: path) }
        return repositoryRoot.appendingPathComponent(".testbed/venv/bin/python")
    }

    /// Starts the relay and returns once it serves every one of `events` (which it checks
    /// itself). Loading takes seconds to a minute; the wait is bounded by `timeout`.
    public static func start(
        _ implementation: Implementation, events: [Event], maxLimit: Int = 500, timeout: Duration = .seconds(300)
    ) async throws -> ThirdPartyRelay {
        let python = python
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw SetupError(description: "no testbed Python at \(python.path): run `packaging/install-deps.sh --test` first")
        }
        let workdir = try TempDirectory(implementation.rawValue).url
        let eventsFile = workdir.appendingPathComponent("events.jsonl")
        try Data(events.map { $0.jsonText + "\n" }.joined().utf8).write(to: eventsFile)
        let script = repositoryRoot.appendingPathComponent("tools/testbed/relay.py")
        let child = try ChildProcess(
            python,
            [script.path, implementation.rawValue, "--events", eventsFile.path, "--max-limit", "\(maxLimit)", "--workdir", workdir.path],
            stderrFile: workdir.appendingPathComponent("relay.stderr"), keepStdinOpen: true)
        let milliseconds = Int(timeout.components.seconds) * 1000
        let line = try await offThePool { () -> String? in
            child.read(forUpTo: milliseconds) { $0.completeLines.contains { $0.hasPrefix("ready ") || $0.hasPrefix("error: ") } }
            return child.completeLines.first { $0.hasPrefix("ready ") || $0.hasPrefix("error: ") }
        }
        let parts = line?.split(separator: " ") ?? []
        guard parts.count == 3, parts[0] == "ready", Int(parts[2]) == events.count else {
            child.kill()
            _ = child.finish()
            try? FileManager.default.removeItem(at: workdir)
            throw SetupError(description: "\(implementation.rawValue) did not start: \(line ?? "no answer within \(timeout)")\n\(child.stderr.suffix(2000))")
        }
        return ThirdPartyRelay(implementation: implementation, url: try RelayURL(String(parts[1]), allowLoopback: true), child: child, workdir: workdir)
    }

    private init(implementation: Implementation, url: RelayURL, child: ChildProcess, workdir: URL) {
        self.implementation = implementation
        self.url = url
        self.child = child
        self.workdir = workdir
    }

    /// Stops the relay: SIGTERM, which the script passes on to the relay's own process.
    /// It does not wait: the exit is reaped and the files removed on a Dispatch thread.
    public func stop() {
        child.send(SIGTERM)
        let (child, workdir) = (child, workdir)
        DispatchQueue.global().async {
            if !child.waitForExit(upTo: 15_000) { child.kill() }
            _ = child.finish()
            try? FileManager.default.removeItem(at: workdir)
        }
    }

    deinit {
        child.kill()
    }
}
