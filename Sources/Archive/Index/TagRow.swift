/// A row of `event_tag`: the tag's key (``TagKey/row(letter:value:)``) and the event's row.
/// Ordered as the table's primary key, so that rows sorted here go into the B-tree in key
/// order.
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
