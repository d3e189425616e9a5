import Foundation
import GRDB
import Nostr

@testable import Archive

/// What a test put in an archive, kept apart from it, and the analytics tables computed
/// from that alone, in plain Swift: the reference the Refresher's SQL is checked against.
/// Rows are keyed by their primary key and hold each column as text (numbers with a
/// fraction to 4 places, blobs in hex, JSON re-canonicalized).
struct AnalyticsWorld {
    typealias Table = [String: [String: String]]

    var events: [EventID: Event] = [:]
    /// The relays each event was seen at.
    var seen: [EventID: Set<String>] = [:]
    var relays: [String: (network: String, discoveredAt: Int64)] = [:]
    var snapshots: [RelayMetadataSnapshot] = []

    mutating func archived(_ list: [Event], at relay: RelayURL?) {
        for event in list {
            events[event.id] = event
            if let relay { seen[event.id, default: []].insert(relay.url) }
        }
    }

    // MARK: Reading the archive's tables

    static func text(_ value: DatabaseValue, json: Bool = false) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .int64(let i): return String(i)
        case .double(let d): return String(format: "%.4f", d)
        case .string(let s): return json ? canonical(s) : s
        case .blob(let data): return data.map { String(format: "%02x", $0) }.joined()
        }
    }

    static func canonical(_ json: String) -> String {
        (try? Metadata(type: .nip11Info, json: json).canonicalJSON) ?? "invalid JSON: \(json)"
    }

    /// Every served table as the archive holds it (the event locator left out).
    static func read(_ db: Database) throws -> [String: Table] {
        var out: [String: Table] = [:]
        for table in AnalyticsTables.all {
            let columns = table.columns.filter { !$0.fromSegment }
            var rows: Table = [:]
            for row in try Row.fetchAll(db, sql: "SELECT \(columns.map(\.name).joined(separator: ", ")) FROM \(table.name)") {
                var values: [String: String] = [:]
                for column in columns { values[column.name] = text(row[column.name] as DatabaseValue, json: column.isJSON) }
                rows[table.primaryKey.map { values[$0] ?? "" }.joined(separator: "|")] = values
            }
            out[table.name] = rows
        }
        return out
    }

    // MARK: The reference

    static func category(_ kind: Int) -> String {
        switch kind {
        case 1, 2, 4...44, 1000...9999: "regular"
        case 0, 3, 10000...19999: "replaceable"
        case 20000...29999: "ephemeral"
        case 30000...39999: "addressable"
        default: "other"
        }
    }

    /// The UTC date of a Unix time's day (days from civil, inverted).
    static func day(_ createdAt: Int64) -> String {
        let z = createdAt / 86400 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(y)-\(two(m))-\(two(d))"
    }

    static func real(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "NULL" }
    static func int(_ value: Int64?) -> String { value.map { String($0) } ?? "NULL" }
    static func round(_ value: Double, _ places: Double) -> Double { (value * places).rounded() / places }

    func expected(now: Int64) throws -> [String: Table] {
        let all = Array(events.values)
        var out: [String: Table] = [:]

        var kinds: Table = [:]
        for (kind, group) in Dictionary(grouping: all, by: { Int($0.kind) }) {
            kinds["\(kind)"] = [
                "kind": "\(kind)", "event_count": "\(group.count)", "unique_pubkeys": "\(Set(group.map(\.pubkey)).count)",
                "category": Self.category(kind),
            ]
        }
        out["kind_counts"] = kinds

        var pubkeys: Table = [:]
        for (pubkey, group) in Dictionary(grouping: all, by: { $0.pubkey.hex }) {
            pubkeys[pubkey] = [
                "pubkey": pubkey, "event_count": "\(group.count)", "unique_kinds": "\(Set(group.map(\.kind)).count)",
                "first_event_timestamp": "\(group.map(\.createdAt).min() ?? 0)", "last_event_timestamp": "\(group.map(\.createdAt).max() ?? 0)",
            ]
        }
        out["pubkey_counts"] = pubkeys

        var days: Table = [:]
        for (day, group) in Dictionary(grouping: all, by: { Self.day($0.createdAt) }) {
            days[day] = [
                "day": day, "event_count": "\(group.count)", "unique_pubkeys": "\(Set(group.map(\.pubkey)).count)",
                "unique_kinds": "\(Set(group.map(\.kind)).count)",
            ]
        }
        out["event_daily_counts"] = days

        let times = all.map(\.createdAt)
        func count(_ category: String) -> String { "\(all.filter { Self.category(Int($0.kind)) == category }.count)" }
        func window(_ seconds: Int64) -> String { "\(times.filter { $0 >= now - seconds }.count)" }
        var perDay = Double(all.count)
        if let lo = times.min(), let hi = times.max(), hi > lo { perDay = Self.round(Double(all.count) / max(Double(hi - lo) / 86400, 1), 100) }
        out["event_stats"] = [
            "1": [
                "singleton_key": "1", "event_count": "\(all.count)", "unique_pubkeys": "\(pubkeys.count)", "unique_kinds": "\(kinds.count)",
                "earliest_event_timestamp": Self.int(times.min()), "latest_event_timestamp": Self.int(times.max()),
                "regular_event_count": count("regular"), "replaceable_event_count": count("replaceable"),
                "ephemeral_event_count": count("ephemeral"), "addressable_event_count": count("addressable"),
                "event_count_last_1h": window(3600), "event_count_last_24h": window(86400), "event_count_last_7d": window(7 * 86400),
                "event_count_last_30d": window(30 * 86400), "events_per_day": Self.real(perDay),
            ]
        ]

        func latest(_ group: [Event]) -> Event? {
            group.min { ($1.createdAt, $0.id.hex) < ($0.createdAt, $1.id.hex) }
        }
        var replaceable: Table = [:]
        for (key, group) in Dictionary(grouping: all.filter({ Self.category(Int($0.kind)) == "replaceable" }), by: { "\($0.pubkey.hex)|\($0.kind)" }) {
            guard let e = latest(group) else { continue }
            replaceable[key] = ["pubkey": e.pubkey.hex, "kind": "\(e.kind)", "id": e.id.hex, "created_at": "\(e.createdAt)"]
        }
        out["events_replaceable_latest"] = replaceable
        var addressable: Table = [:]
        func dTag(_ e: Event) -> String { e.tags.first { $0.first == "d" }.flatMap { $0.count > 1 ? $0[1] : nil } ?? "" }
        for (key, group) in Dictionary(grouping: all.filter({ Self.category(Int($0.kind)) == "addressable" }), by: { "\($0.pubkey.hex)|\($0.kind)|\(dTag($0))" }) {
            guard let e = latest(group) else { continue }
            addressable[key] = ["pubkey": e.pubkey.hex, "kind": "\(e.kind)", "id": e.id.hex, "created_at": "\(e.createdAt)", "d_tag": dTag(e)]
        }
        out["events_addressable_latest"] = addressable

        // Observations.
        let observed: [(event: Event, relay: String)] = seen.flatMap { id, relays in relays.compactMap { r in events[id].map { ($0, r) } } }
        var byRelayKind: Table = [:]
        for (key, group) in Dictionary(grouping: observed, by: { "\($0.event.kind)|\($0.relay)" }) {
            byRelayKind[key] = [
                "kind": "\(group[0].event.kind)", "relay_url": group[0].relay, "event_count": "\(group.count)",
                "unique_pubkeys": "\(Set(group.map(\.event.pubkey)).count)",
            ]
        }
        out["kind_counts_by_relay"] = byRelayKind
        var byRelayPubkey: Table = [:]
        for (_, group) in Dictionary(grouping: observed, by: { "\($0.event.pubkey.hex)|\($0.relay)" }) where group.count >= 2 {
            let pubkey = group[0].event.pubkey.hex
            byRelayPubkey["\(pubkey)|\(group[0].relay)"] = [
                "relay_url": group[0].relay, "pubkey": pubkey, "event_count": "\(group.count)",
                "unique_kinds": "\(Set(group.map(\.event.kind)).count)",
                "first_event_timestamp": "\(group.map(\.event.createdAt).min() ?? 0)",
                "last_event_timestamp": "\(group.map(\.event.createdAt).max() ?? 0)",
            ]
        }
        out["pubkey_counts_by_relay"] = byRelayPubkey

        var networks: Table = [:]
        for (network, members) in Dictionary(grouping: relays.keys, by: { relays[$0]?.network ?? "" }) {
            let urls = Set(members)
            let inNetwork = all.filter { !(seen[$0.id] ?? []).isDisjoint(with: urls) }
            networks[network] = [
                "network": network, "relay_count": "\(urls.count)", "event_count": "\(inNetwork.count)",
                "unique_pubkeys": "\(Set(inNetwork.map(\.pubkey)).count)", "unique_kinds": "\(Set(inNetwork.map(\.kind)).count)",
            ]
        }
        out["network_stats"] = networks

        // Metadata.
        var latest: [String: RelayMetadataSnapshot] = [:]
        for s in snapshots {
            let key = "\(s.relay.url)|\(s.metadata.type.name)"
            if let have = latest[key], have.generatedAt >= s.generatedAt { continue }
            latest[key] = s
        }
        var metadataLatest: Table = [:]
        for (key, s) in latest {
            var document = s.metadata.document
            if !s.values.isEmpty {
                var data = document["data"]?.objectValue ?? [:]
                for (k, v) in s.values { data[k] = v }
                document["data"] = .object(data)
            }
            metadataLatest[key] = [
                "relay_url": s.relay.url, "metadata_type": s.metadata.type.name, "generated_at": "\(s.generatedAt)",
                "metadata_id": s.metadata.hash.description, "data": try Metadata(type: s.metadata.type, document: document).canonicalJSON,
            ]
        }
        out["relay_metadata_latest"] = metadataLatest

        func nip11(_ relay: String) -> [String: JSONValue]? { latest["\(relay)|nip11_info"]?.metadata.document["data"]?.objectValue }
        func string(_ value: JSONValue?) -> String? { if case .string(let s)? = value { s } else { nil } }
        var stats: Table = [:]
        for (url, relay) in relays {
            let here = observed.filter { $0.relay == url }.map(\.event)
            let rtts = snapshots.filter { $0.relay.url == url && $0.metadata.type == .nip66RTT }.sorted { $0.generatedAt > $1.generatedAt }.prefix(10)
            func average(_ name: String) -> String {
                let values = rtts.compactMap { s -> Double? in if case .number(let n)? = s.values[name] { Double(n.description) } else { nil } }
                return values.isEmpty ? "NULL" : Self.real(Self.round(values.reduce(0, +) / Double(values.count), 100))
            }
            let info = nip11(url)
            stats[url] = [
                "relay_url": url, "network": relay.network, "discovered_at": "\(relay.discoveredAt)",
                "first_event_timestamp": Self.int(here.map(\.createdAt).min()), "last_event_timestamp": Self.int(here.map(\.createdAt).max()),
                "avg_rtt_open": average("rtt_open"), "avg_rtt_read": average("rtt_read"), "avg_rtt_write": average("rtt_write"),
                "event_count": "\(here.count)", "unique_pubkeys": "\(Set(here.map(\.pubkey)).count)", "unique_kinds": "\(Set(here.map(\.kind)).count)",
                "nip11_name": string(info?["name"]) ?? "NULL", "nip11_software": string(info?["software"]) ?? "NULL",
                "nip11_version": string(info?["version"]) ?? "NULL",
            ]
        }
        out["relay_stats"] = stats

        var software: Table = [:]
        var nips: [Int: Int] = [:]
        for url in relays.keys {
            guard let info = nip11(url) else { continue }
            if let name = string(info["software"]) {
                let version = string(info["version"]) ?? "unknown"
                let key = "\(name)|\(version)"
                let count = Int(software[key]?["relay_count"] ?? "0") ?? 0
                software[key] = ["software": name, "version": version, "relay_count": "\(count + 1)"]
            }
            if case .array(let list)? = info["supported_nips"] {
                for element in list {
                    if case .number(let n) = element, let nip = Int(n.description), nip >= 0 { nips[nip, default: 0] += 1 }
                    if case .string(let s) = element, !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), let nip = Int(s) { nips[nip, default: 0] += 1 }
                }
            }
        }
        out["relay_software_counts"] = software
        out["supported_nip_counts"] = Dictionary(uniqueKeysWithValues: nips.map { ("\($0.key)", ["nip": "\($0.key)", "relay_count": "\($0.value)"]) })

        var uptime: Table = [:]
        for (url, checks) in Dictionary(grouping: snapshots.filter { $0.metadata.type == .monitorCheck }, by: \.relay.url) {
            func answered(_ s: RelayMetadataSnapshot) -> Bool { s.metadata.document["answered"] == .bool(true) }
            var row = ["relay_url": url]
            for (name, seconds) in [("24h", Int64(86400)), ("7d", 7 * 86400), ("30d", 30 * 86400)] {
                let inWindow = checks.filter { $0.generatedAt >= now - seconds }
                row["checks_\(name)"] = "\(inWindow.count)"
                row["uptime_\(name)"] =
                    inWindow.isEmpty ? "NULL" : Self.real(Self.round(Double(inWindow.filter(answered).count) / Double(inWindow.count), 10000))
            }
            row["last_up"] = Self.int(checks.filter(answered).map(\.generatedAt).max())
            row["last_down"] = Self.int(checks.filter { !answered($0) }.map(\.generatedAt).max())
            uptime[url] = row
        }
        out["relay_uptime"] = uptime
        return out
    }
}
