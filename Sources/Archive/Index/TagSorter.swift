import Glibc

/// Sorts the tag rows of a reindex in bounded memory, so that they can be inserted in key
/// order: appended at the right edge of an empty B-tree, each row costs a fraction of a
/// random insert.
///
/// Rows collect in a buffer of `capacity` rows; a full buffer is sorted and written to a
/// run file beside the new index; the end merges the runs (or sorts the buffer alone, when
/// nothing was spilled). One thread at a time uses a sorter; a reindex fills and sorts it
/// on its scanning thread and hands it to the loader through a ``Handoff``.
final class TagSorter: @unchecked Sendable {
    /// 2^21 rows of 16 bytes: 32 MiB at most in memory.
    static let defaultCapacity = 1 << 21

    private let capacity: Int
    private let runPrefix: String
    private var buffer: [TagRow] = []
    private var runs: [(file: RawFile, rows: Int)] = []
    private var sorted = false

    /// - Parameter runPrefix: path prefix for run files; they are removed when the sorter goes.
    init(runPrefix: String, capacity: Int = TagSorter.defaultCapacity) {
        self.runPrefix = runPrefix
        self.capacity = max(1, capacity)
    }

    deinit {
        for i in runs.indices { unlink(runPath(i)) }
    }

    private func runPath(_ i: Int) -> String { "\(runPrefix).\(i)" }

    /// Appends rows, spilling a run each time the buffer fills. A reindex hands over each
    /// frame's rows together: one call per row cost more than the rows.
    func append(contentsOf rows: [TagRow]) throws {
        sorted = false
        // Room for a first million rows at once: growing from nothing copies the buffer a
        // dozen times over, and this runs on the reindex's critical path.
        if buffer.capacity == 0 { buffer.reserveCapacity(min(capacity, 1 << 20)) }
        var next = 0
        while next < rows.count {
            let take = min(capacity - buffer.count, rows.count - next)
            buffer.append(contentsOf: rows[next..<next + take])
            next += take
            if buffer.count >= capacity { try spill() }
        }
    }

    private func spill() throws {
        guard !buffer.isEmpty else { return }
        buffer.sortByKey()
        let path = runPath(runs.count)
        unlink(path)
        let file = try RawFile(path, mode: .create)
        try buffer.withUnsafeBytes { try file.write($0, at: 0) }
        runs.append((file, buffer.count))
        buffer.removeAll(keepingCapacity: true)
    }

    /// Sorts what is buffered (or spills it, when runs exist already), so that ``drain(_:)``
    /// can start at once: the caller may do this on a thread that would otherwise idle.
    func prepare() throws {
        if runs.isEmpty {
            if !sorted { buffer.sortByKey() }
            sorted = true
        } else {
            try spill()
        }
    }

    /// Hands every row to `body` in order, once. The sorter is spent afterwards.
    func drain(_ body: (TagRow) throws -> Void) throws {
        try prepare()
        if runs.isEmpty {
            for row in buffer { try body(row) }
            buffer = []
            return
        }
        buffer = []
        var readers = runs.map { RunReader(file: $0.file, rows: $0.rows) }
        for i in readers.indices { try readers[i].refill() }
        // A binary min-heap of reader indexes, by each reader's current row.
        var heap = readers.indices.filter { readers[$0].current != nil }
        func less(_ a: Int, _ b: Int) -> Bool {
            guard let x = readers[heap[a]].current, let y = readers[heap[b]].current else { return false }
            return x < y
        }
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, less(l, m) { m = l }
                if r < heap.count, less(r, m) { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        while let top = heap.first, let row = readers[top].current {
            try body(row)
            try readers[top].advance()
            if readers[top].current == nil {
                heap.swapAt(0, heap.count - 1)
                heap.removeLast()
            }
            siftDown(0)
        }
    }

    /// Reads a sorted run back a block at a time.
    private struct RunReader {
        let file: RawFile
        let rows: Int
        private var block: [TagRow] = []
        private var index = 0
        private var read = 0
        static let blockRows = 1 << 14

        init(file: RawFile, rows: Int) {
            self.file = file
            self.rows = rows
        }

        var current: TagRow? { index < block.count ? block[index] : nil }

        mutating func advance() throws {
            index += 1
            if index == block.count { try refill() }
        }

        mutating func refill() throws {
            let n = min(Self.blockRows, rows - read)
            block = [TagRow](repeating: TagRow(key: 0, event: 0), count: n)
            guard n > 0 else { return }
            let stride = MemoryLayout<TagRow>.stride
            let got = try block.withUnsafeMutableBytes { try file.read(into: $0, at: Int64(read * stride)) }
            guard got == n * stride else {
                throw ArchiveError(.io, "a sort run of the reindex is shorter than written", file: file.path, offset: Int64(read * stride))
            }
            read += n
            index = 0
        }
    }
}
