import ArgumentParser
import Archive
import Nostr

/// `brotr stats`: counts and sizes.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Print counts and sizes of the archive.",
        discussion: "Read-only; works while another brotr process writes.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        _ = try options.load(data: data.directory)
        let s = try Archive.open(data.directory, mode: .readOnly).stats()
        let perEvent = { (bytes: Int64) -> Int64 in s.events > 0 ? bytes / Int64(s.events) : 0 }
        let fields: [(String, Int64)] = [
            ("events", Int64(s.events)), ("relays", Int64(s.relays)), ("observations", Int64(s.observations)),
            ("metadata", Int64(s.metadata)), ("segments", Int64(s.segments)), ("segment_bytes", s.segmentBytes),
            ("index_bytes", s.indexBytes), ("bytes_per_event", perEvent(s.segmentBytes + s.indexBytes)),
            ("segment_bytes_per_event", perEvent(s.segmentBytes)), ("index_bytes_per_event", perEvent(s.indexBytes)),
        ]
        if json {
            print(JSONValue.object(Dictionary(uniqueKeysWithValues: fields.map { ($0.0, .number(JSONNumber($0.1))) })).jsonText)
        } else {
            for (name, value) in fields { print("\(name.padding(to: 24))\(value)") }
        }
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String { self + String(repeating: " ", count: max(1, width - count)) }
}
