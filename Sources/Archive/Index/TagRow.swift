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
