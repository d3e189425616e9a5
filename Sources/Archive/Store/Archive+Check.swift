import Foundation
import GRDB
import Nostr

extension Archive {
    /// What `check` found.
    public struct CheckReport: Sendable {
        /// A problem, with where it is.
        public struct Problem: Sendable, CustomStringConvertible {
            public var file: String
            public var offset: Int64?
            public var message: String
            public var description: String { "\(file)\(offset.map { " at byte \($0)" } ?? ""): \(message)" }
        }
        public var segments = 0
        public var frames = 0
        public var records = 0
        public var events = 0
        public var indexedEvents = 0
        public var problems: [Problem] = []
        /// Informational findings that are not damage (a torn tail the next open will cut).
        public var notes: [String] = []
        public var isHealthy: Bool { problems.isEmpty }
    }

    /// Verifies every frame checksum, every record, every event's id and signature, and
    /// that the index and the segments agree: every indexed event resolves to its record,
    /// and every event in the segments is indexed. Read-only: it takes no lock, so it runs
    /// beside a writer.
    public static func check(_ directory: DataDirectory, maxProblems: Int = 100) throws -> CheckReport {
        try requireDataDirectory(directory)
        var report = CheckReport()
        func problem(_ file: String, _ offset: Int64?, _ message: String) {
            if report.problems.count < maxProblems {
                report.problems.append(.init(file: file, offset: offset, message: message))
            }
        }
        let archive: Archive? = try? Archive.open(directory, mode: .readOnly)
        // Every event in the segments is looked up: with the runs' id filters, about one seek each.
        try? archive?.prepareForLookups()
        if archive == nil { problem(directory.indexFile, nil, "the index cannot be opened; `brotr reindex` rebuilds it") }
        // Frames at or past the watermark are not indexed yet (a writer is running, or one
        // was killed); the next open indexes them. Their events are not missing.
        let watermark = (try? archive?.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT segment, offset FROM watermark WHERE id = 1").map {
                (UInt32(truncatingIfNeeded: $0["segment"] as Int64), $0["offset"] as Int64)
            }
        }) ?? nil
        var pending = 0

        let files = try SegmentScanner.list(directory)
        for (i, (number, path)) in files.enumerated() {
            report.segments += 1
            let scanner: SegmentScanner
            do { scanner = try SegmentScanner(path: path) } catch let error as ArchiveError {
                problem(path, error.offset, error.message)
                continue
            }
            if scanner.header.number != number { problem(path, 20, "header says segment \(scanner.header.number)") }
            var offset = Int64(SegmentHeader.size)
            scan: while true {
                switch try scanner.step(at: offset) {
                case .end: break scan
                case .incomplete(let at) where i == files.count - 1:
                    report.notes.append("\(path): a torn frame of \(scanner.size - at) bytes at byte \(at) ends the active segment; the next open cuts it")
                    break scan
                case .incomplete(let at):
                    problem(path, at, "frame cut short in a sealed segment")
                    break scan
                case .invalid(let at, let reason):
                    if i == files.count - 1, (try? scanner.isTornTail(from: at)) == true {
                        report.notes.append("\(path): a torn write of \(scanner.size - at) bytes at byte \(at) ends the active segment; the next open cuts it")
                    } else {
                        problem(path, at, "damaged frame (\(reason))")
                    }
                    break scan
                case .frame(let at, let length, let payload):
                    report.frames += 1
                    offset = at + Int64(length)
                    let records: [(record: Record, pos: Int)]
                    do { records = try SegmentScanner.records(in: payload, file: path, frameOffset: at) } catch let error as ArchiveError {
                        problem(path, at, error.message)
                        continue
                    }
                    report.records += records.count
                    for (record, pos) in records {
                        guard case .event(let event) = record else { continue }
                        report.events += 1
                        do { try event.verify() } catch {
                            problem(path, at, "event \(event.id.hex) at \(pos) in the frame does not verify: \(error)")
                        }
                        if let archive, (try? archive.isIndexed(event.id)) != true {
                            // No watermark yet: nothing is indexed, every frame is past it.
                            if watermark.map({ (number, at) >= $0 }) ?? true {
                                pending += 1
                            } else {
                                problem(path, at, "event \(event.id.hex) is in the segment but not in the index")
                            }
                        }
                    }
                }
            }
        }

        if pending > 0 {
            report.notes.append("\(pending) event(s) in frames past the index watermark are not indexed yet; the next read-write open indexes them")
        }

        // Every indexed event must resolve to its record and verify.
        if let archive {
            do {
                try archive.pool.read { db in
                    let rows = try Row.fetchCursor(
                        db,
                        sql: "SELECT e.id, e.frame, e.pos, e.created_at, f.segment, f.offset, f.length FROM event e JOIN frame f ON f.id = e.frame ORDER BY e.rowid")
                    while let row = try rows.next() {
                        report.indexedEvents += 1
                        let location = EventLocation(row)
                        let id: Data = row["id"]
                        do {
                            let event = try archive.read(location)
                            if Data(event.id.bytes) != id {
                                problem(directory.segmentFile(location.segment), location.offset, "index row for \(Hex.encode(id)) points at event \(event.id.hex)")
                            }
                        } catch let error as ArchiveError {
                            problem(error.file ?? directory.indexFile, error.offset, "indexed event \(Hex.encode(id)): \(error.message)")
                        }
                    }
                }
            } catch let error as DatabaseError {
                problem(directory.indexFile, nil, "SQLite: \(error.message ?? "\(error.resultCode)")")
            }
            do {
                for finding in try archive.pool.read({ db in try KeyRuns.inconsistencies(db) }) {
                    problem(directory.indexFile, nil, finding + "; `brotr reindex` rebuilds the keys")
                }
            } catch let error as DatabaseError {
                problem(directory.indexFile, nil, "SQLite: \(error.message ?? "\(error.resultCode)")")
            }
        }
        return report
    }

    func isIndexed(_ id: EventID) throws -> Bool {
        try pool.read { db in try KeyRuns.eventRows(db, ids: [id], filters: filters.snapshot())[id] != nil }
    }
}
