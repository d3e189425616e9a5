import Foundation
public import Nostr

/// Every event of some filters in `[since, until]` from one relay, complete, in ascending
/// `(created_at, id)` order, one time window at a time.
///
/// The algorithm is BigBrotr's: fetch a window; a page that came back full is checked at
/// its boundary (all events of its oldest second, and a probe for anything older); when
/// that fails the window is split in half and the left half goes first; a single second is
/// fetched whole. brotr adds what real relays need: a hidden page cap is found by probing
/// pages larger than any confirmed so far, `until` is widened by a second until the relay
/// is known to treat it inclusively, and the window grows or shrinks with the density of
/// the events. What is learned is in ``quirks``.
public final class WindowedStream {
    /// One finished window: all its events, and the last second it covers.
    public struct Window: Sendable {
        /// The window's events, packed; verified unless ``StreamOptions/verifies`` is off.
        public let events: [PackedEvent]
        /// Every event up to and including this second has been delivered.
        public let through: Int64
    }

    private let fetcher: PageFetcher
    private let filters: [Filter]
    private let until: Int64
    /// The first second not yet delivered.
    private var since: Int64
    private var started = false
    /// Upper bounds of the windows still to do, innermost last.
    private var bounds: [Int64]

    /// What was learned about the relay; store it for the next stream.
    public var quirks: RelayQuirks { fetcher.quirks }
    /// Counts so far.
    public var statistics: StreamStatistics { fetcher.statistics }

    /// - Parameters:
    ///   - filters: NIP-01 filters; their own since, until and limit are replaced per window.
    ///   - since, until: the window, both inclusive.
    public init(
        connection: RelayConnection, filters: [Filter], since: Int64, until: Int64,
        options: StreamOptions = StreamOptions(), quirks: RelayQuirks = RelayQuirks()
    ) throws {
        self.fetcher = PageFetcher(connection: connection, options: options, quirks: quirks)
        self.filters = filters.isEmpty ? [try Filter()] : filters
        self.since = since
        self.until = until
        self.bounds = since <= until ? [until] : []
    }

    private var pageSize: Int { min(fetcher.options.pageSize, fetcher.quirks.pageCap ?? .max) }

    /// The next finished window, or nil when the whole range is delivered.
    public func next() async throws -> Window? {
        while let upper = bounds.last {
            let lower = since
            let first = !started
            started = true
            var page = try await fetcher.fetch(filters, since: lower, until: upper, limit: pageSize)
            try await learnUntilSemantics(from: page)
            var complete = page.raw < pageSize && !page.flooded
            if page.oldest == nil, page.raw > 0, lower < upper {
                // No event sent lies in the window (they are in the second `until` was widened
                // by, for a relay that may read it exclusively, or outside the filters): the
                // page shows the window empty only when no cap can have cut it; else the window
                // is halved, down to one second fetched whole. A full page of them proves
                // nothing about the window.
                complete = complete && page.raw <= fetcher.quirks.confirmedPage
            } else if complete, page.raw > fetcher.quirks.confirmedPage {
                // A page larger than any confirmed before: make sure no cap cut it short.
                if let extra = try await boundaryCheck(page, lower: lower) {
                    page.events += extra
                    fetcher.quirks.confirmedPage = max(fetcher.quirks.confirmedPage, page.raw)
                } else {
                    fetcher.quirks.pageCap = min(fetcher.quirks.pageCap ?? .max, max(1, page.raw))
                    complete = false
                }
            } else if !complete, lower == upper {
                let (whole, cut) = try await fetchWholeSecond(lower)
                if cut { fetcher.statistics.truncatedSeconds += 1 }
                page = whole
                complete = true
            } else if !complete, !page.flooded, !fetcher.quirks.unordered, let extra = try await boundaryCheck(page, lower: lower) {
                page.events += extra
                complete = true
            }
            guard complete else {
                fetcher.statistics.splits += 1
                if first, let oldest = page.oldest, let newest = page.events.map(\.createdAt).max() {
                    // The relay's history may start long after `since` (a first sync from 0):
                    // find its oldest second with one-event probes instead of halving down to
                    // it a full page at a time, and start with a window sized by the page.
                    since = try await oldestSecond(from: lower, to: oldest)
                    let span = max(1, (newest - oldest + 1) * Int64(max(1, pageSize / 2)) / Int64(max(1, page.raw)))
                    if since + span - 1 < upper { bounds.append(since + span - 1) }
                } else {
                    bounds.append(lower + (upper - lower) / 2)
                }
                continue
            }
            bounds.removeLast()
            since = upper + 1
            planNextWindow(span: upper - lower + 1, events: page.raw)
            var events = Self.ordered(page.events)
            if fetcher.options.verifies { events = await verified(events) }
            fetcher.statistics.yielded += events.count
            return Window(events: events, through: upper)
        }
        return nil
    }

    /// The oldest second in `[lower, upper]` that holds an event, by bisection with
    /// one-event probes; `upper` is known to hold one.
    private func oldestSecond(from lower: Int64, to upper: Int64) async throws -> Int64 {
        var (low, high) = (lower, upper)
        while low < high {
            let mid = low + (high - low) / 2
            let probe = try await fetcher.fetch(filters, since: low, until: mid, limit: 1)
            if probe.raw > 0 { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// For a page whose oldest second is `m`: fetches all of second `m` and probes for
    /// anything older in the window. Returns the events of second `m` the page lacked when
    /// the page is thereby shown complete, nil when it is not.
    private func boundaryCheck(_ page: PageFetcher.Page, lower: Int64) async throws -> [PackedEvent]? {
        guard let oldest = page.oldest else { return [] }
        let (boundary, cut) = try await fetchWholeSecond(oldest)
        if cut { return nil }
        if oldest > lower {
            let probe = try await fetcher.fetch(filters, since: lower, until: oldest - 1, limit: 1)
            if probe.raw > 0 { return nil }
        }
        let have = Set(page.events.map(\.id))
        return boundary.events.filter { !have.contains($0.id) }
    }

    /// Every event of one second, asked for at once; `cut` when the relay's cap or the flood
    /// limit may have cut the answer.
    private func fetchWholeSecond(_ second: Int64) async throws -> (page: PageFetcher.Page, cut: Bool) {
        let page = try await fetcher.fetch(filters, since: second, until: second, limit: max(fetcher.options.maxEventsPerFetch - 1, pageSize))
        return (page, page.flooded || page.raw >= (fetcher.quirks.pageCap ?? .max))
    }

    /// The first time a page holds an event, asks for that event's second alone with an
    /// exact `until`: a relay that returns nothing treats `until` as exclusive.
    private func learnUntilSemantics(from page: PageFetcher.Page) async throws {
        guard fetcher.quirks.untilExclusive == nil, let newest = page.events.map(\.createdAt).max() else { return }
        let probe = try await fetcher.fetch(filters, since: newest, until: newest, limit: 1, exactUntil: true)
        fetcher.quirks.untilExclusive = probe.raw == 0
    }

    /// Narrows the next window to about half a page at the density just seen, so most
    /// windows finish in one REQ instead of being split.
    private func planNextWindow(span: Int64, events: Int) {
        guard let upper = bounds.last, since <= upper else { return }
        let target = Int64(max(1, pageSize / 2))
        let grown = events == 0 ? span * 4 : max(1, span * target / Int64(events))
        let next = min(grown, span * 4)
        if upper - since + 1 > next { bounds.append(since + next - 1) }
    }

    /// The events whose id and signature verify, checked on every core; the others are counted.
    private func verified(_ events: [PackedEvent]) async -> [PackedEvent] {
        let valid = await Parallel.map(events, parallelism: ProcessInfo.processInfo.activeProcessorCount) { (try? $0.verify()) != nil }
        let kept = zip(events, valid).filter(\.1).map(\.0)
        fetcher.statistics.invalid += events.count - kept.count
        return kept
    }

    private static func ordered(_ events: [PackedEvent]) -> [PackedEvent] {
        events.sorted { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.id < $1.id }
    }
}
