import Archive
import Foundation
import Glibc
import Nostr
import Transport

/// One Synchronizer cycle against a relay in another process on 127.0.0.1 (`brotr-bench
/// relay`, serving the benchmark corpus), into a fresh archive. The cycle is `brotr run
/// synchronizer --once`, the `brotr` binary built beside this one, run as a user runs it:
/// its CPU time and peak RSS are its own (from wait4), and the relay's are measured apart.
struct SyncBenchmark {
    let count: Int
    let directory: String?
    let pageSize: Int

    func run() async throws {
        let root = directory ?? NSTemporaryDirectory() + "brotr-sync-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("brotr")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw BenchError("no brotr binary beside brotr-bench: swift build -c release --product brotr")
        }

        // The relay: this executable, `relay` command, in a child process.
        let relayProcess = Process()
        relayProcess.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        relayProcess.arguments = ["relay", "--events", String(count)]
        let pipe = Pipe()
        relayProcess.standardOutput = pipe
        try relayProcess.run()
        defer { relayProcess.terminate() }
        guard let line = String(data: pipe.fileHandleForReading.availableLine(), encoding: .utf8),
            let url = try? RelayURL(line.trimmingCharacters(in: .whitespacesAndNewlines), allowLoopback: true)
        else { throw TransportError(.connectFailed, "the relay process did not start") }
        print("sync benchmark: \(count) events served by \(url) (pid \(relayProcess.processIdentifier)), page size \(pageSize)")

        // The relay alone: one REQ for everything, read to EOSE without parsing events.
        let relayBefore = Self.cpuSeconds(pid: relayProcess.processIdentifier)
        var t = Clock.now()
        let (served, servedBytes) = try await RelayConnection.withConnection(to: url) { connection -> (Int, Int) in
            try await connection.send(.req(try SubscriptionID("all"), [try Filter(since: 0, limit: count + 1)]))
            var events = 0
            for _ in 0..<(count + 100) {
                guard case .message(let message, _) = try await connection.receivePacked() else { continue }
                if case .message(.eose) = message { break }
                events += 1
            }
            return (events, connection.bytesReceived)
        }
        let relayOnly = Clock.now() - t
        let relayOnlyCPU = Self.cpuSeconds(pid: relayProcess.processIdentifier) - relayBefore
        print(String(format: "relay alone: %d events in %.2f s (%.0f events/s), relay CPU %.2f s", served, relayOnly, Double(served) / relayOnly, relayOnlyCPU))

        // One cycle, by brotr.
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try "synchronizer:\n  end_lag: 0s\n  page_size: \(pageSize)\n".write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
        try ServeBenchmark.runToEnd(binary, ["relays", "add", "--data", data, "--allow-loopback", url.url])
        let relayCPU0 = Self.cpuSeconds(pid: relayProcess.processIdentifier)
        t = Clock.now()
        let cycle = try ChildRun(binary, ["run", "synchronizer", "--once", "--data", data, "--allow-loopback"], stdout: root + "/cycle.out")
        let wall = Clock.now() - t
        let relayCPU = Self.cpuSeconds(pid: relayProcess.processIdentifier) - relayCPU0
        let summary = (try? String(contentsOfFile: root + "/cycle.out", encoding: .utf8)) ?? ""
        guard cycle.status == 0 else { throw BenchError("brotr run synchronizer --once failed (\(cycle.status)): \(summary)") }
        let figure = { (name: String) in Self.figure(summary, after: name) }
        let archived = try Archive.open(DataDirectory(path: data), mode: .readOnly).stats().events
        print("cycle: \(summary.split(separator: "\n").first ?? "")")
        print(String(format: "end to end: %.2f s, %.0f events/s (brotr started, synced and exited)", wall, Double(figure("events new")) / wall))
        print(String(format: "brotr CPU: %.2f s, %.2f s per 10k events; relay CPU during the cycle: %.2f s", cycle.cpu, cycle.cpu * 10_000 / Double(max(1, figure("events new"))), relayCPU))
        print(String(format: "cores busy during the cycle: brotr %.2f, relay %.2f, of %d", cycle.cpu / wall, relayCPU / wall, ProcessInfo.processInfo.activeProcessorCount))
        print(String(format: "bytes received: %d MiB, %.2fx one full REQ's", figure("bytes received") >> 20, Double(figure("bytes received")) / Double(max(1, servedBytes))))
        print("peak RSS of brotr: \(cycle.maxRSSKiB / 1024) MiB")
        guard figure("events new") == count, archived == count else {
            throw ArchiveError(.inconsistent, "archived \(archived) of \(count) events")
        }
    }

    /// The integer after `name` in brotr's summary line ("events new 100000, ...").
    static func figure(_ text: String, after name: String) -> Int {
        guard let range = text.range(of: name + " ") else { return -1 }
        return Int(text[range.upperBound...].prefix { $0.isNumber }) ?? -1
    }

    /// User + system CPU seconds of another process, from /proc.
    static func cpuSeconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14, stime 15 (1-based in proc(5)).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.cpuSeconds
    }
}

extension FileHandle {
    /// Reads up to the first newline (the relay process prints its URL first).
    func availableLine() -> Data {
        var line = Data()
        while line.count < 4096 {
            let byte = readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0A { break }
            line.append(byte)
        }
        return line
    }
}

extension rusage {
    /// User + system CPU seconds.
    var cpuSeconds: Double {
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(ru_utime) + seconds(ru_stime)
    }
}

/// A child process run to its end, with its own resource use from wait4 (Foundation's
/// Process reaps its children itself and keeps their usage).
struct ChildRun {
    let status: Int32
    let cpu: Double
    let maxRSSKiB: Int

    /// Runs `binary` with `arguments`, standard output to the file `stdout`, and waits.
    init(_ binary: URL, _ arguments: [String], stdout: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([binary.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchError("cannot start \(binary.path): error \(spawned)") }
        var wait: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &wait, 0, &usage) == pid else { throw BenchError("wait4 failed: errno \(errno)") }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        status = (wait & 0x7F) == 0 ? (wait >> 8) & 0xFF : -1
        cpu = usage.cpuSeconds
        maxRSSKiB = usage.ru_maxrss
    }
}
