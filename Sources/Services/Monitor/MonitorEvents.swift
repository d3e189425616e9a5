import Foundation
public import Nostr
import Probes

/// The events the Monitor publishes, signed by its key, as NIP-66 and BigBrotr shape them.
public enum MonitorEvents {
    /// Kind 30166 for one checked relay: the tags ``DiscoveryTags`` makes from what the
    /// checks found, and, as content, the NIP-11 record when the document was read (empty
    /// otherwise), as BigBrotr writes it.
    public static func discovery(_ inspection: RelayInspection, key: SecretKey, at now: Int64) throws -> Event {
        var content = ""
        if let nip11 = inspection.nip11, nip11.success { content = try NIP11Probe.metadata(nip11).canonicalJSON }
        return try Event.sign(kind: 30166, tags: DiscoveryTags.tags(inspection.findings), content: content, createdAt: now, with: key)
    }

    /// Kind 10166, the monitor's announcement: how often it checks (`frequency`), where it
    /// stands (`g`), the networks it checks (`n`), and each check it runs (`checks`) with its
    /// timeout (`c`, ["timeout", check, ms]) in NIP-66's lowercase names; rtt is its three
    /// phases.
    public static func announcement(
        _ settings: MonitorSettings, checks: [MonitorCheck], networks: [RelayNetwork], key: SecretKey, at now: Int64
    ) throws -> Event {
        var tags: [[String]] = [["frequency", String(settings.checkInterval)]]
        if !settings.publishing.geohash.isEmpty { tags.append(["g", settings.publishing.geohash]) }
        tags += networks.map { ["n", $0.rawValue] }
        // phases is brotr's own, not a check NIP-66 names.
        for check in checks where check != .phases {
            guard let policy = settings.checks[check] else { continue }
            let ms = String(RTTProbe.milliseconds(policy.timeout))
            let names = check == .rtt ? ["open", "read", "write"] : [check.rawValue]
            for name in names { tags += [["timeout", name, ms], ["c", name]] }
        }
        return try Event.sign(kind: 10166, tags: tags, content: "", createdAt: now, with: key)
    }

    /// Kind 0: the monitor's profile, the fields that are set.
    public static func profile(_ profile: MonitorProfile, key: SecretKey, at now: Int64) throws -> Event {
        var fields: [String: JSONValue] = [:]
        for (name, value) in [
            ("name", profile.name), ("about", profile.about), ("picture", profile.picture), ("nip05", profile.nip05),
            ("website", profile.website), ("banner", profile.banner), ("lud16", profile.lud16),
        ] where !value.isEmpty {
            fields[name] = .string(value)
        }
        let content = JSONValue.object(fields).jsonText
        return try Event.sign(kind: 0, tags: [], content: content, createdAt: now, with: key)
    }

    /// Kind 10002: the relays the monitor publishes to, as write relays.
    public static func relayList(_ relays: [RelayURL], key: SecretKey, at now: Int64) throws -> Event {
        try Event.sign(kind: 10002, tags: relays.map { ["r", $0.url, "write"] }, content: "", createdAt: now, with: key)
    }
}
