import BrotrTestSupport
import Foundation
import Glibc
import Nostr

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `brotr serve` holding many relays, most of them loopback ports where nothing listens,
/// so that every stage has work each cycle; a few live test relays, restarted every
/// `restartEvery` when churning (the soak). Samples brotr's RSS from /proc each second
/// and prints RSS at the start and end, peak RSS, and each stage's cycles and mean cycle
/// time from /metrics. brotr runs as a child process: the figures are its own.
struct ServeBenchmark {
    let relays: Int
    let minutes: Double
    let restartEvery: Duration?

    func run() async throws {
        let root = NSTemporaryDirectory() + "brotr-serve-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("brotr")

        // Live relays, with events that name each other.
        var generator = CorpusGenerator(seed: 7)
        var live: [TestRelay] = []
        var liveEvents: [[Event]] = []
        for _ in 0..<3 {
            let events = (0..<2000).map { _ in generator.next() }
            liveEvents.append(events)
            live.append(try await TestRelay(events: events))
        }
        // Unreachable relays and candidates: ports below the ephemeral range (where the live
        // relays listen), on which nothing here listens.
        let dead = (0..<relays).map { "ws://127.0.0.1:\(20000 + $0 % 10000)/r\($0)" }
        let candidates = (0..<(relays / 2)).map { "ws://127.0.0.1:\(20000 + $0 % 10000)/c\($0)" }
        try (live.map(\.url.url) + candidates).joined(separator: "\n").write(toFile: root + "/seeds.txt", atomically: true, encoding: .utf8)
        let port = 18000 + Int(getpid() % 1000)
        try """
        network:
          allow_loopback: true
        http:
          listen: 127.0.0.1:\(port)
        seeder:
          builtin: false
          file: \(root)/seeds.txt
          interval: 30s
        finder:
          interval: 30s
        validator:
          interval: 30s
          cooldown: 1m
          connect_timeout: 5s
          read_timeout: 5s
        synchronizer:
          interval: 30s
          end_lag: 0s
          connect_timeout: 5s
          read_timeout: 10s
        """.write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
        // The seed list first (the Seeder loads it only into an empty archive), then the
        // relay table, in chunks (argument lists have a size limit).
        try Self.runToEnd(binary, ["run", "seeder", "--once", "--data", data])
        for start in stride(from: 0, to: dead.count, by: 2000) {
            try Self.runToEnd(binary, ["relays", "add", "--data", data, "--allow-loopback"] + dead[start..<min(dead.count, start + 2000)])
        }
        print("serve benchmark: \(dead.count) unreachable relays + \(candidates.count) unreachable candidates + \(live.count) live relays (\(liveEvents.map(\.count).reduce(0, +)) events), \(minutes) min\(restartEvery.map { ", live relays restarted every \($0)" } ?? "")")

        let serve = Process()
        serve.executableURL = binary
        serve.arguments = ["serve", "--data", data]
        serve.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try serve.run()
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }

        let clock = ContinuousClock()
        let started = clock.now
        let end = started + .seconds(Int64(minutes * 60))
        var lastRestart = started
        var samples: [(seconds: Double, rss: Int)] = []
        while clock.now < end && serve.isRunning {
            try await Task.sleep(for: .seconds(1))
            samples.append((Self.seconds(clock.now - started), Self.status(serve.processIdentifier, "VmRSS")))
            if let every = restartEvery, clock.now - lastRestart >= every {
                lastRestart = clock.now
                for i in live.indices {
                    let port = live[i].port
                    await live[i].stop()
                    live[i] = try await TestRelay(events: liveEvents[i], port: port)
                }
            }
        }
        guard serve.isRunning else { throw BenchError("brotr serve exited early with status \(serve.terminationStatus)") }
        let peak = Self.status(serve.processIdentifier, "VmHWM")
        let metrics = try await Self.get("http://127.0.0.1:\(port)/metrics")
        let t = clock.now
        kill(serve.processIdentifier, SIGTERM)
        serve.waitUntilExit()
        let shutdown = Self.seconds(clock.now - t)

        // RSS after the first minute (start-up done) against the last minute, each the mean.
        let first = samples.filter { $0.seconds >= 60 && $0.seconds < 120 }.map(\.rss)
        let last = samples.suffix(60).map(\.rss)
        func mean(_ xs: [Int]) -> Int { xs.isEmpty ? 0 : xs.reduce(0, +) / xs.count }
        print("RSS (MiB): minute 2 mean \(mean(first) >> 10), last minute mean \(mean(last) >> 10), peak \(peak >> 10); samples \(samples.count)")
        // The whole curve, a mean per minute, so that flat can be seen to be flat.
        let perMinute = stride(from: 0, to: samples.count, by: 60).map { mean(samples[$0..<min(samples.count, $0 + 60)].map(\.rss)) >> 10 }
        print("RSS by minute (MiB): \(perMinute.map(String.init).joined(separator: " "))")
        for stage in ["seeder", "finder", "validator", "monitor", "synchronizer", "refresher", "api", "dvm"] {
            let count = Self.metric(metrics, "cycle_duration_seconds_count{service=\"\(stage)\"}") ?? 0
            let sum = Self.metric(metrics, "cycle_duration_seconds_sum{service=\"\(stage)\"}") ?? 0
            let failed = Self.metric(metrics, "service_counter_total{service=\"\(stage)\",name=\"cycles_failed\"}") ?? 0
            print(String(format: "%@: %.0f cycles (%.0f failed), mean cycle %.2f s", stage, count, failed, count > 0 ? sum / count : 0))
        }
        for name in ["events", "relays"] {
            print("archive \(name): \(Int(Self.metric(metrics, "service_gauge{service=\"archive\",name=\"\(name)\"}") ?? -1))")
        }
        print(String(format: "SIGTERM to exit: %.2f s, status %d", shutdown, serve.terminationStatus))
        for relay in live { await relay.stop() }
    }

    static func runToEnd(_ binary: URL, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("brotr \(arguments.prefix(2).joined(separator: " ")) failed: \(p.terminationStatus)") }
    }

    /// A field of /proc/PID/status in KiB (VmRSS, VmHWM).
    static func status(_ pid: Int32, _ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    static func metric(_ text: String, _ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    static func get(_ url: String) async throws -> String {
        guard let u = URL(string: url) else { throw BenchError("bad URL \(url)") }
        let (data, _) = try await URLSession.shared.data(from: u)
        return String(decoding: data, as: UTF8.self)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
