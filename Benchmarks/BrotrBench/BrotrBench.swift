import Archive
import BrotrTestSupport
import CSecp256k1
import Dispatch
import Foundation
import Glibc
import Nostr
import Synchronization

/// `brotr-bench`: benchmarks printed as rates and ratios.
///
///     swift run -c release brotr-bench verify  [--events N] [--rounds R]
///     swift run -c release brotr-bench archive [--events N] [--dir PATH] [--rounds R]
///     swift run -c release brotr-bench check   [--events N] [--dir PATH] [--rounds R]
///     swift run -c release brotr-bench growth  [--events N] [--step S] [--sync N] [--dir PATH]
///     swift run -c release brotr-bench queries --dir PATH   (the query shapes on a grown archive)
///     swift run -c release brotr-bench corpus  [--events N] [--network STREAM] > corpus.jsonl
///     swift run -c release brotr-bench relay   [--events N] [--port P] [--tls] [--page-cap N] [--negentropy] [--skip-every K]   (a loopback test relay)
///     swift run -c release brotr-bench sync    [--events N] [--page-size P]
///     swift run -c release brotr-bench serve   [--relays N] [--minutes M] [--restart-every S]
///     swift run -c release brotr-bench monitor [--relays N]   (live relays, plus slow and dead ones)
///     swift run -c release brotr-bench analytics [--events N] [--dir PATH]   (refresher and REST API)
///     swift run -c release brotr-bench negentropy [--events N] [--skip-every K] [--dir PATH]   (NIP-77 against windows)
@main
enum BrotrBench {
    static func main() async {
        var events: Int?, rounds = 3, dir: String?, port = 0, pageSize = 500
        var relays = 10_000, minutes = 3.0, restartEvery: Int?, step = 500_000, syncCount = 100_000, network: Int?
        var tls = false, pageCap: Int?, negentropy = false, skipEvery: Int?
        var command = "verify"
        var args = CommandLine.arguments.dropFirst()
        while let arg = args.popFirst() {
            switch arg {
            case "verify", "archive", "check", "growth", "queries", "corpus", "relay", "sync", "serve", "monitor", "analytics", "negentropy": command = arg
            case "--step": step = Int(args.popFirst() ?? "") ?? step
            case "--network": network = Int(args.popFirst() ?? "")
            case "--sync": syncCount = Int(args.popFirst() ?? "") ?? syncCount
            case "--relays": relays = Int(args.popFirst() ?? "") ?? relays
            case "--minutes": minutes = Double(args.popFirst() ?? "") ?? minutes
            case "--restart-every": restartEvery = Int(args.popFirst() ?? "")
            case "--page-size": pageSize = Int(args.popFirst() ?? "") ?? pageSize
            case "--port": port = Int(args.popFirst() ?? "") ?? 0
            case "--events": events = Int(args.popFirst() ?? "")
            case "--rounds": rounds = Int(args.popFirst() ?? "") ?? rounds
            case "--dir": dir = args.popFirst()
            case "--tls": tls = true
            case "--page-cap": pageCap = Int(args.popFirst() ?? "")
            case "--negentropy": negentropy = true
            case "--skip-every": skipEvery = Int(args.popFirst() ?? "").map { max(2, $0) }
            default:
                print("usage: brotr-bench [verify|archive|check|growth|queries|corpus|relay|sync|serve|monitor|analytics|negentropy] [--events N] [--rounds R] [--step S] [--sync N] [--dir PATH] [--port P] [--page-size P] [--relays N] [--minutes M] [--restart-every S] [--network STREAM] [--tls] [--page-cap N] [--negentropy] [--skip-every K]")
                exit(64)
            }
        }
        switch command {
        case "corpus" where network != nil:
            // The network-shaped corpus (stream N of the growth benchmark's authors).
            var corpus = NetworkCorpus(seed: 2026, stream: UInt64(network ?? 0), start: 1_800_000_000)
            var left = events ?? 100_000
            while left > 0 {
                let lines = corpus.next(min(left, 50_000), parallelism: ProcessInfo.processInfo.activeProcessorCount)
                FileHandle.standardOutput.write(Data(lines.flatMap { $0 + [0x0A] }))
                left -= lines.count
            }
        case "corpus":
            // The benchmark corpus as JSON lines, for `brotr import`.
            var generator = CorpusGenerator(seed: 2026)
            var out: [UInt8] = []
            for _ in 0..<(events ?? 100_000) {
                out += generator.next().jsonBytes + [0x0A]
                if out.count > 1 << 20 {
                    FileHandle.standardOutput.write(Data(out))
                    out.removeAll(keepingCapacity: true)
                }
            }
            FileHandle.standardOutput.write(Data(out))
        case "relay":
            // The corpus served by the in-process test relay on 127.0.0.1, until killed: with
            // --tls over wss:// with a self-signed certificate; with --page-cap, at most that
            // many events per REQ; with --negentropy, answering NIP-77; with --skip-every K,
            // without every Kth event of the corpus.
            do {
                var generator = CorpusGenerator(seed: 2026)
                var behavior = TestRelayBehavior()
                behavior.pageCap = pageCap
                behavior.negentropy = negentropy ? .answers : nil
                let corpus = (0..<(events ?? 100_000)).map { _ in generator.next() }
                let served = skipEvery.map { k in corpus.enumerated().filter { $0.offset % k != k - 1 }.map(\.element) } ?? corpus
                let relay = try await TestRelay(events: served, behavior: behavior, port: port, tls: tls)
                print(relay.url.url)
                fflush(nil)
                while true { try await Task.sleep(for: .seconds(3600)) }
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "sync":
            do {
                try await SyncBenchmark(count: max(events ?? 100_000, 1000), directory: dir, pageSize: pageSize).run()
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "serve":
            do {
                try await ServeBenchmark(relays: max(relays, 1), minutes: max(minutes, 2), restartEvery: restartEvery.map { .seconds($0) }).run()
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "monitor":
            do {
                // --relays defaults to the serve benchmark's 10,000; the testbed is 200 live relays.
                try await MonitorBenchmark(live: relays == 10_000 ? 200 : max(relays, 1)).run()
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "analytics":
            do {
                try await AnalyticsBenchmark(count: max(events ?? 1_000_000, 10_000), directory: dir).run()
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "negentropy":
            do {
                try await NegentropyBenchmark(count: max(events ?? 100_000, 1000), missingEvery: skipEvery ?? 100, directory: dir).run()
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "queries":
            do {
                try GrowthBenchmark.queries(directory: dir ?? "data")
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "growth":
            do {
                try await GrowthBenchmark(count: max(events ?? 5_000_000, 1000), step: max(step, 1000), syncCount: max(syncCount, 0), directory: dir).run()
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "check":
            do {
                try await CheckBenchmark(count: max(events ?? 100_000, 1000), directory: dir, rounds: max(1, rounds)).run()
            } catch {
                print("error: \(error)")
                exit(1)
            }
        case "archive":
            do {
                try await ArchiveBenchmark(count: max(events ?? 100_000, 1000), directory: dir, rounds: max(1, rounds)).run()
            } catch {
                print("error: \(error)")
                exit(1)
            }
        default:
            VerifyBenchmark(count: max(events ?? 20_000, 100), rounds: max(rounds, 1)).run()
        }
    }
}

/// Events verified per second, parse + id + signature, against raw libsecp256k1 verifies
/// of the same signatures, on one core and on all cores.
struct VerifyBenchmark {
    let count: Int
    let rounds: Int

    func run() {
        let cores = ProcessInfoLite.activeCores
        print("verify benchmark: \(count) events, best of \(rounds) rounds, \(cores) cores")
        let corpus = Corpus(count: count)
        print("corpus: \(corpus.lines.count) events, mean \(corpus.totalBytes / corpus.lines.count) bytes of JSON each")

        for threads in Set([1, cores]).sorted() {
            // Alternate the two measurements within each round, so drift in the machine's
            // load affects both alike; keep the best of each.
            var raw = 0.0, full = 0.0
            for _ in 0..<rounds {
                raw = max(raw, rate(threads: threads, work: corpus.rawVerify))
                full = max(full, rate(threads: threads, work: corpus.parseAndVerify))
            }
            print(
                "\(threads == 1 ? "1 core   " : "\(threads) cores  ")"
                    + " raw secp256k1 verify: \(format(raw))/s   parse+id+verify: \(format(full))/s   ratio: "
                    + format2(full / raw))
        }
        // What surrounds the signature check, alone: strict parse and id recomputation.
        let parseOnly = best { rate(threads: 1, work: corpus.parseAndHash) }
        let microseconds = 1e6 / parseOnly
        print(
            "1 core    parse+id without the signature: \(format(parseOnly))/s, "
                + "\(Int((microseconds * 100).rounded()) / 100).\(Int((microseconds * 100).rounded()) % 100 < 10 ? "0" : "")\(Int((microseconds * 100).rounded()) % 100) µs per event")
    }

    /// The best of `rounds` runs (the least disturbed by other load on the machine).
    func best(_ body: () -> Double) -> Double {
        (0..<rounds).map { _ in body() }.max() ?? 0
    }

    /// Runs `work(range)` over the corpus split across `threads`, returning events/s.
    func rate(threads: Int, work: @Sendable (Range<Int>) -> Int) -> Double {
        let chunk = (count + threads - 1) / threads
        let start = Clock.now()
        let ok = AtomicCounter()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let range = (t * chunk)..<min(count, (t + 1) * chunk)
            ok.add(work(range))
        }
        let seconds = Clock.now() - start
        guard ok.value == count else {
            print("error: \(count - ok.value) events did not verify")
            exit(1)
        }
        return Double(count) / seconds
    }

    func format(_ rate: Double) -> String {
        let r = Int(rate.rounded())
        return r >= 1000 ? "\(r / 1000),\(String(repeating: "0", count: 3 - String(r % 1000).count))\(r % 1000)" : "\(r)"
    }

    func format2(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)x"
    }
}

/// Signed events as JSON lines, plus their raw id, pubkey and sig bytes.
final class Corpus: Sendable {
    let lines: [[UInt8]]
    let ids: [[UInt8]], pubkeys: [[UInt8]], sigs: [[UInt8]]
    let totalBytes: Int
    let context: Context

    init(count: Int) {
        var rng = SystemRandomNumberGenerator()
        let keys = (0..<16).map { _ in SecretKey.generate() }
        let words = ["nostr", "relay", "bitcoin", "zap", "note", "hello", "world", "pubkey", "event", "sig", "\u{1F600}", "日本"]
        var lines: [[UInt8]] = [], ids: [[UInt8]] = [], pubkeys: [[UInt8]] = [], sigs: [[UInt8]] = []
        for i in 0..<count {
            let content = (0..<Int.random(in: 20...60, using: &rng)).map { _ in words.randomElement(using: &rng) ?? "x" }.joined(separator: " ")
            let tags = [["e", String(repeating: "ab", count: 32)], ["p", keys[i % 16].publicKey.hex], ["t", "nostr"]]
            guard let event = try? Event.sign(kind: 1, tags: tags, content: content, createdAt: 1_700_000_000 + Int64(i), with: keys[i % 16])
            else { fatalError("signing failed") }
            lines.append(event.jsonBytes)
            ids.append(event.id.bytes)
            pubkeys.append(event.pubkey.bytes)
            sigs.append(event.sig.bytes)
        }
        self.lines = lines
        self.ids = ids
        self.pubkeys = pubkeys
        self.sigs = sigs
        self.totalBytes = lines.reduce(0) { $0 + $1.count }
        self.context = Context()
    }

    /// x-only key parse + schnorrsig_verify, straight through libsecp256k1.
    @Sendable func rawVerify(_ range: Range<Int>) -> Int {
        var ok = 0
        for i in range {
            var xonly = secp256k1_xonly_pubkey()
            guard secp256k1_xonly_pubkey_parse(context.pointer, &xonly, pubkeys[i]) == 1 else { continue }
            if secp256k1_schnorrsig_verify(context.pointer, sigs[i], ids[i], 32, &xonly) == 1 { ok += 1 }
        }
        return ok
    }

    /// What brotr does per event: strict JSON parse, id recomputation, signature check.
    @Sendable func parseAndVerify(_ range: Range<Int>) -> Int {
        var ok = 0
        for i in range {
            guard let event = try? Event(json: lines[i]) else { continue }
            if (try? event.verify()) != nil { ok += 1 }
        }
        return ok
    }

    /// Strict JSON parse and id recomputation, without the signature check.
    @Sendable func parseAndHash(_ range: Range<Int>) -> Int {
        var ok = 0
        for i in range {
            guard let event = try? Event(json: lines[i]) else { continue }
            if (try? event.verifyID()) != nil { ok += 1 }
        }
        return ok
    }

    /// A libsecp256k1 context for the raw baseline. `@unchecked Sendable`: it is only
    /// read (verification takes a const context) after creation.
    final class Context: @unchecked Sendable {
        let pointer: OpaquePointer
        init() {
            guard let ctx = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else { fatalError("no context") }
            pointer = ctx
        }
    }
}

/// A counter shared by the benchmark threads.
final class AtomicCounter: Sendable {
    private let total = Mutex(0)
    func add(_ n: Int) { total.withLock { $0 += n } }
    var value: Int { total.withLock { $0 } }
}

enum Clock {
    /// Monotonic seconds.
    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

enum ProcessInfoLite {
    /// Online cores.
    static var activeCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// The data directory a benchmark writes: `given` when there is one (kept afterwards), else
/// a fresh one under the temporary directory, which `remove()` deletes.
struct BenchDirectory {
    let root: String
    let given: Bool

    init(_ label: String, given directory: String?) {
        root = directory ?? NSTemporaryDirectory() + "brotr-\(label)-\(getpid())"
        given = directory != nil
        try? FileManager.default.removeItem(atPath: root)
    }

    var data: DataDirectory { DataDirectory(path: root) }

    func remove() { if !given { try? FileManager.default.removeItem(atPath: root) } }
}
