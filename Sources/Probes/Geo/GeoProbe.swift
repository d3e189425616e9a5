public import Nostr
public import Transport

/// NIP-66's geo and net checks: where a relay's address is (GeoLite2 City) and whose
/// network it is in (GeoLite2 ASN), from MaxMind DB files through libmaxminddb. Each
/// returns data and logs and never throws; an address the database does not hold is an
/// answer ("not found"), not a failure to retry.
public enum GeoProbe {
    /// A place, in BigBrotr's terms.
    public struct Place: Sendable, Hashable {
        public var country: String?
        public var countryName: String?
        public var continent: String?
        public var continentName: String?
        public var isEU: Bool?
        public var region: String?
        public var city: String?
        public var postal: String?
        public var latitude: Double?
        public var longitude: Double?
        public var accuracy: Int?
        public var timezone: String?
        public var geohash: String?
        public var geonameID: Int?
    }

    /// A network: the addresses looked up and what the ASN database says of the first.
    public struct Network: Sendable, Hashable {
        public var ip: String?
        public var ipv6: String?
        public var asn: Int?
        public var organization: String?
        public var network: String?
        public var networkV6: String?
    }

    static let placePaths: [[String]] = [
        ["country", "iso_code"], ["country", "names", "en"], ["continent", "code"], ["continent", "names", "en"],
        ["country", "is_in_european_union"], ["subdivisions", "0", "names", "en"], ["city", "names", "en"], ["postal", "code"],
        ["location", "latitude"], ["location", "longitude"], ["location", "accuracy_radius"], ["location", "time_zone"],
        ["city", "geoname_id"],
    ]

    /// The place of `ip` in a City database.
    public static func place(_ ip: String, in database: MaxMindDatabase, geohashPrecision: Int = 9) -> ProbeResult<Place> {
        let record: MaxMindDatabase.Record?
        do { record = try database.lookup(ip, paths: placePaths) } catch { return .failure("\(error)", retryable: false) }
        guard let record else { return .failure("\(ip) is not in \(database.path)", retryable: false) }
        func string(_ path: [String]) -> String? { if case .string(let s)? = record.values[path] { s } else { nil } }
        func double(_ path: [String]) -> Double? {
            switch record.values[path] {
            case .double(let d)?: d
            case .integer(let i)?: Double(i)
            default: nil
            }
        }
        func integer(_ path: [String]) -> Int? { if case .integer(let i)? = record.values[path] { Int(clamping: i) } else { nil } }
        var p = Place()
        p.country = string(["country", "iso_code"])
        p.countryName = string(["country", "names", "en"])
        p.continent = string(["continent", "code"])
        p.continentName = string(["continent", "names", "en"])
        if case .bool(let eu)? = record.values[["country", "is_in_european_union"]] { p.isEU = eu }
        p.region = string(["subdivisions", "0", "names", "en"])
        p.city = string(["city", "names", "en"])
        p.postal = string(["postal", "code"])
        p.latitude = double(["location", "latitude"])
        p.longitude = double(["location", "longitude"])
        p.accuracy = integer(["location", "accuracy_radius"])
        p.timezone = string(["location", "time_zone"])
        p.geonameID = integer(["city", "geoname_id"])
        if let lat = p.latitude, let lon = p.longitude { p.geohash = Geohash.encode(latitude: lat, longitude: lon, precision: geohashPrecision) }
        return .success(p)
    }

    /// The network of `ipv4` and `ipv6` (either may be nil) in an ASN database.
    public static func network(ipv4: String?, ipv6: String?, in database: MaxMindDatabase) -> ProbeResult<Network> {
        let paths = [["autonomous_system_number"], ["autonomous_system_organization"]]
        var n = Network(ip: ipv4, ipv6: ipv6)
        var found = false
        do {
            for (ip, v6) in [(ipv4, false), (ipv6, true)] {
                guard let ip, let record = try database.lookup(ip, paths: paths) else { continue }
                found = true
                if v6 { n.networkV6 = record.network } else { n.network = record.network }
                if n.asn == nil, case .integer(let asn)? = record.values[["autonomous_system_number"]] { n.asn = Int(clamping: asn) }
                if n.organization == nil, case .string(let org)? = record.values[["autonomous_system_organization"]] { n.organization = org }
            }
        } catch {
            return .failure("\(error)", retryable: false)
        }
        guard ipv4 != nil || ipv6 != nil else { return .failure("no address to look up", retryable: false) }
        return found ? .success(n) : .failure("\([ipv4, ipv6].compactMap { $0 }.joined(separator: ", ")) not in \(database.path)", value: n, retryable: false)
    }

    /// The `nip66_geo` record, in BigBrotr's keys (`geo_country`, `geo_country_name`,
    /// `geo_continent`, `geo_continent_name`, `geo_is_eu`, `geo_region`, `geo_city`,
    /// `geo_postal`, `geo_lat`, `geo_lon`, `geo_accuracy`, `geo_tz`, `geo_hash`,
    /// `geo_geoname_id`).
    public static func placeMetadata(_ result: ProbeResult<Place>) throws -> Metadata {
        try result.metadata(.nip66Geo) { p in
            var data: [String: JSONValue] = [:]
            for (key, value) in [
                ("geo_country", p.country), ("geo_country_name", p.countryName), ("geo_continent", p.continent),
                ("geo_continent_name", p.continentName), ("geo_region", p.region), ("geo_city", p.city), ("geo_postal", p.postal),
                ("geo_tz", p.timezone), ("geo_hash", p.geohash),
            ] {
                if let value { data[key] = .string(value) }
            }
            if let eu = p.isEU { data["geo_is_eu"] = .bool(eu) }
            for (key, value) in [("geo_lat", p.latitude), ("geo_lon", p.longitude)] {
                // Swift's shortest form of a double is Python's repr, which BigBrotr writes.
                if let value, case .number(let number)? = try? JSONValue(parsing: String(value)) { data[key] = .number(number) }
            }
            if let v = p.accuracy { data["geo_accuracy"] = .number(JSONNumber(Int64(v))) }
            if let v = p.geonameID { data["geo_geoname_id"] = .number(JSONNumber(Int64(v))) }
            return data
        }
    }

    /// The `nip66_net` record, in BigBrotr's keys (`net_ip`, `net_ipv6`, `net_asn`,
    /// `net_asn_org`, `net_network`, `net_network_v6`).
    public static func networkMetadata(_ result: ProbeResult<Network>) throws -> Metadata {
        try result.metadata(.nip66Net) { n in
            var data: [String: JSONValue] = [:]
            for (key, value) in [
                ("net_ip", n.ip), ("net_ipv6", n.ipv6), ("net_asn_org", n.organization), ("net_network", n.network), ("net_network_v6", n.networkV6),
            ] {
                if let value { data[key] = .string(value) }
            }
            if let asn = n.asn { data["net_asn"] = .number(JSONNumber(Int64(asn))) }
            return data
        }
    }
}
