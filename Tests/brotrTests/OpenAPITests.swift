import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

@testable import brotr

/// The OpenAPI document: the repository's copy is what the server serves for the default
/// config, and schemathesis (from PyPI) finds the server keeps to it.
@Suite(.serialized) struct OpenAPITests {
    @Test func theRepositoryCopyIsWhatTheServerDescribes() throws {
        let file = ThirdPartyRelay.repositoryRoot.appendingPathComponent("docs/openapi.json")
        let stored = try JSONValue(parsing: try String(contentsOf: file, encoding: .utf8), options: .init(maxDepth: 64))
        let made = OpenAPIDocument.make(APIConfig())
        #expect(stored == made, "docs/openapi.json differs from the code: regenerate it from GET /v1/openapi.json")
        // Every served table has its list and detail paths; a table turned off has none.
        guard case .object(let paths)? = made.objectValue?["paths"] else { Issue.record("no paths"); return }
        for table in AnalyticsTables.all {
            #expect(paths["/v1/\(table.name)"] != nil)
            #expect(paths["/v1/\(table.name)/" + table.primaryKey.map { "{\($0)}" }.joined(separator: "/")] != nil)
        }
        var config = APIConfig()
        config.tables["relay_uptime"] = false
        #expect(OpenAPIDocument.make(config).objectValue?["paths"]?.objectValue?["/v1/relay_uptime"] == nil)
    }

    @Test func schemathesisFindsTheServerKeepsToTheDocument() async throws {
        let st = ThirdPartyRelay.repositoryRoot.appendingPathComponent(".testbed/schemathesis/bin/st")
        guard FileManager.default.isExecutableFile(atPath: st.path) else {
            throw ThirdPartyRelay.SetupError(description: "no schemathesis at \(st.path): run `packaging/install-deps.sh --test` first")
        }
        let s = try await TablesAPITests.Served.start("api-openapi")
        defer { s.stop() }
        let log = s.tmp.url.appendingPathComponent("schemathesis.log")
        // Seeded and bounded: the same few thousand requests each run.
        let child = try ChildProcess(
            st, ["run", s.base + "/v1/openapi.json", "--max-examples", "25", "--seed", "1", "--no-color", "--request-timeout", "20"],
            stderrFile: log)
        let status = try await offThePool { child.finish() }
        let output = String(decoding: child.stdout, as: UTF8.self)
        #expect(status == 0, "\(output.suffix(4000)) \(child.stderr.suffix(1000))")
        #expect(output.contains("passed"), "\(output.suffix(2000))")
        #expect(s.serve.process.isRunning)
    }
}
