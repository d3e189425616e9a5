import BrotrTestSupport
import Foundation
import Glibc
import Testing

@testable import Archive

/// The reindex's tag sorter gives every row back in key order, in memory or through run
/// files, and leaves no run file behind.
struct TagSorterTests {
    /// Rows with repeated keys, negative keys (keys are signed) and duplicates.
    static func rows(_ count: Int, seed: UInt64) -> [TagRow] {
        var state = seed
        func next() -> Int64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int64(bitPattern: state)
        }
        return (0..<count).map { i in
            TagRow(key: next() % 50, event: Int64(i / 3))
        }
    }

    static func drained(_ sorter: TagSorter) throws -> [TagRow] {
        var out: [TagRow] = []
        try sorter.drain { out.append($0) }
        return out
    }

    @Test(arguments: [1, 7, 1000, 1 << 20])
    func givesBackEveryRowInOrder(capacity: Int) throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let prefix = tmp.path + "/runs"
        let input = Self.rows(5000, seed: UInt64(capacity))
        var output: [TagRow] = []
        var spilled: [String] = []
        do {
            let sorter = TagSorter(runPrefix: prefix, capacity: capacity)
            // In uneven chunks, so that runs fill in the middle of a chunk.
            var next = 0, chunk = 1
            while next < input.count {
                let end = min(input.count, next + chunk)
                try sorter.append(contentsOf: Array(input[next..<end]))
                next = end
                chunk = chunk % 13 + 1
            }
            spilled = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
            output = try Self.drained(sorter)
        }
        #expect(output == input.sorted())
        #expect(output.count == 5000)
        // Small capacities spill to run files; they are gone with the sorter.
        #expect(spilled.count == (capacity >= 5000 ? 0 : 5000 / capacity))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
    }

    @Test func preparedAheadAndEmpty() throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let empty = TagSorter(runPrefix: tmp.path + "/a", capacity: 4)
        try empty.prepare()
        #expect(try Self.drained(empty).isEmpty)

        let input = Self.rows(10, seed: 3)
        let sorter = TagSorter(runPrefix: tmp.path + "/b", capacity: 4)
        try sorter.append(contentsOf: input)
        try sorter.prepare()  // as the scanning thread does, before the loader drains
        #expect(try Self.drained(sorter) == input.sorted())
    }

    /// Signed order, as SQLite compares integers: a negative key sorts first; then by event.
    @Test func rowsCompareByKeyAsSignedIntegersThenByEvent() {
        #expect(TagRow(key: -5, event: 9) < TagRow(key: 3, event: 1))
        #expect(TagRow(key: 3, event: 1) < TagRow(key: 3, event: 2))
        #expect(!(TagRow(key: 3, event: 2) < TagRow(key: 3, event: 2)))
    }
}

extension TagSorterTests {
    /// The radix sort orders rows exactly as the comparison sort does: keys that differ in
    /// any of their 64 bits (negative ones too), and equal keys whose events come out of
    /// order, as the rows of a batch may.
    @Test(arguments: [100, 513, 5000, 300_000])
    func sortByKeyMatchesSort(count: Int) {
        var generator = SplitMix64(seed: UInt64(count))
        var rows = (0..<count).map { _ -> TagRow in
            let r = generator.next()
            let key: Int64
            switch r % 4 {
            case 0: key = Int64(bitPattern: generator.next())  // anywhere in 64 bits
            case 1: key = Int64(r % 64)  // a few hot keys, many rows each
            default: key = Int64(generator.next() % (1 << 48))  // the span real keys have
            }
            return TagRow(key: key, event: Int64(generator.next() % 1000))
        }
        var expected = rows
        expected.sort()
        rows.sortByKey()
        #expect(rows == expected)
    }
}
