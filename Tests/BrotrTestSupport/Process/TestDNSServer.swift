import Foundation

/// tools/testbed/dns_server.py (dnslib, from PyPI) on 127.0.0.1: a fixed zone, and SERVFAIL
/// for every AAAA question. Stopped by ``stop()``.
public final class TestDNSServer: @unchecked Sendable {
    public let port: Int
    private let child: ChildProcess
    private let workdir: URL

    public init() async throws {
        let python = ThirdPartyRelay.python
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw ThirdPartyRelay.SetupError(description: "no testbed Python at \(python.path): run `packaging/install-deps.sh --test` first")
        }
        let workdir = try TempDirectory("dns").url
        let script = ThirdPartyRelay.repositoryRoot.appendingPathComponent("tools/testbed/dns_server.py")
        let child = try ChildProcess(python, [script.path], stderrFile: workdir.appendingPathComponent("stderr"))
        let line = try await offThePool { () -> String? in
            child.read(forUpTo: 60_000) { $0.completeLines.contains { $0.hasPrefix("ready ") } }
            return child.completeLines.first { $0.hasPrefix("ready ") }
        }
        guard let line, let port = Int(line.dropFirst(6)) else {
            child.kill()
            _ = child.finish()
            throw ThirdPartyRelay.SetupError(description: "the DNS server did not start: \(child.stderr.suffix(2000))")
        }
        self.port = port
        self.child = child
        self.workdir = workdir
    }

    public func stop() {
        child.kill()
        _ = child.finish()
        try? FileManager.default.removeItem(at: workdir)
    }
}
