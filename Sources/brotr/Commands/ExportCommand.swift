import ArgumentParser
import Archive
import Foundation
import Nostr

/// `brotr export`: archived events as JSON lines.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export archived events as NIP-01 JSON lines, optionally filtered.",
        discussion: "Events come in the order they were archived. Works while another brotr process writes.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    @Option(help: "Only events created at or after this Unix time.") var since: Int64?
    @Option(help: "Only events created at or before this Unix time.") var until: Int64?
    @Option(help: ArgumentHelp("Only these kinds (comma-separated).", valueName: "k,...")) var kinds: String?
    @Option(help: ArgumentHelp("Only these authors (hex pubkeys, comma-separated).", valueName: "hex,...")) var authors: String?

    func filter() throws -> Filter {
        var kindSet: Set<UInt16>?
        if let kinds {
            kindSet = try Set(kinds.split(separator: ",").map { text in
                guard let k = UInt16(text.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--kinds: '\(text)' is not a kind (0...65535)")
                }
                return k
            })
        }
        var authorSet: Set<PublicKey>?
        if let authors {
            authorSet = try Set(authors.split(separator: ",").map { text in
                guard let key = PublicKey(hex: text.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--authors: '\(text)' is not a 64-hex pubkey")
                }
                return key
            })
        }
        do {
            return try Filter(authors: authorSet, kinds: kindSet, since: since, until: until)
        } catch let error as NostrError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        _ = try options.load(data: data.directory)
        let filter = try filter()
        let archive = try Archive.open(data.directory, mode: .readOnly)
        var out = BufferedOutput()
        try archive.forEachEvent(matching: filter) { event in out.write(event.jsonBytes + [0x0A]) }
        out.flush()
    }
}

/// Unbuffered lines on standard output.
enum StandardOutput {
    static func writeLine(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// Standard output in 256 KiB writes.
struct BufferedOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 256 << 10 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
