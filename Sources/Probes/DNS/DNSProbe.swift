public import Nostr
public import Transport

/// NIP-66's dns check for a relay reached by name: its A, AAAA and CNAME records, the NS
/// records of its registered domain, the PTR record of its first IPv4 address, and the
/// TTL. Each record type is asked apart, so one that fails (a server failure, a timeout)
/// hides none of the others. Never throws.
public enum DNSProbe {
    /// What the lookups found; a type that failed is empty here and named in `errors`.
    public struct Records: Sendable, Hashable {
        public var ips: [String] = []
        public var ips6: [String] = []
        public var cname: String?
        public var reverse: String?
        public var ns: [String] = []
        /// Of the first A (or else AAAA) record, seconds.
        public var ttl: UInt32?
        /// Why a record type has no answer, by type: "a", "aaaa", "cname", "ns", "ptr".
        public var errors: [String: String] = [:]
    }

    /// Looks `host` up through `client`'s server. An IP address has nothing to look up.
    public static func run(host: String, client: DNSClient) async -> ProbeResult<Records> {
        guard IPAddress(host) == nil else { return .failure("\(host) is an address, not a name", retryable: false) }
        let labels = host.split(separator: ".")
        // The last two labels: right for most relays, not for names under a public suffix
        // such as co.uk.
        let domain = labels.suffix(2).joined(separator: ".")
        async let a = ask(client, host, .a)
        async let aaaa = ask(client, host, .aaaa)
        async let cname = ask(client, host, .cname)
        async let ns = ask(client, domain, .ns)
        var r = Records()
        for (name, answer) in [("a", await a), ("aaaa", await aaaa), ("cname", await cname), ("ns", await ns)] {
            switch answer {
            case .success(let records):
                switch name {
                case "a": r.ips = records.filter { $0.type == .a }.map(\.data)
                case "aaaa": r.ips6 = records.filter { $0.type == .aaaa }.map(\.data)
                case "cname": r.cname = records.first { $0.type == .cname }?.data
                default: r.ns = records.filter { $0.type == .ns }.map(\.data).sorted()
                }
                if r.ttl == nil, name == "a" || name == "aaaa" { r.ttl = records.first { $0.type == .a || $0.type == .aaaa }?.ttl }
            case .failure(let reason): r.errors[name] = reason
            }
        }
        if let ip = r.ips.first {
            let reversed = ip.split(separator: ".").reversed().joined(separator: ".") + ".in-addr.arpa"
            switch await ask(client, reversed, .ptr) {
            case .success(let records): r.reverse = records.first { $0.type == .ptr }?.data
            case .failure(let reason): r.errors["ptr"] = reason
            }
        }
        // A name with no address is no relay's name, whatever else it has.
        guard !(r.ips.isEmpty && r.ips6.isEmpty) else {
            let why = ["a", "aaaa"].compactMap { type in r.errors[type].map { "\(type): \($0)" } }.joined(separator: "; ")
            return .failure(why.isEmpty ? "no A or AAAA record for \(host)" : why, value: r)
        }
        return .success(r)
    }

    enum Outcome {
        case success([DNSRecord])
        case failure(String)
    }

    static func ask(_ client: DNSClient, _ name: String, _ type: DNSRecordType) async -> Outcome {
        do {
            let answer = try await client.query(name, type)
            switch answer.rcode {
            case 0: return .success(answer.records)
            case 2: return .failure("server failure")
            case 3: return .failure("no such name")
            case 5: return .failure("refused")
            case let code: return .failure("response code \(code)")
            }
        } catch {
            return .failure("\(error)")
        }
    }

    /// The `nip66_dns` record, in BigBrotr's keys (`dns_ips`, `dns_ips_v6`, `dns_cname`,
    /// `dns_reverse`, `dns_ns`), with `dns_errors` for the types that failed. The TTL,
    /// which counts down in a caching resolver, is a value (`dns_ttl`), beside the
    /// snapshot, so that the document stays the same from check to check.
    public static func record(_ result: ProbeResult<Records>) throws -> (document: Metadata, values: [String: JSONValue]) {
        let document = try result.metadata(.nip66DNS) { r in
            var data: [String: JSONValue] = [:]
            if !r.ips.isEmpty { data["dns_ips"] = .array(r.ips.map { .string($0) }) }
            if !r.ips6.isEmpty { data["dns_ips_v6"] = .array(r.ips6.map { .string($0) }) }
            if let v = r.cname { data["dns_cname"] = .string(v) }
            if let v = r.reverse { data["dns_reverse"] = .string(v) }
            if !r.ns.isEmpty { data["dns_ns"] = .array(r.ns.map { .string($0) }) }
            if !r.errors.isEmpty { data["dns_errors"] = .object(r.errors.mapValues { .string($0) }) }
            return data
        }
        let values: [String: JSONValue] = result.value?.ttl.map { ["dns_ttl": .number(JSONNumber(Int64($0)))] } ?? [:]
        return (document, values)
    }
}
