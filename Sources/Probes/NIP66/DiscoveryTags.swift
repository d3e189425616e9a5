public import Nostr
public import Transport

/// The tags of a NIP-66 kind 30166 event for one relay, from what the probes measured.
///
/// Measured truth beats self-report: whether the relay demands AUTH, restricts writes,
/// wants proof of work or payment (`R`) is decided by what the write and auth probes met,
/// and the NIP-11 document only fills in what they could not tell. BigBrotr's consumers
/// read the same tag names, in BigBrotr's order: `d`, `n`, `rtt-*` as strings of
/// milliseconds, `ssl`, `ssl-expires` and `ssl-issuer`, `net-*` and `geo-*` with `g` and their NIP-32 `l`
/// labels, `dns-ip`, `dns-ip6`, `dns-cname`
/// and `dns-ttl`, `http-server` and `http-powered-by`, `N`, `t`, `l` with ISO-639-1, all four
/// `R`, `T`, and `k` for the kind the write probe measured.
public enum DiscoveryTags {
    /// What the checks of one relay found; a check not run is nil.
    public struct Findings: Sendable {
        public var relay: RelayURL
        public var document: NIP11Document?
        public var rtt: RTTProbe.Measurement?
        public var ssl: SSLProbe.Description?
        public var net: GeoProbe.Network?
        public var geo: GeoProbe.Place?
        public var dns: DNSProbe.Records?
        /// The connection's upgrade response, for the http tags.
        public var http: ConnectionHandshake?

        public init(
            relay: RelayURL, document: NIP11Document? = nil, rtt: RTTProbe.Measurement? = nil, ssl: SSLProbe.Description? = nil,
            net: GeoProbe.Network? = nil, geo: GeoProbe.Place? = nil, dns: DNSProbe.Records? = nil, http: ConnectionHandshake? = nil
        ) {
            self.relay = relay
            self.document = document
            self.rtt = rtt
            self.ssl = ssl
            self.net = net
            self.geo = geo
            self.dns = dns
            self.http = http
        }
    }

    /// The four requirements, as `R` tags say them.
    public struct Requirements: Sendable, Hashable {
        public var auth: Bool
        public var writes: Bool
        public var pow: Bool
        public var payment: Bool

        public init(auth: Bool, writes: Bool, pow: Bool, payment: Bool) {
            self.auth = auth
            self.writes = writes
            self.pow = pow
            self.payment = payment
        }
    }

    public static func tags(_ f: Findings) -> [[String]] {
        var tags: [[String]] = [["d", f.relay.url], ["n", f.relay.network.rawValue]]
        if let rtt = f.rtt {
            for (name, phase) in [("open", rtt.open), ("read", rtt.read), ("write", rtt.write)] {
                if let ms = phase?.milliseconds, phase?.success == true { tags.append(["rtt-\(name)", String(ms)]) }
            }
        }
        if let ssl = f.ssl {
            tags.append(["ssl", ssl.valid ? "valid" : "!valid"])
            tags.append(["ssl-expires", String(ssl.expires)])
            if let issuer = ssl.issuer { tags.append(["ssl-issuer", issuer]) }
        }
        if let net = f.net {
            if let ip = net.ip { tags.append(["net-ip", ip]) }
            if let ip6 = net.ipv6 { tags.append(["net-ipv6", ip6]) }
            if let asn = net.asn { tags += [["net-asn", String(asn)], ["l", String(asn), "IANA-asn"]] }
            if let org = net.organization { tags += [["net-asn-org", org], ["l", org, "IANA-asnOrg"]] }
        }
        if let geo = f.geo {
            if let hash = geo.geohash { tags.append(["g", hash]) }
            if let country = geo.country { tags += [["geo-country", country], ["l", country, "ISO-3166-1"]] }
            if let city = geo.city { tags += [["geo-city", city], ["l", city, "nip66.label.city"]] }
            if let lat = geo.latitude { tags.append(["geo-lat", String(lat)]) }
            if let lon = geo.longitude { tags.append(["geo-lon", String(lon)]) }
            if let tz = geo.timezone { tags += [["geo-tz", tz], ["l", tz, "IANA-tz"]] }
        }
        if let dns = f.dns {
            if let ip = dns.ips.first { tags.append(["dns-ip", ip]) }
            if let ip6 = dns.ips6.first { tags.append(["dns-ip6", ip6]) }
            if let cname = dns.cname { tags.append(["dns-cname", cname]) }
            if let ttl = dns.ttl { tags.append(["dns-ttl", String(ttl)]) }
        }
        if let server = f.http?.server { tags.append(["http-server", server]) }
        if let poweredBy = f.http?.poweredBy { tags.append(["http-powered-by", poweredBy]) }
        if let document = f.document {
            tags += document.supportedNIPs.map { ["N", String($0)] }
            tags += document.tags.map { ["t", $0] }
            var languages = Set<String>()
            if !document.languageTags.contains("*") {
                for tag in document.languageTags {
                    let primary = tag.prefix { $0 != "-" }.lowercased()
                    if primary.count == 2, languages.insert(primary).inserted { tags.append(["l", primary, "ISO-639-1"]) }
                }
            }
        }
        let r = requirements(f)
        for (name, on) in [("auth", r.auth), ("payment", r.payment), ("writes", r.writes), ("pow", r.pow)] {
            tags.append(["R", on ? name : "!\(name)"])
        }
        tags += types(f, r).map { ["T", $0] }
        // The one kind the write probe measured: accepted, or refused.
        if let write = f.rtt?.write, write.success || write.reason?.contains(":") == true {
            tags.append(["k", write.success ? "22456" : "!22456"])
        }
        return tags
    }

    /// Requirements from the probes first, the document second.
    public static func requirements(_ f: Findings) -> Requirements {
        let limitation = f.document
        let write = f.rtt?.write
        let written = write?.success == true
        let refusal = written ? "" : (write?.reason ?? "")
        let readRefusal = f.rtt?.read.success == false ? (f.rtt?.read.reason ?? "") : ""
        func refused(_ prefix: String) -> Bool { refusal.hasPrefix(prefix) || readRefusal.hasPrefix(prefix) }
        // A challenge alone says nothing: many relays send one and serve everyone anyway.
        let auth = refused("auth-required:") || (!written && limitation?.authRequired == true)
        let pow: Bool = refusal.hasPrefix("pow:") || (limitation?.minPowDifficulty ?? 0) > 0
        let payment: Bool = refused("payment-required:") || (!written && limitation?.paymentRequired == true)
        let writes: Bool = refused("restricted:") || refused("blocked:") || (!written && limitation?.restrictedWrites == true)
        return Requirements(auth: auth, writes: writes, pow: pow, payment: payment)
    }

    /// NIP-66's relay types (`T`), as BigBrotr derives them.
    static func types(_ f: Findings, _ r: Requirements) -> [String] {
        var types: [String] = []
        let nips = Set(f.document?.supportedNIPs ?? [])
        if nips.contains(50) { types.append("Search") }
        if nips.contains(29) { types.append("Community") }
        if nips.contains(95) { types.append("Blob") }
        if r.payment { types.append("Paid") }
        if f.rtt?.read.success == false, f.rtt?.read.reason?.hasPrefix("auth-required:") == true {
            types.append(r.auth ? "PrivateStorage" : "PrivateInbox")
        } else if r.auth || r.writes || r.payment {
            types.append("PublicOutbox")
        } else {
            types.append("PublicInbox")
        }
        return types
    }
}
