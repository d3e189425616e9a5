import Dispatch
import Foundation
import GRDB
import Nostr
import Synchronization

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
        if archive == nil {
            // Nothing was ever written (a first start that failed before its index existed):
            // an empty archive, not a damaged one.
            let neverWritten = try access(directory.indexFile, F_OK) != 0 && SegmentScanner.list(directory).isEmpty
            if !neverWritten { problem(directory.indexFile, nil, "the index cannot be opened; `brotr reindex` rebuilds it") }
        }
        // Frames at or past the watermark are not indexed yet (a writer is running, or one
        // was killed); the next open indexes them. Their events are not missing.
        let watermark = (try? archive?.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT segment, offset FROM watermark WHERE id = 1").map {
                (UInt32(truncatingIfNeeded: $0["segment"] as Int64), $0["offset"] as Int64)
            }
        }) ?? nil
        var pending = 0

        // Frames are read in order on this thread; their records are decoded, verified and
        // looked up in the index on every core, a few frames per core at a time.
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
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
            var frames: [FrameCheck] = []
            func checkFrames() {
                for findings in FrameCheck.run(frames, archive: archive, watermark: watermark) {
                    report.records += findings.records
                    report.events += findings.events
                    pending += findings.pending
                    for p in findings.problems { problem(p.file, p.offset, p.message) }
                }
                frames.removeAll(keepingCapacity: true)
            }
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
                    frames.append(FrameCheck(path: path, segment: number, offset: at, payload: payload))
                    if frames.count >= 8 * cores { checkFrames() }
                }
            }
            checkFrames()
        }

        if pending > 0 {
            report.notes.append("\(pending) event(s) in frames past the index watermark are not indexed yet; the next read-write open indexes them")
        }

        // Every indexed event must resolve to its record: rows in blocks, read on every core.
        if let archive {
            do {
                var after: Int64 = 0
                while true {
                    let rows = try archive.pool.read { db in
                        try Row.fetchAll(
                            db.cachedStatement(sql: """
                                SELECT e.rowid, e.id, e.frame, e.pos, e.created_at, f.segment, f.offset, f.length
                                FROM event e JOIN frame f ON f.id = e.frame WHERE e.rowid > ? ORDER BY e.rowid LIMIT 8192
                                """), arguments: [after]
                        ).map { (row: $0["rowid"] as Int64, id: $0["id"] as Data, location: EventLocation($0)) }
                    }
                    guard let last = rows.last else { break }
                    after = last.row
                    report.indexedEvents += rows.count
                    for p in archive.resolve(rows, cores: cores) { problem(p.file, p.offset, p.message) }
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
        try pool.read { db in try KeyRuns.eventRows(db, ids: [id], filters: filters)[id] != nil }
    }

    /// The problems among index rows: each must point at a record holding its event. The
    /// rows are split across `cores` threads; problems come back in row order.
    func resolve(_ rows: [(row: Int64, id: Data, location: EventLocation)], cores: Int) -> [CheckReport.Problem] {
        let chunks = max(1, min(rows.count / 256, cores * 4))
        let size = (rows.count + chunks - 1) / chunks
        let found = Mutex([[CheckReport.Problem]](repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var problems: [CheckReport.Problem] = []
            for (_, id, location) in rows[min(rows.count, c * size)..<min(rows.count, (c + 1) * size)] {
                do {
                    let event = try read(location)
                    if Data(event.id.bytes) != id {
                        problems.append(.init(
                            file: directory.segmentFile(location.segment), offset: location.offset,
                            message: "index row for \(Hex.encode(id)) points at event \(event.id.hex)"))
                    }
                } catch {
                    let failure = error as? ArchiveError
                    problems.append(.init(
                        file: failure?.file ?? directory.indexFile, offset: failure?.offset,
                        message: "indexed event \(Hex.encode(id)): \(failure?.message ?? "\(error)")"))
                }
            }
            found.withLock { $0[c] = problems }
        }
        return found.withLock { $0.flatMap { $0 } }
    }
}

/// One frame of a segment as `check` takes it: its records decoded, every event verified
/// and looked up in the index, on whichever core is free.
struct FrameCheck: Sendable {
    let path: String
    let segment: UInt32
    let offset: Int64
    let payload: [UInt8]

    /// What a frame holds, and what is wrong with it.
    struct Findings: Sendable {
        var records = 0, events = 0, pending = 0
        var problems: [Archive.CheckReport.Problem] = []
    }

    /// The findings of each frame, in the frames' order, the frames shared among the cores.
    static func run(_ frames: [FrameCheck], archive: Archive?, watermark: (UInt32, Int64)?) -> [Findings] {
        let findings = Mutex([Findings](repeating: Findings(), count: frames.count))
        DispatchQueue.concurrentPerform(iterations: frames.count) { i in
            let found = frames[i].check(archive: archive, watermark: watermark)
            findings.withLock { $0[i] = found }
        }
        return findings.withLock { $0 }
    }

    func check(archive: Archive?, watermark: (UInt32, Int64)?) -> Findings {
        var findings = Findings()
        func problem(_ message: String) { findings.problems.append(.init(file: path, offset: offset, message: message)) }
        let records: [(record: Record, pos: Int)]
        do { records = try SegmentScanner.records(in: payload, file: path, frameOffset: offset) } catch {
            problem((error as? ArchiveError)?.message ?? "\(error)")
            return findings
        }
        findings.records = records.count
        for (record, pos) in records {
            guard case .event(let event) = record else { continue }
            findings.events += 1
            do { try event.verify() } catch {
                problem("event \(event.id.hex) at \(pos) in the frame does not verify: \(error)")
            }
            if let archive, (try? archive.isIndexed(event.id)) != true {
                // No watermark yet: nothing is indexed, every frame is past it.
                if watermark.map({ (segment, offset) >= $0 }) ?? true {
                    findings.pending += 1
                } else {
                    problem("event \(event.id.hex) is in the segment but not in the index")
                }
            }
        }
        return findings
    }
}
