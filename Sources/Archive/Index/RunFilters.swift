import GRDB
import Synchronization

/// The id filters (``IDKeyFilter``) of the key runs, shared by an archive's writer, which
/// makes them, and its readers. A run with no filter here is probed for every id: a reader
/// in another process, or this one before the writer's first write, is slower, never wrong.
///
/// The writer gives a run its filter (with every key a commit adds) before that commit, and
/// takes it back only once the run is gone; a reader takes its copy after its transaction's
/// first read. So a reader never skips a run that may hold an id it asks for.
final class RunFilters: Sendable {
    private let filters = Mutex<[Int64: IDKeyFilter]>([:])
    /// Whether every run had a filter when the writer last made sure of it.
    private let complete = Mutex(false)

    func snapshot() -> [Int64: IDKeyFilter] { filters.withLock { $0 } }

    func set(_ run: Int64, _ filter: IDKeyFilter?) {
        filters.withLock { $0[run] = filter }
    }

    /// Forgets every filter (after a failed write, whose runs may not exist).
    func removeAll() {
        filters.withLock { $0.removeAll() }
        complete.withLock { $0 = false }
    }

    /// Builds the filter of every run that has none, reading its id keys (once per open:
    /// the writer keeps them current after). A reader (`forWriter` false) leaves out the
    /// runs a merge is filling: only the writer sees their later rows.
    func completeIfNeeded(_ pool: DatabasePool, forWriter: Bool = true) throws {
        guard !complete.withLock({ $0 }) else { return }
        let runs = try pool.read { db in try KeyRuns.runs(db) }
        let have = snapshot()
        let targets = Set(runs.compactMap(\.into))
        for run in runs where have[run.id] == nil && (forWriter || !targets.contains(run.id)) {
            // A merge's target will hold what its sources still do.
            let capacity = run.ids + runs.filter { $0.into == run.id }.reduce(0) { $0 + $1.ids }
            set(run.id, try pool.read { db in try IDKeyFilter.build(db, run: run.id, capacity: capacity) })
        }
        complete.withLock { $0 = true }
    }
}
