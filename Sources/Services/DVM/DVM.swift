public import Archive
import Foundation
import Synchronization
public import Logging
public import Nostr
import Probes
public import Transport

/// A NIP-90 data vending machine over the analytics tables: each cycle reads the kind
/// 5050 requests on its relays since the last, answers each once (kind 6050 with the rows,
/// or 7000 feedback: `error`, `payment-required`, `processing` for a slow job) through the
/// REST API's query engine, and announces itself (NIP-89 kind 31990) on an interval.
///
/// A request is answered once, across restarts too: handled ids are kept in the archive's
/// service state until they are older than `maxAge`, and requests older than that are
/// ignored. A request is handled when its answer reached at least one relay; one that
/// reached none is tried again next cycle. Bad signatures, requests over 64 KiB and
/// requests for other providers are ignored; an author over `ratePerMinute` is ignored
/// until the minute passes.
public actor DVM: CycleStage {
    public nonisolated let stage = Stage.dvm

    /// One cycle's outcome.
    public struct Report: Sendable, Equatable {
        public var requests = 0
        public var answered = 0
        public var failed = 0
        public var paymentRequired = 0
        public var ignored = 0
        public var announced = false
    }

    let archive: Archive
    let settings: DVMSettings
    let network: NetworkConfiguration
    let key: SecretKey?
    let logger: Logger
    let clock: @Sendable () -> Int64
    /// Requests seen per author in the current minute.
    private var rate: (minute: Int64, counts: [PublicKey: Int]) = (0, [:])
    /// Whether the log has said why the DVM does nothing.
    private var saidIdle = false

    static let service = "dvm"
    static let announcedKey = "announced_at"
    static let handledPrefix = "handled:"
    /// Larger requests are ignored: a table query needs a few tags, not kilobytes.
    static let maxRequestBytes = 65536

    public init(
        archive: Archive, settings: DVMSettings, network: NetworkConfiguration, key: SecretKey?, logger: Logger,
        clock: (@Sendable () -> Int64)? = nil
    ) {
        self.archive = archive
        self.settings = settings
        self.network = network
        self.key = key
        self.logger = logger
        self.clock = clock ?? { Int64(Date().timeIntervalSince1970) }
    }

    /// BigBrotr's DVM series: counters `requests_total` and `requests_failed`, gauge
    /// `tables_exposed`; and the answers by kind.
    public func cycle() async throws -> CycleFigures {
        let r = try await runCycle()
        return CycleFigures(
            gauges: ["tables_exposed": Double(settings.tables.count)],
            counters: [
                "requests_total": Double(r.requests), "requests_failed": Double(r.failed), "answered": Double(r.answered),
                "payment_required": Double(r.paymentRequired), "ignored": Double(r.ignored), "announcements": r.announced ? 1 : 0,
            ])
    }

    public func runCycle() async throws -> Report {
        var report = Report()
        guard let key, !settings.relays.isEmpty else {
            if !saidIdle {
                saidIdle = true
                logger.notice(
                    key == nil
                        ? "no DVM key (BROTR_DVM_KEY, dvm.key_file or the monitor's key): nothing is answered"
                        : "no DVM relays (dvm.relays): nothing is read or answered")
            }
            return report
        }
        guard let writer = archive.writer else { throw StageError.readOnlyArchive }
        let now = clock()
        let state = try archive.state(service: Self.service)
        if now - (Int64(state[Self.announcedKey] ?? "") ?? 0) >= settings.announceInterval {
            let announcement = try DVMEvents.announcement(
                dTag: settings.dTag, name: settings.name, about: settings.about, tables: settings.tables.keys.sorted(), at: now, key: key)
            let outcomes = await publish([announcement], to: settings.relays)
            if outcomes.contains(where: { !$0.accepted.isEmpty }) {
                try await writer.setState([ServiceStateUpdate(service: Self.service, key: Self.announcedKey, value: String(now), updatedAt: now)])
                report.announced = true
            }
        }

        var handled = Set(state.keys.filter { $0.hasPrefix(Self.handledPrefix) }.map { String($0.dropFirst(Self.handledPrefix.count)) })
        var updates: [ServiceStateUpdate] = []
        for request in await requests(since: now - settings.maxAge) {
            guard !handled.contains(request.id.hex) else { continue }
            guard request.createdAt >= now - settings.maxAge, request.jsonBytes.count <= Self.maxRequestBytes, (try? request.verify()) != nil else {
                report.ignored += 1
                continue
            }
            let providers = request.tags.filter { $0.first == "p" && $0.count >= 2 }.map { $0[1] }
            if providers.isEmpty ? !settings.acceptUntargeted : !providers.contains(key.publicKey.hex) { continue }
            guard allow(request.pubkey, at: now) else {
                report.ignored += 1
                continue
            }
            report.requests += 1
            let (answers, kind) = await answer(request, key: key, at: now)
            switch kind {
            case .result: report.answered += 1
            case .error: report.failed += 1
            case .paymentRequired: report.paymentRequired += 1
            }
            let outcomes = await publish(answers, to: replyRelays(request))
            guard outcomes.contains(where: { !$0.accepted.isEmpty }) else {
                logger.warning("no relay took the answer; it is tried again next cycle", metadata: ["request": "\(request.id.hex)"])
                continue
            }
            handled.insert(request.id.hex)
            updates.append(ServiceStateUpdate(service: Self.service, key: Self.handledPrefix + request.id.hex, value: String(request.createdAt), updatedAt: now))
        }
        // Handled ids older than the oldest request read are dropped.
        for (name, value) in state where name.hasPrefix(Self.handledPrefix) && (Int64(value) ?? 0) < now - settings.maxAge {
            updates.append(ServiceStateUpdate(service: Self.service, key: name, value: nil, updatedAt: now))
        }
        if !updates.isEmpty { try await writer.setState(updates) }
        logger.info(
            "dvm cycle",
            metadata: [
                "requests": "\(report.requests)", "answered": "\(report.answered)", "failed": "\(report.failed)",
                "payment_required": "\(report.paymentRequired)", "ignored": "\(report.ignored)", "announced": "\(report.announced)",
            ])
        return report
    }

    enum Answer { case result, error, paymentRequired }

    /// The events answering `request`: feedback, or the result (after a `processing`
    /// feedback when the query is slow).
    func answer(_ request: Event, key: SecretKey, at now: Int64) async -> ([Event], Answer) {
        func refusal(_ message: String) -> ([Event], Answer) {
            ((try? DVMEvents.feedback(for: request, status: "error", message: message, at: now, key: key)).map { [$0] } ?? [], .error)
        }
        let job: DVMJob
        do throws(DVMJob.Invalid) {
            job = try DVMJob(request)
        } catch {
            return refusal(error.message)
        }
        guard let price = settings.tables[job.table], let table = AnalyticsTables.table(job.table) else {
            return refusal("Invalid or disabled table: \(AnalyticsQuery.clip(job.table))")
        }
        if price > 0, (job.bid ?? 0) < price {
            let feedback = try? DVMEvents.feedback(
                for: request, status: "payment-required", message: "This query costs \(price) millisats", amount: price, at: now, key: key)
            return (feedback.map { [$0] } ?? [], .paymentRequired)
        }
        let query: AnalyticsQuery
        do throws(AnalyticsQuery.Invalid) {
            query = try AnalyticsQuery(table: table, parameters: job.parameters, limits: settings.limits)
        } catch {
            return refusal(error.message)
        }
        var events: [Event] = []
        let archive = archive, deadline = settings.queryTimeout
        let work = Task.detached { try archive.analyticsPage(query, deadline: .now + deadline) }
        if await !Self.finishes(work, within: settings.processingAfter),
            let processing = try? DVMEvents.feedback(for: request, status: "processing", message: "Running the query", at: now, key: key)
        {
            // Said now, while the query runs; the result follows.
            _ = await publish([processing], to: replyRelays(request))
        }
        do {
            let page = try await work.value
            let content: JSONValue = .object([
                "data": .array(page.rows),
                "meta": .object([
                    "total": .number(JSONNumber(Int64(page.total))), "limit": .number(JSONNumber(Int64(query.limit))),
                    "offset": .number(JSONNumber(Int64(query.offset))),
                ]),
            ])
            events.append(try DVMEvents.result(for: request, content: content.jsonText, price: price, at: now, key: key))
            return (events, .result)
        } catch is AnalyticsTimeout {
            return (events + refusal("Query timeout").0, .error)
        } catch {
            logger.error("DVM query failed", metadata: ["request": "\(request.id.hex)", "error": "\(error)"])
            return (events + refusal("The archive could not answer; try again").0, .error)
        }
    }

    /// Whether `work` ends within `limit` (it goes on either way); never, for a limit of 0.
    static func finishes<T: Sendable>(_ work: Task<T, any Error>, within limit: Duration) async -> Bool {
        guard limit > .zero else { return false }
        let once = Once()
        return await withCheckedContinuation { continuation in
            let decide: @Sendable (Bool) -> Void = { finished in if once.first() { continuation.resume(returning: finished) } }
            Task {
                _ = await work.result
                decide(true)
            }
            Task {
                try? await Task.sleep(for: limit)
                decide(false)
            }
        }
    }

    /// Whether `author` may have another request answered this minute.
    private func allow(_ author: PublicKey, at now: Int64) -> Bool {
        let minute = now / 60
        if rate.minute != minute { rate = (minute, [:]) }
        let count = rate.counts[author, default: 0] + 1
        rate.counts[author] = count
        return count <= settings.ratePerMinute
    }

    /// The relays a request asks to be answered on (those that parse and the network
    /// allows), else the DVM's own.
    private func replyRelays(_ request: Event) -> [RelayURL] {
        let asked = request.tags.filter { $0.first == "relays" }.flatMap { $0.dropFirst() }.prefix(DVMJob.maxValues)
            .compactMap { try? RelayURL($0, allowLoopback: network.allowLoopback) }
        return asked.isEmpty ? settings.relays : Array(Set(asked + settings.relays)).sorted { $0.url < $1.url }
    }

    /// The 5050 requests the relays hold since `since`, each relay read to its EOSE.
    private func requests(since: Int64) async -> [Event] {
        let filter: Filter
        do {
            filter = try Filter(kinds: [DVMEvents.requestKind], since: since, limit: settings.maxRequests)
        } catch {
            return []
        }
        let maxRequests = settings.maxRequests
        let lists = await withTaskGroup(of: [Event].self) { group in
            for relay in settings.relays {
                let options = network.options(ConnectionOptions(connectTimeout: settings.timeout, readTimeout: settings.timeout), for: relay)
                group.addTask {
                    do {
                        return try await RelayConnection.withConnection(to: relay, options: options) { connection in
                            let subscription = try SubscriptionID("dvm")
                            try await connection.send(.req(subscription, [filter]))
                            var events: [Event] = []
                            // Bounded: every message counts, whatever it is.
                            for _ in 0..<(maxRequests * 2 + 16) {
                                guard case .message(let message, _) = try await connection.receive() else { continue }
                                switch message {
                                case .event(_, let event) where event.kind == DVMEvents.requestKind: events.append(event)
                                case .eose, .closed: return events
                                default: continue
                                }
                            }
                            return events
                        }
                    } catch {
                        return []
                    }
                }
            }
            var all: [Event] = []
            for await list in group { all += list }
            return all
        }
        var seen = Set<EventID>()
        return lists.filter { seen.insert($0.id).inserted }.sorted { ($0.createdAt, $0.id.hex) < ($1.createdAt, $1.id.hex) }
    }

    private func publish(_ events: [Event], to relays: [RelayURL]) async -> [EventPublisher.Outcome] {
        let outcomes = await EventPublisher.publish(events, to: relays, timeout: settings.timeout, retry: RetryPolicy(attempts: 2), network: network)
        for outcome in outcomes where outcome.failure != nil {
            logger.warning("publishing failed", metadata: ["relay": "\(outcome.relay.url)", "reason": "\(outcome.failure ?? "")"])
        }
        return outcomes
    }
}

/// True for the first caller only.
private final class Once: Sendable {
    private let taken = Mutex(false)

    func first() -> Bool {
        taken.withLock { taken in
            defer { taken = true }
            return !taken
        }
    }
}
