public import Archive
public import Nostr
public import Probes
public import Transport

/// Every enabled check of one relay, run in BigBrotr's order: NIP-11 first (the write
/// probe needs its proof-of-work demand), then the round trips (whose connection gives the
/// http and phases checks theirs), then AUTH, NIP-77 and ssl together; dns all along; geo
/// and net last, from the address. Each check has its own timeout and retries and its own
/// result: one check's failure never hides another's. When the relay cannot be opened at
/// all, the checks that need a connection are not tried again and take the open failure
/// as theirs.
public struct RelayInspection: Sendable {
    public var relay: RelayURL
    /// When the checks started, Unix seconds.
    public var checkedAt: Int64
    /// Each check's result; nil: not run.
    public var nip11: ProbeResult<NIP11Document>?
    public var rtt: ProbeResult<RTTProbe.Measurement>?
    public var auth: ProbeResult<AuthProbe.Answer>?
    public var nip77: ProbeResult<NIP77Probe.Answer>?
    /// The certificate, for a wss relay on the clearnet (or loopback).
    public var ssl: ProbeResult<SSLProbe.Description>?
    /// The relay name's records, for a relay reached by name on the clearnet (or loopback).
    public var dns: ProbeResult<DNSProbe.Records>?
    /// Where its address is and whose network it is in.
    public var geo: ProbeResult<GeoProbe.Place>?
    public var net: ProbeResult<GeoProbe.Network>?

    /// What opening a connection showed (for the http and phases checks).
    public var handshake: ProbeResult<ConnectionHandshake>?
    /// Which of http and phases are on.
    public var http = false
    public var phases = false

    public init(relay: RelayURL, checkedAt: Int64) {
        self.relay = relay
        self.checkedAt = checkedAt
    }

    /// The GeoIP files the geo and net checks read; nil: that check is off.
    public struct GeoDatabases: Sendable {
        public var city: MaxMindDatabase?
        public var asn: MaxMindDatabase?

        public init(city: MaxMindDatabase? = nil, asn: MaxMindDatabase? = nil) {
            self.city = city
            self.asn = asn
        }
    }

    /// Runs the checks `settings` enables. `key` signs the write probe and the AUTH answer;
    /// without it the write is not tried and a challenge is not answered.
    public static func run(
        _ relay: RelayURL, at now: Int64, settings: MonitorSettings, key: SecretKey?, options: ConnectionOptions,
        geoip: GeoDatabases = GeoDatabases()
    ) async -> RelayInspection {
        var inspection = RelayInspection(relay: relay, checkedAt: now)
        // Not a connection to the relay: asked alongside the rest, whatever they find.
        async let dns: ProbeResult<DNSProbe.Records>? = {
            guard let policy = settings.policy(.dns), isDirect(relay), IPAddress(relay.host) == nil else { return nil }
            let client = DNSClient(server: settings.dnsServer ?? .system(), timeout: policy.timeout)
            return await policy.retry.run { await DNSProbe.run(host: relay.host, client: client) }
        }()
        if let policy = settings.policy(.nip11) {
            let nip11 = NIP11Probe.Settings(timeout: policy.timeout, maxBytes: settings.nip11MaxBytes)
            inspection.nip11 = await policy.retry.run { await NIP11Probe.run(relay, settings: nip11, options: options) }
        }
        if let policy = settings.policy(.rtt) {
            let rtt = RTTProbe.Settings(timeout: policy.timeout, maxPowDifficulty: settings.maxPowDifficulty)
            let document = inspection.nip11?.value
            inspection.rtt = await policy.retry.run { await RTTProbe.run(relay, key: key, document: document, settings: rtt, options: options) }
        }
        inspection.http = settings.policy(.http) != nil
        inspection.phases = settings.policy(.phases) != nil
        if let rtt = inspection.rtt {
            if let handshake = rtt.value?.handshake { inspection.handshake = .success(handshake) }
            // The relay could not be opened: the other connection checks would only fail the same way.
            if rtt.value?.open.success != true {
                let reason = rtt.reason ?? "could not connect"
                let failed = ProbeResult<ConnectionHandshake>.failure(reason, logs: ["not tried: the round-trip check could not connect"])
                if inspection.http || inspection.phases { inspection.handshake = failed }
                if settings.policy(.auth) != nil { inspection.auth = .failure(reason, logs: failed.logs) }
                if settings.policy(.nip77) != nil { inspection.nip77 = .failure(reason, logs: failed.logs) }
                if settings.policy(.ssl) != nil, hasCertificate(relay) { inspection.ssl = .failure(reason, logs: failed.logs) }
                inspection.dns = await dns
                await inspection.locate(settings: settings, geoip: geoip)
                return inspection
            }
        } else if let policy = settings.policy(.http) ?? settings.policy(.phases) {
            inspection.handshake = await policy.retry.run { await HandshakeProbe.run(relay, timeout: policy.timeout, options: options) }
        }
        async let auth: ProbeResult<AuthProbe.Answer>? = {
            guard let policy = settings.policy(.auth) else { return nil }
            return await policy.retry.run { await AuthProbe.run(relay, key: key, timeout: policy.timeout, options: options) }
        }()
        async let nip77: ProbeResult<NIP77Probe.Answer>? = {
            guard let policy = settings.policy(.nip77) else { return nil }
            return await policy.retry.run { await NIP77Probe.run(relay, timeout: policy.timeout, options: options) }
        }()
        async let ssl: ProbeResult<SSLProbe.Description>? = {
            guard let policy = settings.policy(.ssl), hasCertificate(relay) else { return nil }
            return await policy.retry.run { await SSLProbe.run(relay, timeout: policy.timeout, options: options) }
        }()
        inspection.auth = await auth
        inspection.nip77 = await nip77
        inspection.ssl = await ssl
        inspection.dns = await dns
        await inspection.locate(settings: settings, geoip: geoip)
        return inspection
    }

    /// The geo and net checks, for a clearnet (or loopback) relay: its address is its host,
    /// or what the dns check found, or else an A and AAAA lookup of its own.
    mutating func locate(settings: MonitorSettings, geoip: GeoDatabases) async {
        let city = settings.policy(.geo) != nil ? geoip.city : nil
        let asn = settings.policy(.net) != nil ? geoip.asn : nil
        guard city != nil || asn != nil, Self.isDirect(relay) else { return }
        var v4: String?, v6: String?
        switch IPAddress(relay.host) {
        case .v4?: v4 = relay.host
        case .v6?: v6 = relay.host
        case nil:
            var found = dns?.value
            if found == nil {
                let client = DNSClient(server: settings.dnsServer ?? .system(), timeout: settings.checks[.dns]?.timeout ?? .seconds(5))
                found = await DNSProbe.run(host: relay.host, client: client).value
            }
            (v4, v6) = (found?.ips.first, found?.ips6.first)
        }
        if let city {
            if let ip = v4 ?? v6 {
                geo = GeoProbe.place(ip, in: city, geohashPrecision: settings.geohashPrecision)
            } else {
                geo = .failure("no address for \(relay.host)")
            }
        }
        if let asn { net = GeoProbe.network(ipv4: v4, ipv6: v6, in: asn) }
    }

    /// Whether the relay is reached directly, on the clearnet (or loopback): the ssl, dns,
    /// geo and net checks look at its own name and address, which an overlay network hides.
    static func isDirect(_ relay: RelayURL) -> Bool {
        relay.network == .clearnet || relay.network == .loopback
    }

    /// Whether the ssl check applies: a wss relay reached directly.
    static func hasCertificate(_ relay: RelayURL) -> Bool {
        relay.scheme == "wss" && isDirect(relay)
    }

    /// Whether any check found the relay up: a check that passed, or a web server that
    /// answered without a NIP-11 document. A relay that is not up counts as a failure for
    /// the back-off.
    public var answered: Bool {
        nip11.map { $0.success || !$0.retryable } == true || rtt?.value?.open.success == true || auth?.success == true
            || nip77?.success == true || handshake?.success == true || ssl?.success == true
    }

    /// Whether the relay speaks NIP-77, when the probe got an answer (silence says no).
    public var speaksNIP77: Bool? {
        guard let answer = nip77?.value else { return nil }
        return answer == .supported
    }

    /// The checks that ran, and whether each passed.
    public var outcomes: [(check: MonitorCheck, success: Bool)] {
        var list: [(MonitorCheck, Bool)] = []
        if let nip11 { list.append((.nip11, nip11.success)) }
        if let rtt { list.append((.rtt, rtt.success)) }
        if let auth { list.append((.auth, auth.success)) }
        if let nip77 { list.append((.nip77, nip77.success)) }
        if let ssl { list.append((.ssl, ssl.success)) }
        if let geo { list.append((.geo, geo.success)) }
        if let net { list.append((.net, net.success)) }
        if let dns { list.append((.dns, dns.success)) }
        if let handshake {
            if http { list.append((.http, handshake.success)) }
            if phases { list.append((.phases, handshake.success)) }
        }
        return list
    }

    /// One snapshot per check that ran, for the archive.
    public func snapshots() throws -> [RelayMetadataSnapshot] {
        var snapshots: [RelayMetadataSnapshot] = []
        func add(_ metadata: Metadata, values: [String: JSONValue] = [:]) {
            snapshots.append(RelayMetadataSnapshot(relay: relay, metadata: metadata, generatedAt: checkedAt, values: values))
        }
        if let nip11 { add(try NIP11Probe.metadata(nip11)) }
        if let measurement = rtt?.value {
            let record = try RTTProbe.record(measurement)
            add(record.document, values: record.values)
        }
        if let auth { add(try AuthProbe.metadata(auth)) }
        if let nip77 { add(try NIP77Probe.metadata(nip77)) }
        if let ssl { add(try SSLProbe.metadata(ssl)) }
        if let geo { add(try GeoProbe.placeMetadata(geo)) }
        if let net { add(try GeoProbe.networkMetadata(net)) }
        if let dns {
            let record = try DNSProbe.record(dns)
            add(record.document, values: record.values)
        }
        if let handshake {
            if http { add(try HandshakeProbe.httpMetadata(handshake)) }
            if phases {
                let record = try HandshakeProbe.phasesRecord(handshake)
                add(record.document, values: record.values)
            }
        }
        // The verdict of the whole check, for uptime: whether any check found the relay up.
        add(try Metadata(type: .monitorCheck, document: ["answered": .bool(answered)]))
        return snapshots
    }

    /// What the checks found, for the relay's kind 30166 tags.
    public var findings: DiscoveryTags.Findings {
        DiscoveryTags.Findings(relay: relay, document: nip11?.value, rtt: rtt?.value, ssl: ssl?.value, net: net?.value, geo: geo?.value, dns: dns?.value, http: http ? handshake?.value : nil)
    }
}
