import BrotrTestSupport
import Foundation
import Nostr
import Testing

@testable import Archive

/// The write path: batches are archived once, read back exactly, deduplicated, observed
/// once per relay, and commit their state updates with them.
struct ArchiveWriteTests {
    @Test func writtenEventsReadBackExactly() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(400, seed: 21)
        #expect(Set(events.map(\.id)).count == events.count)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            let result = try await archive.write(events)
            #expect(result == BatchResult(new: 400, duplicates: 0, observations: 0))
            for event in events {
                let back = try archive.event(id: event.id)
                #expect(back == event)
            }
            // An id that was never written.
            let unknown = try #require(EventID(hex: String(repeating: "ab", count: 32)))
            let none = try archive.event(id: unknown)
            #expect(none == nil)
        }
        // And after reopening, read-write and read-only.
        for mode in [Archive.Mode.readWrite, .readOnly] {
            try await withArchive(tmp.data, mode: mode) { (archive: Archive) async throws in
                for event in events {
                    let back = try archive.event(id: event.id)
                    #expect(back == event)
                }
                let stats = try archive.stats()
                #expect(stats.events == 400)
            }
        }
    }

    @Test func aSecondWriteOfTheSameEventsIsAllDuplicates() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(150, seed: 22)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            #expect(try await archive.write(events).new == 150)
            let before = try archive.stats()
            let again = try await archive.write(events)
            #expect(again.duplicates == 150)
            #expect(again.new == 0)
            #expect(again.observations == 0)
            // Nothing was appended.
            let after = try archive.stats()
            #expect(after.segmentBytes == before.segmentBytes)
            #expect(after.events == 150)
            // A batch mixing old and new events: only the new are written.
            let more = try Corpus.events(170, seed: 22).suffix(20)
            let mixed = try await archive.write(Array(events.prefix(30)) + more)
            #expect(mixed.new == 20)
            #expect(mixed.duplicates == 30)
            #expect(try archive.stats().events == 170)
        }
        // Also across a reopen.
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            let again = try await archive.write(events)
            #expect(again.new == 0 && again.duplicates == 150)
        }
    }

    @Test func anEventRepeatedInsideOneBatchIsStoredOnce() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(50, seed: 23)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            let result = try await archive.write(events + events.prefix(10) + events, relay: try Corpus.relay(0))
            #expect(result.new == 50)
            #expect(result.observations == 50)
            #expect(try archive.count(matching: Filter()) == 50)
            #expect(try archive.allEvents() == events)
            let stats = try archive.stats()
            #expect(stats.events == 50 && stats.observations == 50 && stats.relays == 1)
        }
    }

    @Test func observationsAreRecordedOncePerEventAndRelay() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(80, seed: 24)
        let relay = try Corpus.relay(0)
        #expect(relay.url == "ws://127.0.0.1:17000")
        #expect(relay.network == .loopback)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            let first = try await archive.write(events, relay: relay, seenAt: 1000)
            #expect(first.new == 80 && first.observations == 80)
            // Seen again at the same relay, later: no new observation, first time kept.
            let second = try await archive.write(events, relay: relay, seenAt: 2000)
            #expect(second.duplicates == 80 && second.observations == 0)
            for event in events {
                let seen = try archive.relays(seeing: event.id)
                #expect(seen.map { $0.url } == [relay.url])
                #expect(seen.map { $0.seenAt } == [1000])
            }
            let stats = try archive.stats()
            #expect(stats.events == 80 && stats.relays == 1 && stats.observations == 80)
        }
        // After a reopen the relay is known and the observations are still unique.
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            let third = try await archive.write(events, relay: relay, seenAt: 3000)
            #expect(third.observations == 0)
            #expect(try archive.stats().observations == 80)
        }
    }

    @Test func anEventArchivedWithoutARelayGetsItsObservationLater() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(30, seed: 25)
        let relay = try Corpus.relay(3)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            try await archive.write(events)
            #expect(try archive.relays(seeing: events[0].id).isEmpty)
            let result = try await archive.write(events, relay: relay, seenAt: 42)
            #expect(result.new == 0 && result.duplicates == 30 && result.observations == 30)
            for event in events {
                let seen = try archive.relays(seeing: event.id)
                #expect(seen.count == 1 && seen.first?.url == relay.url && seen.first?.seenAt == 42)
            }
        }
    }

    @Test func overlappingRelaysStoreEachEventOnceWithOneObservationPerRelay() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(120, seed: 26)
        let relays = try (0..<3).map { try Corpus.relay($0) }
        // Relay 0 sees 0..<70, relay 1 sees 50..<120, relay 2 sees every third event.
        let seenBy: [[Int]] = [Array(0..<70), Array(50..<120), Array(stride(from: 0, to: 120, by: 3))]
        var expected: [EventID: Set<String>] = [:]
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            var newTotal = 0
            for (r, indices) in seenBy.enumerated() {
                // In two batches per relay, the second overlapping the first.
                let half = indices.count / 2
                let a = Array(indices[0..<min(indices.count, half + 5)]), b = Array(indices[half...])
                for part in [a, b] {
                    let result = try await archive.write(part.map { events[$0] }, relay: relays[r], seenAt: Int64(100 * r))
                    newTotal += result.new
                }
                for i in indices { expected[events[i].id, default: []].insert(relays[r].url) }
            }
            #expect(newTotal == 120)
            let stats = try archive.stats()
            #expect(stats.events == 120)
            #expect(stats.relays == 3)
            #expect(stats.observations == seenBy.reduce(0) { $0 + $1.count })
            #expect(try archive.allEvents().count == 120)
            for event in events {
                let seen = try archive.relays(seeing: event.id)
                #expect(seen.map { $0.url } == (expected[event.id] ?? []).sorted(), "\(event.id)")
                #expect(Set(seen.map { $0.url }).count == seen.count)
                let back = try archive.event(id: event.id)
                #expect(back == event)
            }
        }
    }

    @Test func statsCountEventsRelaysAndObservations() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(60, seed: 27)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            let empty = try archive.stats()
            #expect(empty.events == 0 && empty.relays == 0 && empty.observations == 0 && empty.metadata == 0)
            #expect(empty.segments == 1)
            #expect(empty.segmentBytes == Int64(SegmentHeader.size))
            try await archive.write(Array(events[0..<20]))
            try await archive.write(Array(events[10..<40]), relay: try Corpus.relay(1))
            try await archive.write(Array(events[30..<60]), relay: try Corpus.relay(2))
            let stats = try archive.stats()
            #expect(stats.events == 60)
            #expect(stats.relays == 2)
            #expect(stats.observations == 30 + 30)
            #expect(stats.segments == 1)
            #expect(stats.segmentBytes == (try Files.size(tmp.data.segmentFile(1))))
            #expect(stats.indexBytes > 0)
        }
    }

    @Test func stateUpdatesCommitWithTheirBatch() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(40, seed: 28)
        let relay = try Corpus.relay(0)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            try await archive.write(
                Array(events[0..<20]), relay: relay,
                state: [
                    ServiceStateUpdate(service: "synchronizer", key: "cursor:\(relay.url)", value: "1700000100", updatedAt: 10),
                    ServiceStateUpdate(service: "finder", key: "checkpoint", value: "{\"page\":3}", updatedAt: 11),
                ])
            #expect(try archive.serviceState("synchronizer", "cursor:\(relay.url)") == "1700000100")
            #expect(try archive.serviceState("finder", "checkpoint") == "{\"page\":3}")
            // A later batch replaces the value of the same key.
            try await archive.write(
                Array(events[20..<40]), relay: relay,
                state: [ServiceStateUpdate(service: "synchronizer", key: "cursor:\(relay.url)", value: "1700000200", updatedAt: 20)])
            #expect(try archive.serviceState("synchronizer", "cursor:\(relay.url)") == "1700000200")
            // A batch of duplicates only still commits its state.
            let dup = try await archive.write(
                Array(events[0..<5]),
                state: [ServiceStateUpdate(service: "synchronizer", key: "cursor:\(relay.url)", value: "1700000300", updatedAt: 30)])
            #expect(dup.new == 0 && dup.duplicates == 5)
            #expect(try archive.serviceState("synchronizer", "cursor:\(relay.url)") == "1700000300")
            // A batch with no events at all.
            try await archive.write([], state: [ServiceStateUpdate(service: "monitor", key: "last", value: "x", updatedAt: 40)])
            #expect(try archive.serviceState("monitor", "last") == "x")
            // State alone, through the writer.
            try await archive.writer?.setState([ServiceStateUpdate(service: "monitor", key: "last", value: "y", updatedAt: 41)])
            #expect(try archive.serviceState("monitor", "last") == "y")
            #expect(try archive.serviceStateRows().count == 3)
        }
        // Durable across a reopen.
        try await withArchive(tmp.data, mode: .readOnly) { (archive: Archive) async throws in
            #expect(try archive.serviceState("synchronizer", "cursor:\(relay.url)") == "1700000300")
            #expect(try archive.serviceState("finder", "checkpoint") == "{\"page\":3}")
            #expect(try archive.serviceState("monitor", "last") == "y")
            #expect(try archive.serviceStateRows() == [
                "finder|checkpoint|{\"page\":3}|11", "monitor|last|y|41", "synchronizer|cursor:\(relay.url)|1700000300|30",
            ])
        }
    }

    @Test func aReadOnlyArchiveHasNoWriterAndNeedsAnIndex() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        // Nothing there yet: read-only refuses, naming what is missing.
        let error = #expect(throws: ArchiveError.self) { _ = try Archive.open(tmp.data, mode: .readOnly) }
        #expect(error?.code == .invalidRequest)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            #expect(archive.writer != nil)
            try await archive.write(try Corpus.events(3, seed: 29))
        }
        try await withArchive(tmp.data, mode: .readOnly) { (archive: Archive) async throws in
            #expect(archive.writer == nil)
            #expect(try archive.stats().events == 3)
        }
    }
}
