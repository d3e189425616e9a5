import Archive
import Foundation
import Glibc
import Nostr
import Transport

/// NIP-77 against windows on the same gap: a relay (`brotr-bench relay --negentropy`, in
/// another process on 127.0.0.1) holds `count` events, an archive synced from it earlier
/// lacks one in `missingEvery` of them (they were not there yet), and `brotr relays resync`
/// asks for the relay's whole history to be verified again. The same archive is copied
/// twice and verified once with windows and once with NIP-77, each by `brotr run
/// synchronizer --once`; both must end with every event.
struct NegentropyBenchmark {
    let count: Int
    let missingEvery: Int
    let directory: String?

    func run() async throws {
        let root = directory ?? NSTemporaryDirectory() + "brotr-negentropy-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("brotr")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw BenchError("no brotr binary beside brotr-bench: swift build -c release --product brotr")
        }

        // The archive as it was: synced (with windows) when the relay lacked 1 in `missingEvery`.
        let (partial, url) = try Self.startRelay(["--events", String(count), "--negentropy", "--skip-every", String(missingEvery)])
        let base = root + "/base"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try Self.config(negentropy: false).write(toFile: base + "/brotr.yaml", atomically: true, encoding: .utf8)
        try ServeBenchmark.runToEnd(binary, ["relays", "add", "--data", base, "--allow-loopback", url.url])
        let first = try ChildRun(binary, ["run", "synchronizer", "--once", "--data", base, "--allow-loopback"], stdout: root + "/base.out")
        partial.terminate()
        partial.waitUntilExit()
        guard first.status == 0 else { throw BenchError("the first sync failed: \(Self.text(root + "/base.out"))") }
        let held = try Archive.open(DataDirectory(path: base), mode: .readOnly).stats().events
        print("negentropy benchmark: the archive holds \(held) events of the relay's \(count) (1 in \(missingEvery) missing)")

        // The relay now, with every event, on the same port.
        guard let port = url.port else { throw BenchError("the relay URL has no port: \(url.url)") }
        let (relay, _) = try Self.startRelay(["--events", String(count), "--negentropy", "--port", String(port)])
        defer { relay.terminate() }

        var results: [String: Run] = [:]
        for negentropy in [false, true] {
            let name = negentropy ? "negentropy" : "windows"
            let data = root + "/" + name
            try FileManager.default.copyItem(atPath: base, toPath: data)
            try Self.config(negentropy: negentropy, relay: url.url).write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
            try ServeBenchmark.runToEnd(binary, ["relays", "resync", "--data", data, "--allow-loopback", url.url])
            let t = Clock.now()
            let cycle = try ChildRun(binary, ["run", "synchronizer", "--once", "--data", data, "--allow-loopback"], stdout: root + "/\(name).out")
            let wall = Clock.now() - t
            let summary = Self.text(root + "/\(name).out")
            guard cycle.status == 0 else { throw BenchError("\(name): brotr run synchronizer --once failed (\(cycle.status)): \(summary)") }
            let archived = try Archive.open(DataDirectory(path: data), mode: .readOnly).stats().events
            guard archived == count else { throw ArchiveError(.inconsistent, "\(name): archived \(archived) of \(count) events") }
            let run = Run(summary: summary, wall: wall, cpu: cycle.cpu)
            results[name] = run
            print("\(name): \(summary.split(separator: "\n").joined(separator: " | "))")
            print(String(format: "  %.2f s wall, %.2f s brotr CPU, %d KiB received, about %d messages", wall, cycle.cpu, run.bytes >> 10, run.messages))
        }
        guard let w = results["windows"], let n = results["negentropy"] else { return }
        guard n.figure("windows reconciled") >= 1, n.figure("ids fetched") == count - held else {
            throw BenchError("NIP-77 was not used, or fetched other than the missing events: \(n.summary)")
        }
        print(
            String(
                format: "windows / NIP-77: %.1fx the bytes received, %.1fx the messages, %.1fx the wall time, %.1fx the CPU",
                Double(w.bytes) / Double(max(1, n.bytes)), Double(w.messages) / Double(max(1, n.messages)), w.wall / n.wall, w.cpu / max(0.001, n.cpu)))
    }

    /// One verification run's figures, from brotr's summary.
    struct Run {
        let summary: String
        let wall: Double
        let cpu: Double

        func figure(_ name: String) -> Int { max(0, SyncBenchmark.figure(summary, after: name)) }
        var bytes: Int { figure("bytes received") }
        /// Sent and received: a REQ and its EOSE per request (windows, and batches of ids),
        /// the events, and NIP-77 messages both ways.
        var messages: Int {
            figure("requests") * 2 + figure("events new") + figure("duplicate") + figure("messages")
        }
    }

    static func config(negentropy: Bool, relay: String? = nil) -> String {
        var text = "synchronizer:\n  end_lag: 0s\n  negentropy: \(negentropy)\n"
        // The monitor has not probed the relay here: say that it speaks NIP-77.
        if negentropy, let relay { text += "  overrides:\n    \"\(relay)\":\n      negentropy: true\n" }
        return text
    }

    static func text(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `brotr-bench relay` with `arguments`, in a child process, and the URL it prints.
    static func startRelay(_ arguments: [String]) throws -> (Process, RelayURL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        process.arguments = ["relay"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        guard let line = String(data: pipe.fileHandleForReading.availableLine(), encoding: .utf8),
            let url = try? RelayURL(line.trimmingCharacters(in: .whitespacesAndNewlines), allowLoopback: true)
        else {
            process.terminate()
            throw TransportError(.connectFailed, "the relay process did not start")
        }
        return (process, url)
    }
}
