import Archive
import Foundation
import Glibc
import Logging
import Nostr
import Services
import Transport

/// One Synchronizer cycle against a relay in another process on 127.0.0.1 (`brotr-bench
/// relay`, serving the benchmark corpus), into a fresh archive. The relay runs apart so
/// that its CPU time is measured apart: the archiver's own cost is what is left.
struct SyncBenchmark {
    let count: Int
    let directory: String?
    let pageSize: Int

    func run() async throws {
        let root = directory ?? NSTemporaryDirectory() + "brotr-sync-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }

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
                guard case .message(let message, _) = try await connection.receive() else { continue }
                if case .eose = message { break }
                events += 1
            }
            return (events, connection.bytesReceived)
        }
        let relayOnly = Clock.now() - t
        let relayOnlyCPU = Self.cpuSeconds(pid: relayProcess.processIdentifier) - relayBefore
        print(String(format: "relay alone: %d events in %.2f s (%.0f events/s), relay CPU %.2f s", served, relayOnly, Double(served) / relayOnly, relayOnlyCPU))

        // One cycle.
        let archive = try Archive.open(DataDirectory(path: root))
        _ = try await archive.writer?.addRelays([url], discoveredAt: 1)
        var settings = SynchronizerSettings()
        settings.endLag = 0
        settings.stream = StreamOptions(pageSize: pageSize)
        let synchronizer = try Synchronizer(archive: archive, settings: settings, allowLoopback: true, logger: Logger(label: "bench"))
        let relayCPU0 = Self.cpuSeconds(pid: relayProcess.processIdentifier)
        let ownCPU0 = Self.ownCPUSeconds()
        t = Clock.now()
        let report = try await synchronizer.runCycle()
        let wall = Clock.now() - t
        let ownCPU = Self.ownCPUSeconds() - ownCPU0
        let relayCPU = Self.cpuSeconds(pid: relayProcess.processIdentifier) - relayCPU0
        let stats = try archive.stats()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("cycle: relays synced \(report.relaysSynced), failed \(report.relaysFailed); events new \(report.eventsNew); requests \(report.stream.requests); splits \(report.stream.splits)")
        print(String(format: "end to end: %.2f s, %.0f events/s", wall, Double(report.eventsNew) / wall))
        print(String(format: "brotr CPU: %.2f s, %.2f s per 10k events; relay CPU during the cycle: %.2f s", ownCPU, ownCPU * 10_000 / Double(max(1, report.eventsNew)), relayCPU))
        print(String(format: "cores busy during the cycle: brotr %.2f, relay %.2f, of %d", ownCPU / wall, relayCPU / wall, ProcessInfo.processInfo.activeProcessorCount))
        print(String(format: "bytes received: %d MiB, %.2fx one full REQ's", report.bytesReceived >> 20, Double(report.bytesReceived) / Double(max(1, servedBytes))))
        print("peak RSS of this process: \(usage.ru_maxrss / 1024) MiB")
        guard report.eventsNew == count, stats.events == count else {
            throw ArchiveError(.inconsistent, "archived \(stats.events) of \(count) events")
        }
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
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
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
