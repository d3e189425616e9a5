import BrotrTestSupport
import Foundation
import GRDB
import Nostr
import Testing

@testable import Archive

/// The schema the binary embeds is the one in schema/, file for file.
struct SchemaTests {
    /// The repository root: Tests/ArchiveTests/SchemaTests.swift is three levels down.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let schemaDirectory = root.appendingPathComponent("schema")

    static func sqlFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path).filter { $0.hasSuffix(".sql") }.sorted()
    }

    @Test func theFirstMigrationIsSchemaFile001Exactly() throws {
        let text = try String(contentsOf: Self.schemaDirectory.appendingPathComponent("001-initial.sql"), encoding: .utf8)
        #expect(text == IndexSchema.v1)
        if text != IndexSchema.v1 {
            // Say where they part, to make a mismatch easy to fix.
            let a = Array(text.utf8), b = Array(IndexSchema.v1.utf8)
            let at = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("first difference at byte \(at) (file \(a.count) bytes, embedded \(b.count) bytes)")
        }
    }

    @Test func migrationsMatchTheSchemaFiles() throws {
        let files = try Self.sqlFiles()
        #expect(!files.isEmpty)
        #expect(IndexSchema.migrations.map { $0.name } == files.map { String($0.dropLast(4)) })
        for (name, sql) in IndexSchema.migrations {
            let text = try String(contentsOf: Self.schemaDirectory.appendingPathComponent(name + ".sql"), encoding: .utf8)
            #expect(text == sql, "\(name).sql differs from the embedded migration")
        }
        // Names are NNN-words, numbered from 001 without gaps.
        for (i, name) in IndexSchema.migrations.map({ $0.name }).enumerated() {
            let number = String(format: "%03d", i + 1)
            #expect(name.hasPrefix(number + "-"), "\(name)")
        }
    }

    @Test func aNewIndexHasEveryTableAndRecordsItsMigrations() throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let pool = try Archive.openIndex(at: tmp.path + "/index.sqlite")
        let tables = try pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb_%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
        let archiveTables = [
            "event", "event_key", "event_relay", "frame", "key_run", "kind_tally", "metadata", "pubkey", "relay", "relay_metadata", "relay_state", "segment",
            "service_state", "tally", "watermark",
        ]
        #expect(tables == (archiveTables + AnalyticsRefresh.allTables + ["analytics_watermark"]).sorted())
        // The served tables hold exactly the columns the API's catalogue names.
        for table in AnalyticsTables.all {
            let columns = try pool.read { db in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.name))").map { $0["name"] as String } }
            #expect(Set(columns) == Set(table.storedColumns), "\(table.name)")
            let key = try pool.read { db in
                try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.name))").filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
                    .map { $0["name"] as String }
            }
            #expect(key == table.primaryKey, "\(table.name)")
        }
        let applied = try pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == IndexSchema.migrations.map { $0.name })
        // Opening again applies nothing twice.
        let again = try Archive.openIndex(at: tmp.path + "/index.sqlite")
        let twice = try again.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        #expect(twice == IndexSchema.migrations.count)
    }

    /// Schema 002 turns version-1 tag rows (letter, value key, event) into the keys that
    /// the writer makes now, for negative and positive value keys alike; rows that come to
    /// share a key merge.
    @Test func migration002ConvertsTagRowsToTheKeysTheWriterMakes() throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let queue = try DatabaseQueue(path: tmp.path + "/index.sqlite")
        var migrator = DatabaseMigrator()
        for (name, sql) in IndexSchema.migrations { migrator.registerMigration(name) { db in try db.execute(sql: sql) } }
        try migrator.migrate(queue, upTo: "001-initial")
        let old: [(letter: UInt8, value: Int64, event: Int64)] = [
            (0x65, Int64.min, 1), (0x65, -1, 2), (0x70, 0, 3), (0x70, 0x0123_4567_89AB_CDEF, 4), (0x74, Int64.max, 5),
            (0x70, 0x0123_4567_89AB_CD00, 4),  // differs from row 4 only in the dropped low byte
        ]
        try queue.write { db in
            for row in old {
                try db.execute(
                    sql: "INSERT INTO event_tag (name, value, event) VALUES (?, ?, ?)", arguments: [Int64(row.letter), row.value, row.event])
            }
        }
        try migrator.migrate(queue, upTo: "002-tag-key")
        let converted = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT key, event FROM event_tag ORDER BY key, event").map { TagRow(key: $0["key"], event: $0["event"]) }
        }
        // Schema 002's key: the letter in the top byte, the value key's first 7 bytes below.
        let expected = Set(old.map { TagRow(key: Int64($0.letter) << 56 | ($0.value >> 8) & 0x00FF_FFFF_FFFF_FFFF, event: $0.event) }).sorted()
        #expect(converted == expected)
        #expect(converted.count == 5)
        #expect(converted.map { $0.key >> 56 } == [0x65, 0x65, 0x70, 0x70, 0x74])
        #expect(converted[3].key == 0x7001_2345_6789_ABCD)
        #expect(converted[0].key == 0x6580_0000_0000_0000)  // Int64.min: the sign bit lands below the letter
    }

    /// A read-only open cannot migrate: an index at schema 001 is refused with what to do;
    /// a read-write open migrates it, and read-only opens work again.
    @Test func aReadOnlyOpenRefusesAnIndexThatNeedsMigrating() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        try await withArchive(tmp.data) { _ in }  // creates the directory and a current index
        try FileManager.default.removeItem(atPath: tmp.data.indexFile)
        do {
            let queue = try DatabaseQueue(path: tmp.data.indexFile)
            var migrator = DatabaseMigrator()
            for (name, sql) in IndexSchema.migrations { migrator.registerMigration(name) { db in try db.execute(sql: sql) } }
            try migrator.migrate(queue, upTo: "001-initial")
        }
        let error = #expect(throws: ArchiveError.self) { try Archive.open(tmp.data, mode: .readOnly) }
        #expect(error?.message.contains("002-tag-key") == true, "\(String(describing: error))")
        #expect(error?.message.contains("brotr reindex") == true)
        try await withArchive(tmp.data) { _ in }
        try await withArchive(tmp.data, mode: .readOnly) { (archive: Archive) async throws in
            #expect(try archive.count(matching: try Filter(tags: ["p": ["x"]])) == 0)
        }
    }

    /// An index a newer brotr wrote (a migration this build does not know) is refused, by a
    /// read-write and a read-only open alike, with the version that wrote it and what to do,
    /// and is left as it was. A read-write open of a current index records this version.
    @Test func anIndexFromANewerBrotrIsRefusedNamingItsVersion() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        try await withArchive(tmp.data) { _ in }
        let queue = try DatabaseQueue(path: tmp.data.indexFile)
        #expect(try await queue.read { db in try Int32.fetchOne(db, sql: "PRAGMA user_version") } == BrotrVersion.number)
        // What brotr 9.2.14 would leave behind.
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('999-future')")
            try db.execute(sql: "PRAGMA user_version = 9002014")
        }
        try queue.close()
        for mode in [Archive.Mode.readWrite, .readOnly] {
            let error = #expect(throws: ArchiveError.self) { try Archive.open(tmp.data, mode: mode) }
            #expect(error?.code == .unsupportedVersion)
            let message = error?.message ?? ""
            #expect(message.contains("brotr 9.2.14") && message.contains("999-future") && message.contains("brotr reindex"), "\(message)")
        }
        let after = try DatabaseQueue(path: tmp.data.indexFile)
        #expect(try await after.read { db in try Int32.fetchOne(db, sql: "PRAGMA user_version") } == 9_002_014)
        try after.close()
    }

    /// Schema 003 turns an index at 002 into one ready run holding every event's id key,
    /// author key and tag keys, exactly the keys the writer makes, and totals that match
    /// the tables; lookups by id, author and tag then find the events.
    @Test func migration003MakesOneRunOfTheKeysTheWriterMakes() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(40, seed: 303)
        // The keys the writer makes, from an archive written now.
        let expected = try await withArchive(tmp.data) { archive in
            _ = try await archive.write(events, relay: try RelayURL("ws://127.0.0.1:7000", allowLoopback: true))
            return try await archive.pool.read { db in try Row.fetchAll(db, sql: "SELECT key, event FROM event_key ORDER BY key, event").map(\.description) }
        }
        #expect(expected.count > 80)
        // The same rows at schema 002: event_tag from the tag keys, no event_key.
        let path = tmp.path + "/old.sqlite"
        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        for (name, sql) in IndexSchema.migrations { migrator.registerMigration(name) { db in try db.execute(sql: sql) } }
        try migrator.migrate(queue, upTo: "002-tag-key")
        try await queue.write { db in
            try db.execute(sql: "ATTACH DATABASE ? AS current", arguments: [tmp.data.indexFile])
            for table in ["pubkey", "relay", "frame", "event_relay"] { try db.execute(sql: "INSERT INTO \(table) SELECT * FROM current.\(table)") }
            try db.execute(sql: "INSERT INTO event (rowid, id, pubkey, created_at, kind, frame, pos) SELECT rowid, id, pubkey, created_at, kind, frame, pos FROM current.event")
            // Schema 002's tag keys had 56 bits below the letter: 003 keeps the first 40.
            // The second copy differs only in bits 003 drops, so it must come out once.
            for low in [0, 0x1234] {
                try db.execute(sql: """
                    INSERT INTO event_tag (key, event) SELECT ((key >> 40) << 56) | ((key & 0xFFFFFFFFFF) << 16) | \(low), event
                    FROM current.event_key WHERE key >= \(IndexKey.first(0x41))
                    """)
            }
        }
        try queue.close()
        let pool = try Archive.openIndex(at: path)
        try await pool.read { db in
            let keys = try Row.fetchAll(db, sql: "SELECT key, event FROM event_key ORDER BY key, event").map(\.description)
            #expect(keys == expected)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_run") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT rows FROM key_run") == expected.count)
            #expect(try Int.fetchOne(db, sql: "SELECT ids FROM key_run") == events.count)
            #expect(try KeyRuns.inconsistencies(db).isEmpty)
            #expect(try Int.fetchOne(db, sql: "SELECT value FROM tally WHERE name = 'events'") == events.count)
            #expect(try Int.fetchOne(db, sql: "SELECT value FROM tally WHERE name = 'observations'") == events.count)
            #expect(try KeyRuns.eventRows(db, ids: events.map(\.id), filters: nil).count == events.count)
            #expect(!(try db.tableExists("event_tag")))
        }
    }
}
