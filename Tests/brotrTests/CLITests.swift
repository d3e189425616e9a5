import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// Runs the built `brotr` binary as a user would and checks what it prints.
struct CLITests {
    @Test func helpListsEveryCommandWithAPurpose() async throws {
        let result = try await BrotrCLI.run(["--help"])
        #expect(result.status == 0)
        for command in ["serve", "run", "reindex", "check", "stats", "import", "export", "relays", "backup", "keygen"] {
            let line = result.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(command + " ") }
            #expect(line != nil, "no help line for \(command)")
        }
    }

    @Test func normalizePrintsOneLinePerInputInOrder() async throws {
        let inputs = ["WSS://Relay.Damus.IO/", "http://relay.example.com", "wss://10.1.2.3", "wss://nos.lol:443/a/../b?q#f", "ws://münchen.de"]
        let result = try await BrotrCLI.run(["relays", "normalize"] + inputs)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.count == inputs.count)
        #expect(lines.map { $0.first ?? "" } == inputs)
        #expect(lines.allSatisfy { $0.count == 5 })
        #expect(lines[0] == ["WSS://Relay.Damus.IO/", "ok", "wss://relay.damus.io", "clearnet", ""])
        #expect(lines[1][1] == "rejected" && lines[1][2].isEmpty && lines[1][4].contains("ws or wss"))
        #expect(lines[2][1] == "rejected" && lines[2][4].contains("10.0.0.0/8"))
        #expect(lines[3] == ["wss://nos.lol:443/a/../b?q#f", "ok", "wss://nos.lol/b", "clearnet", ""])
        #expect(lines[4] == ["ws://münchen.de", "ok", "wss://xn--mnchen-3ya.de", "clearnet", ""])
    }

    @Test func normalizeReadsStandardInput() async throws {
        let result = try await BrotrCLI.run(["relays", "normalize"], stdin: "wss://a.example.com\n\nws://127.0.0.1:7777\nwss://x\twith tab\n")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("wss://a.example.com\tok\twss://a.example.com\tclearnet"))
        #expect(lines[1].hasPrefix("ws://127.0.0.1:7777\trejected\t\t\t"))
        #expect(lines[1].contains("--allow-loopback"))
        #expect(lines[2].hasPrefix("wss://x\\twith tab\trejected"))  // a tab inside a field is escaped
    }

    @Test func allowLoopbackAdmitsLoopbackOnly() async throws {
        let result = try await BrotrCLI.run(["relays", "normalize", "--allow-loopback", "ws://127.0.0.1:7777", "ws://[::1]:8080", "ws://localhost", "ws://192.168.1.1"])
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.count == 4)
        #expect(lines[0][1...3] == ["ok", "ws://127.0.0.1:7777", "loopback"])
        #expect(lines[1][1...3] == ["ok", "ws://[::1]:8080", "loopback"])
        #expect(lines[2][1...3] == ["ok", "ws://localhost", "loopback"])
        #expect(lines[3][1] == "rejected")
    }

    @Test func keygenPrintsAConsistentKeyPair() async throws {
        let result = try await BrotrCLI.run(["keygen"])
        #expect(result.status == 0)
        var fields: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        let secret = try SecretKey(hex: try #require(fields["secret key (hex)"]))
        #expect(try SecretKey(nsec: try #require(fields["secret key (nsec)"])) == secret)
        #expect(fields["public key (hex)"] == secret.publicKey.hex)
        #expect(fields["public key (npub)"] == secret.publicKey.npub)
        let again = try await BrotrCLI.run(["keygen"])
        #expect(again.stdout != result.stdout)  // a new key each time
    }

    @Test(arguments: [
        (["run", "nosuchstage", "--once", "--data", "/tmp/brotr-cli-test"], "unknown stage 'nosuchstage'"),
        (["run", "api", "--once", "--data", "/tmp/brotr-cli-test"], "the api serves until stopped"),
        (["run", "monitor", "--once", "--full", "--data", "/tmp/brotr-cli-test"], "--full goes with `run refresher --once`"),
    ])
    func runRefusesWhatItCannotDo(_ arguments: [String], message: String) async throws {
        let result = try await BrotrCLI.run(arguments)
        #expect(result.status == 64, "\(arguments)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func aBrokenConfigFileStopsStartupWithTheKeyPath() async throws {
        let tmp = try TempDirectory("cfg")
        defer { tmp.remove() }
        let dir = tmp.url
        try "network:\n  allow_loopback: maybe\n".write(to: dir.appendingPathComponent("brotr.yaml"), atomically: true, encoding: .utf8)
        let result = try await BrotrCLI.run(["serve", "--data", dir.path])
        #expect(result.status != 0 && result.status != 69)
        #expect(result.stderr.contains("brotr.yaml:2: network.allow_loopback: expected true or false, got 'maybe'"), "\(result.stderr)")
        let missing = try await BrotrCLI.run(["serve", "--data", dir.path, "--config", dir.appendingPathComponent("nope.yaml").path])
        #expect(missing.stderr.contains("no such file"))
    }

    @Test func unknownStageIsAUsageError() async throws {
        let result = try await BrotrCLI.run(["run", "gardener", "--data", "/tmp/x"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown stage 'gardener'"))
    }
}
