/// A row of `event_tag`: the tag letter's code, the key of its first value, the event's
/// row. Ordered as the table's primary key, with signed comparisons as SQLite makes them,
/// so that rows sorted here go into the B-tree in key order.
struct TagRow: Comparable {
    var name: Int64
    var value: Int64
    var event: Int64

    static func < (a: TagRow, b: TagRow) -> Bool { (a.name, a.value, a.event) < (b.name, b.value, b.event) }
}
