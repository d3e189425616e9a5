import ArgumentParser
import Nostr

/// `brotr relays normalize`: BigBrotr's URL rules, one verdict per input.
struct RelaysNormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Normalize relay URLs and say which are rejected and why.",
        discussion: """
            Reads the URLs given as arguments or, with none, one URL a line from standard input \
            (empty lines are skipped). Prints one tab-separated line per input, in input order: \
            the input, ok or rejected, the normalized URL, the network, and the reason. \
            Tabs, newlines and backslashes inside a field are written as \\t, \\n and \\\\.
            """)

    @OptionGroup var network: NetworkOptions

    @Argument(help: "Relay URLs (default: read standard input).")
    var urls: [String] = []

    func run() throws {
        if urls.isEmpty {
            while let line = readLine(strippingNewline: true) {
                if !line.isEmpty { print(Self.verdict(line, allowLoopback: network.allowLoopback)) }
            }
        } else {
            for url in urls { print(Self.verdict(url, allowLoopback: network.allowLoopback)) }
        }
    }

    /// `input \t ok|rejected \t normalized \t network \t reason`
    static func verdict(_ input: String, allowLoopback: Bool) -> String {
        let fields: [String]
        do {
            let url = try RelayURL(input, allowLoopback: allowLoopback)
            fields = [input, "ok", url.url, url.network.rawValue, ""]
        } catch let error as NostrError {
            fields = [input, "rejected", "", "", error.message]
        } catch {
            fields = [input, "rejected", "", "", "\(error)"]
        }
        return fields.map(escape).joined(separator: "\t")
    }

    static func escape(_ field: String) -> String {
        var out = ""
        for c in field.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
