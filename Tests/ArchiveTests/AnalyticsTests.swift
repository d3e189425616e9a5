import BrotrTestSupport
import Foundation
import GRDB
import Nostr
import Testing

@testable import Archive

/// The Refresher's tables: right against values computed apart from them, the same
/// whether kept current cycle by cycle or rebuilt at once, and rebuilt by a reindex.
struct AnalyticsTests {
    static let now: Int64 = 1_700_100_000
    static let onion = "ws://" + String(repeating: "a", count: 55) + "d.onion"

    static func relays() throws -> [RelayURL] {
        try [Corpus.relay(1), Corpus.relay(2), Corpus.relay(3), RelayURL(onion)]
    }

    /// Events the corpus does not make: every category, ties, `d` tags missing or empty,
    /// and times spread over the rolling windows.
    static func handmade() throws -> [Event] {
        let key = try SecretKey(hex: String(repeating: "0", count: 63) + "7")
        let other = try SecretKey(hex: String(repeating: "0", count: 63) + "9")
        func sign(_ kind: UInt16, _ tags: [[String]] = [], at time: Int64, by signer: SecretKey? = nil, _ content: String = "") throws -> Event {
            try Event.sign(kind: kind, tags: tags, content: content, createdAt: time, with: signer ?? key, auxRand: [UInt8](repeating: 1, count: 32))
        }
        return [
            try sign(0, at: now - 100, "{\"name\":\"a\"}"), try sign(0, at: now - 100, "{\"name\":\"b\"}"), try sign(0, at: now - 5000),
            try sign(10002, [["r", "ws://127.0.0.1:17001"]], at: now - 2 * 86400),
            try sign(30000, at: now - 3 * 3600), try sign(30001, [["d"]], at: now - 3 * 3600), try sign(30001, [["d", ""]], at: now - 3600),
            try sign(30023, [["d", "x"], ["d", "y"]], at: now - 10 * 86400), try sign(30023, [["d", "x"]], at: now - 9 * 86400),
            try sign(20001, at: now - 10), try sign(5000, at: now - 40 * 86400), try sign(45, at: now + 100), try sign(2, at: now - 1800),
            try sign(1, at: now - 86399, by: other), try sign(1, at: now - 86400, by: other), try sign(1, at: 86399, by: other),
        ]
    }

    static func nip11(_ fields: [String: JSONValue]) throws -> Metadata {
        try Metadata(type: .nip11Info, document: ["data": .object(fields), "logs": .object(["success": .bool(true)])])
    }

    static func check(_ answered: Bool) throws -> Metadata { try Metadata(type: .monitorCheck, document: ["answered": .bool(answered)]) }

    static func rtt(_ relay: RelayURL, at time: Int64, open: Int?, read: Int? = nil) throws -> RelayMetadataSnapshot {
        var values: [String: JSONValue] = [:]
        if let open { values["rtt_open"] = .number(JSONNumber(Int64(open))) }
        if let read { values["rtt_read"] = .number(JSONNumber(Int64(read))) }
        let document = try Metadata(type: .nip66RTT, document: ["logs": .object(["open_success": .bool(open != nil)])])
        return RelayMetadataSnapshot(relay: relay, metadata: document, generatedAt: time, values: values)
    }

    /// The known archive: the corpus and the handmade events at overlapping relays, and
    /// checks with NIP-11 documents, round trips and verdicts.
    static func build(_ archive: Archive, _ world: inout AnalyticsWorld) async throws {
        let writer = try #require(archive.writer)
        let relays = try relays()
        try await writer.addRelays(relays, discoveredAt: 1000)
        for relay in relays { world.relays[relay.url] = (relay.network.rawValue, 1000) }
        var generator = CorpusGenerator(seed: 7, authors: 12, start: now - 400)
        let corpus = (0..<240).map { _ in generator.next() }
        let events = corpus + (try handmade())
        // Relay 1 sees the first two thirds, relay 2 the last two thirds, the onion relay
        // every third event, relay 3 nothing; some events are seen nowhere.
        try await archive.write(Array(events[0..<170]), relay: relays[0])
        world.archived(Array(events[0..<170]), at: relays[0])
        try await archive.write(Array(events[80...]), relay: relays[1])
        world.archived(Array(events[80...]), at: relays[1])
        let thirds = events.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        try await archive.write(thirds, relay: relays[3])
        world.archived(thirds, at: relays[3])
        let unseen = try (0..<3).map { i in
            try Event.sign(kind: 7, content: "+", createdAt: now - Int64(i), with: SecretKey(hex: String(repeating: "1", count: 64)))
        }
        try await archive.write(unseen)
        world.archived(unseen, at: nil)

        var snapshots: [RelayMetadataSnapshot] = []
        let strfry = try nip11(["name": .string("one"), "software": .string("git+https://github.com/hoytech/strfry.git"),
            "version": .string("1.0.4"), "supported_nips": .array([.number(JSONNumber(1)), .number(JSONNumber(11)), .string("42"), .string("x")])])
        let unversioned = try nip11(["name": .string("two"), "software": .string("nostr-rs-relay"), "supported_nips": .array([.number(JSONNumber(1))])])
        let later = try nip11(["name": .string("one again"), "software": .string("git+https://github.com/hoytech/strfry.git"), "version": .string("1.0.4")])
        snapshots.append(RelayMetadataSnapshot(relay: relays[0], metadata: strfry, generatedAt: now - 7200))
        snapshots.append(RelayMetadataSnapshot(relay: relays[0], metadata: later, generatedAt: now - 3600))
        snapshots.append(RelayMetadataSnapshot(relay: relays[1], metadata: strfry, generatedAt: now - 3600))
        snapshots.append(RelayMetadataSnapshot(relay: relays[2], metadata: unversioned, generatedAt: now - 100))
        // Twelve round trips at relay 1 (the oldest two fall out of the mean), one failed.
        for i in 0..<12 { snapshots.append(try rtt(relays[0], at: now - Int64(i) * 600, open: i == 3 ? nil : 10 + i * 7, read: i % 2 == 0 ? 5 + i : nil)) }
        snapshots.append(try rtt(relays[1], at: now - 50, open: 33, read: 44))
        // Verdicts over 40 days at relay 1, two at relay 3.
        for i in 0..<40 { snapshots.append(RelayMetadataSnapshot(relay: relays[0], metadata: try check(i % 4 != 1), generatedAt: now - Int64(i) * 86400 / 4 * 4 - 60)) }
        snapshots.append(RelayMetadataSnapshot(relay: relays[2], metadata: try check(false), generatedAt: now - 31 * 86400))
        snapshots.append(RelayMetadataSnapshot(relay: relays[2], metadata: try check(true), generatedAt: now - 3 * 86400))
        _ = try await writer.recordMetadata(snapshots)
        world.snapshots += snapshots
    }

    static func tables(_ archive: Archive) throws -> [String: AnalyticsWorld.Table] {
        try archive.pool.read { db in try AnalyticsWorld.read(db) }
    }

    /// The tables as a full rebuild makes them, in a transaction rolled back after.
    static func rebuilt(_ archive: Archive, now: Int64) throws -> [String: AnalyticsWorld.Table] {
        var out: [String: AnalyticsWorld.Table] = [:]
        try archive.pool.writeWithoutTransaction { db in
            try db.inTransaction {
                _ = try AnalyticsRefresh(db: db, directory: archive.directory, now: now).run(full: true)
                out = try AnalyticsWorld.read(db)
                return .rollback
            }
        }
        return out
    }

    static func expectSame(_ got: [String: AnalyticsWorld.Table], _ want: [String: AnalyticsWorld.Table], _ label: String) {
        for table in AnalyticsTables.names {
            let g = got[table] ?? [:], w = want[table] ?? [:]
            #expect(Set(g.keys) == Set(w.keys), "\(label): \(table) rows differ: extra \(Set(g.keys).subtracting(w.keys).sorted().prefix(3)), missing \(Set(w.keys).subtracting(g.keys).sorted().prefix(3))")
            for (key, row) in g {
                guard let other = w[key] else { continue }
                for (column, value) in row where other[column] != value {
                    Issue.record("\(label): \(table)[\(key)].\(column) is \(value), expected \(other[column] ?? "nothing")")
                }
            }
        }
    }

    @Test func everyTableMatchesValuesComputedApart() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        var world = AnalyticsWorld()
        try await withArchive(tmp.data) { archive in
            try await Self.build(archive, &world)
            let writer = try #require(archive.writer)
            let report = try await writer.refreshAnalytics(now: Self.now)
            #expect(report.events == world.events.count)
            #expect(report.observations == world.seen.values.reduce(0) { $0 + $1.count })
            let got = try Self.tables(archive)
            let want = try world.expected(now: Self.now)
            for table in AnalyticsTables.names { #expect(!(want[table] ?? [:]).isEmpty, "the fixture leaves \(table) empty") }
            Self.expectSame(got, want, "incremental from empty")
            // The rolling windows move with time alone; a cycle with nothing new says so.
            let dayLater = try await writer.refreshAnalytics(now: Self.now + 86400)
            #expect(dayLater.events == 0 && dayLater.observations == 0)
            #expect((dayLater.rowsChanged["event_stats"] ?? 0) == 1 && (dayLater.rowsChanged["relay_uptime"] ?? 0) > 0)
            #expect((dayLater.rowsChanged["kind_counts"] ?? 0) == 0)
            Self.expectSame(try Self.tables(archive), try world.expected(now: Self.now + 86400), "a day later")
        }
        // A reindex rebuilds them from the segments; the next cycle finds nothing new.
        _ = try Archive.reindex(tmp.data, now: Self.now + 86400)
        try await withArchive(tmp.data) { archive in
            Self.expectSame(try Self.tables(archive), try world.expected(now: Self.now + 86400), "after reindex")
            let report = try await #require(archive.writer).refreshAnalytics(now: Self.now + 86400)
            #expect(!report.full && report.events == 0 && report.observations == 0 && report.snapshots == 0)
            Self.expectSame(try Self.tables(archive), try world.expected(now: Self.now + 86400), "after the next cycle")
        }
    }

    @Test func incrementalCyclesEqualAFullRebuild() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        var world = AnalyticsWorld()
        var rng = SplitMix64(seed: 42)
        func roll(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        try await withArchive(tmp.data) { archive in
            let writer = try #require(archive.writer)
            let relays = try Self.relays()
            try await writer.addRelays(Array(relays.prefix(2)), discoveredAt: 1000)
            for relay in relays.prefix(2) { world.relays[relay.url] = (relay.network.rawValue, 1000) }
            var generator = CorpusGenerator(seed: 9, authors: 8, start: Self.now - 3 * 86400)
            var now = Self.now
            for round in 0..<8 {
                if round == 3 {
                    // A relay that appears in a later cycle.
                    try await writer.addRelays(Array(relays.suffix(2)), discoveredAt: now)
                    for relay in relays.suffix(2) { world.relays[relay.url] = (relay.network.rawValue, now) }
                }
                let known = Array(world.relays.keys).sorted()
                if round != 5 {  // one cycle with nothing new at all
                    for _ in 0..<(1 + roll(3)) {
                        let relay = try RelayURL(known[roll(known.count)], allowLoopback: true)
                        let fresh = (0..<roll(40)).map { _ in generator.next() }
                        // Some events seen before, now at another relay.
                        let again = world.events.values.sorted { $0.id.hex < $1.id.hex }.filter { _ in roll(6) == 0 }
                        try await archive.write(fresh + again, relay: relay, seenAt: now)
                        world.archived(fresh + again, at: relay)
                    }
                    var snapshots: [RelayMetadataSnapshot] = []
                    for url in known where roll(2) == 0 {
                        let relay = try RelayURL(url, allowLoopback: true)
                        let at = now - Int64(roll(3600))
                        snapshots.append(try Self.rtt(relay, at: at, open: roll(5) == 0 ? nil : roll(300), read: roll(300)))
                        snapshots.append(RelayMetadataSnapshot(relay: relay, metadata: try Self.check(roll(3) != 0), generatedAt: at))
                        let software = ["strfry", "nostr-rs-relay", "khatru"][roll(3)]
                        var fields: [String: JSONValue] = ["name": .string("r\(roll(4))"), "software": .string(software)]
                        if roll(2) == 0 { fields["version"] = .string("1.\(roll(3))") }
                        fields["supported_nips"] = .array((0..<roll(4)).map { _ in .number(JSONNumber(Int64(roll(20)))) })
                        snapshots.append(RelayMetadataSnapshot(relay: relay, metadata: try Self.nip11(fields), generatedAt: at))
                    }
                    _ = try await writer.recordMetadata(snapshots)
                    world.snapshots += snapshots
                }
                now += Int64(roll(4)) * 3600 + (round == 6 ? 20 * 86400 : 0)
                _ = try await writer.refreshAnalytics(now: now)
                let incremental = try Self.tables(archive)
                Self.expectSame(incremental, try Self.rebuilt(archive, now: now), "round \(round)")
                Self.expectSame(incremental, try world.expected(now: now), "round \(round) against the reference")
            }
        }
    }
}
