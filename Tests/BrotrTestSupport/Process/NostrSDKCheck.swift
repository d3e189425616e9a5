import Foundation
public import Nostr

/// Events as nostr-sdk (rust-nostr's Python bindings, from PyPI) reads them: a library
/// independent of brotr parses each one and checks its id and signature
/// (tools/testbed/check_events.py).
public enum NostrSDKCheck {
    /// What nostr-sdk made of one event.
    public struct Reading: Sendable, Decodable {
        public var id: String?
        public var kind: Int?
        public var verified: Bool?
        public var tags: [[String]]?
        /// The name in a kind 0 profile, as nostr-sdk's Metadata reads it.
        public var profileName: String?
        /// Why nostr-sdk could not parse the event.
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case id, kind, verified, tags, error
            case profileName = "profile_name"
        }
    }

    /// One reading per event, in order.
    public static func read(_ events: [Event]) async throws -> [Reading] {
        let python = ThirdPartyRelay.python
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw ThirdPartyRelay.SetupError(description: "no testbed Python at \(python.path): run `packaging/install-deps.sh --test` first")
        }
        let workdir = try TempDirectory("nostr-sdk-check").url
        defer { try? FileManager.default.removeItem(at: workdir) }
        let file = workdir.appendingPathComponent("events.jsonl")
        try Data(events.map { $0.jsonText + "\n" }.joined().utf8).write(to: file)
        let script = ThirdPartyRelay.repositoryRoot.appendingPathComponent("tools/testbed/check_events.py")
        let child = try ChildProcess(python, [script.path, file.path], stderrFile: workdir.appendingPathComponent("stderr"))
        let status = try await offThePool { child.finish() }
        guard status == 0 else { throw ThirdPartyRelay.SetupError(description: "check_events.py exited \(status): \(child.stderr.suffix(2000))") }
        return try child.completeLines.map { try JSONDecoder().decode(Reading.self, from: Data($0.utf8)) }
    }
}
