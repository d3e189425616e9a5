import BrotrTestSupport
import Foundation
import Nostr
import Testing
import Transport

@testable import Probes

/// The geo and net checks against real MaxMind DB files: GeoLite2 City (from PyPI's
/// maxminddb-geolite2), read against what the Python reader finds, and an ASN database
/// written with mmdb-writer.
struct GeoProbeTests {
    @Test func aCityLookupReadsWhatAnIndependentReaderReads() async throws {
        let tmp = try TempDirectory("geo")
        defer { tmp.remove() }
        let fixtures = try await GeoIPFixtures(directory: tmp.url)
        let result = GeoProbe.place("81.2.69.160", in: MaxMindDatabase(path: fixtures.cityPath))
        #expect(result.success, "\(result)")
        let p = try #require(result.value)
        func field(_ path: String...) -> JSONValue? {
            path.reduce(Optional(fixtures.record)) { value, key in
                if let index = Int(key) { return value?.arrayValue.flatMap { $0.indices.contains(index) ? $0[index] : nil } }
                return value?.objectValue?[key]
            }
        }
        #expect(p.country == field("country", "iso_code")?.stringValue && p.country == "GB")
        #expect(p.countryName == field("country", "names", "en")?.stringValue)
        #expect(p.continent == field("continent", "code")?.stringValue && p.continentName == field("continent", "names", "en")?.stringValue)
        #expect(p.isEU == true && field("country", "is_in_european_union") == .bool(true))
        #expect(p.city == field("city", "names", "en")?.stringValue && p.city == "Willesden")
        #expect(p.region == field("subdivisions", "0", "names", "en")?.stringValue)
        #expect(p.postal == field("postal", "code")?.stringValue)
        func number(_ value: JSONValue?) -> JSONNumber? { if case .number(let n)? = value { n } else { nil } }
        #expect(p.latitude == number(field("location", "latitude"))?.doubleValue && p.longitude == number(field("location", "longitude"))?.doubleValue)
        #expect(p.accuracy.map(Int64.init) == number(field("location", "accuracy_radius"))?.int64Value)
        #expect(p.timezone == field("location", "time_zone")?.stringValue && p.timezone == "Europe/London")
        #expect(p.geonameID.map(Int64.init) == number(field("city", "geoname_id"))?.int64Value)
        #expect(p.geohash == Geohash.encode(latitude: 51.5333, longitude: -0.2333) && p.geohash?.count == 9)
        let document = try GeoProbe.placeMetadata(result).canonicalJSON
        #expect(document.contains(#""geo_country":"GB""#) && document.contains(#""geo_lat":51.5333"#) && document.contains(#""geo_tz":"Europe/London""#))

        // Loopback is in no City database: an answer, not a failure to retry.
        let loopback = GeoProbe.place("127.0.0.1", in: MaxMindDatabase(path: fixtures.cityPath))
        #expect(!loopback.success && !loopback.retryable)
    }

    @Test func geohashMatchesTheKnownVector() {
        // The example of the geohash article: 57.64911, 10.40744.
        #expect(Geohash.encode(latitude: 57.64911, longitude: 10.40744, precision: 11) == "u4pruydqqvj")
    }

    @Test func anASNLookupGivesNumberOrganizationAndNetworkAndFollowsAReplacedFile() async throws {
        let tmp = try TempDirectory("asn")
        defer { tmp.remove() }
        let fixtures = try await GeoIPFixtures(directory: tmp.url)
        let database = MaxMindDatabase(path: fixtures.asnPath)
        let result = GeoProbe.network(ipv4: "127.0.0.1", ipv6: "2001:db8::1", in: database)
        #expect(result.success, "\(result)")
        #expect(
            try GeoProbe.networkMetadata(result).canonicalJSON
                == #"{"data":{"net_asn":64500,"net_asn_org":"brotr test network","net_ip":"127.0.0.1","net_ipv6":"2001:db8::1","net_network":"127.0.0.0/8","net_network_v6":"2001:db8::/32"},"logs":{"success":true}}"#
        )
        let outside = GeoProbe.network(ipv4: "10.0.0.1", ipv6: nil, in: database)
        #expect(!outside.success && !outside.retryable)

        // A new file renamed over the old one is read at the next lookup.
        let next = tmp.url.appendingPathComponent("next")
        try FileManager.default.createDirectory(at: next, withIntermediateDirectories: true)
        let renamed = try await GeoIPFixtures(directory: next, organization: "renamed network")
        #expect(rename(renamed.asnPath, fixtures.asnPath) == 0)
        #expect(GeoProbe.network(ipv4: "127.0.0.1", ipv6: nil, in: database).value?.organization == "renamed network")

        // A missing file says so.
        try FileManager.default.removeItem(atPath: fixtures.asnPath)
        let missing = GeoProbe.network(ipv4: "127.0.0.1", ipv6: nil, in: database)
        #expect(!missing.success && missing.reason?.contains("no GeoIP database at") == true)
    }
}
