/// A key and an event's row, as `event_key` holds them within a run (``KeyRuns``): an id,
/// author or tag key (``IndexKey``, ``TagKey/row(letter:value:)``). Ordered as the table's
/// primary key within a run, so that rows sorted here are appended in key order.
struct TagRow: Hashable, Comparable {
    var key: Int64
    var event: Int64

    init(key: Int64, event: Int64) {
        self.key = key
        self.event = event
    }

    /// The row of a single-letter tag whose first value has the 8-byte key `value`.
    init(letter: UInt8, value: Int64, event: Int64) {
        self.init(key: TagKey.row(letter: letter, value: value), event: event)
    }

    static func < (a: TagRow, b: TagRow) -> Bool { (a.key, a.event) < (b.key, b.event) }
}

extension Array where Element == TagRow {
    /// Sorts by (key, event), as `sort()` does, in a few linear passes: a stable radix sort
    /// on the key, then each run of equal keys put in event order where it is not already
    /// (rows are made in event order, so runs rarely need it). The rows of a batch and of a
    /// reindex are millions of 16-byte values whose keys span 48 bits: three counting
    /// passes beat a comparison sort several times over.
    mutating func sortByKey() {
        guard count >= 512 else {
            sort()
            return
        }
        // Keys as unsigned, offset from the smallest: only the bits that vary are passed over.
        var low = UInt64.max, high = UInt64.min
        for row in self {
            let u = UInt64(bitPattern: row.key) ^ (1 << 63)
            low = Swift.min(low, u)
            high = Swift.max(high, u)
        }
        let bits = UInt64.bitWidth - (high - low).leadingZeroBitCount
        let digitBits = count >= 1 << 18 ? 16 : 8
        var scratch = [TagRow](repeating: TagRow(key: 0, event: 0), count: count)
        var inScratch = false
        var counts = [Int](repeating: 0, count: 1 << digitBits)
        let mask = UInt64(1 << digitBits - 1)
        var shift = 0
        while shift < bits {
            self.withUnsafeMutableBufferPointer { mine in
                scratch.withUnsafeMutableBufferPointer { other in
                    let (from, to) = inScratch ? (other, mine) : (mine, other)
                    counts.withUnsafeMutableBufferPointer { counts in
                        for i in counts.indices { counts[i] = 0 }
                        func digit(_ row: TagRow) -> Int { Int(((UInt64(bitPattern: row.key) ^ (1 << 63)) - low) >> UInt64(shift) & mask) }
                        for row in from { counts[digit(row)] += 1 }
                        var total = 0
                        for i in counts.indices {
                            let c = counts[i]
                            counts[i] = total
                            total += c
                        }
                        for row in from {
                            let d = digit(row)
                            to[counts[d]] = row
                            counts[d] += 1
                        }
                    }
                }
            }
            inScratch.toggle()
            shift += digitBits
        }
        if inScratch { swap(&self, &scratch) }
        var start = 0
        while start < count {
            var end = start + 1
            var ordered = true
            while end < count && self[end].key == self[start].key {
                if self[end].event < self[end - 1].event { ordered = false }
                end += 1
            }
            if !ordered { self[start..<end].sort() }
            start = end
        }
    }
}
