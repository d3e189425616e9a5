public import Foundation
public import Nostr

/// MaxMind DB files for tests, made by tools/testbed/geoip_fixtures.py: the GeoLite2 City
/// database from maxminddb-geolite2, and an ASN database written with mmdb-writer.
public struct GeoIPFixtures: Sendable {
    public let cityPath: String
    public let asnPath: String
    /// The City record of 81.2.69.160 as the Python reader (maxminddb) reads it.
    public let record: JSONValue

    /// Writes the ASN database into `directory`, naming 127.0.0.0/8's organization.
    public init(directory: URL, organization: String = "brotr test network") async throws {
        let python = ThirdPartyRelay.python
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw ThirdPartyRelay.SetupError(description: "no testbed Python at \(python.path): run `packaging/install-deps.sh --test` first")
        }
        let script = ThirdPartyRelay.repositoryRoot.appendingPathComponent("tools/testbed/geoip_fixtures.py")
        let child = try ChildProcess(python, [script.path, directory.path, organization], stderrFile: directory.appendingPathComponent("geoip.stderr"))
        let status = try await offThePool { child.finish() }
        guard status == 0, let line = child.completeLines.first, case .object(let fields) = try JSONValue(parsing: line),
            let city = fields["city"]?.stringValue, let asn = fields["asn"]?.stringValue, let record = fields["record"]
        else { throw ThirdPartyRelay.SetupError(description: "geoip_fixtures.py failed (\(status)): \(child.stderr.suffix(2000))") }
        cityPath = city
        asnPath = asn
        self.record = record
    }
}
