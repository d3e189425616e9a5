import Foundation
public import Nostr
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Synchronization

/// A NIP-01 relay for tests and benchmarks, on 127.0.0.1, with knobs for hostile behaviour
/// (``TestRelayBehavior``). It keeps its events in memory, exactly as given: events with bad
/// signatures are served like any other.
public final class TestRelay: Sendable {
    /// The relay's `ws://127.0.0.1:PORT` URL.
    public let url: RelayURL
    public let port: Int

    private let state: Store
    private let serverChannel: any Channel

    /// The shared state of the relay and its connections.
    final class Store: Sendable {
        private let mutex: Mutex<State>
        init(_ state: State) { mutex = Mutex(state) }
        func withLock<R>(_ body: (inout State) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    struct State {
        var events: [Event] = []
        var behavior = TestRelayBehavior()
        var connections = 0
        var requests = 0
        var eventsSent = 0
        /// Connections that stalled or disconnected as the behaviour asked.
        var misbehaved = 0
    }

    /// REQs answered so far.
    public var requests: Int { state.withLock { $0.requests } }
    /// EVENT messages sent so far.
    public var eventsSent: Int { state.withLock { $0.eventsSent } }
    /// Connections accepted so far.
    public var connections: Int { state.withLock { $0.connections } }
    /// Connections that stalled or disconnected as the behaviour asked.
    public var misbehavedConnections: Int { state.withLock { $0.misbehaved } }

    /// Starts a relay on an ephemeral loopback port; with `tls`, a wss:// relay whose
    /// certificate is self-signed (no client trusts it): `certificate`, or one made for
    /// these tests.
    public init(
        events: [Event] = [], behavior: TestRelayBehavior = TestRelayBehavior(), host: String = "127.0.0.1", port: Int = 0, tls: Bool = false,
        certificate: TestCertificate? = nil
    ) async throws {
        let state = Store(State(events: events, behavior: behavior))
        self.state = state
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 16 << 20,
            shouldUpgrade: { channel, _ in
                channel.eventLoop.makeSucceededFuture(HTTPHeaders(state.withLock { $0.behavior.upgradeHeaders }.map { ($0.name, $0.value) }))
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let index = state.withLock { s -> Int in s.connections += 1; return s.connections }
                    try channel.pipeline.syncOperations.addHandler(TestRelayConnection(state: state, connectionIndex: index))
                }
            })
        let tlsContext = try tls ? NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array((certificate?.certificatePEM ?? SelfSignedCertificate.certificatePEM).utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array((certificate?.privateKeyPEM ?? SelfSignedCertificate.privateKeyPEM).utf8), format: .pem)))) : nil
        serverChannel = try await ServerBootstrap(group: TestServerLoops.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext)) }
                    // A plain GET (NIP-11) is answered by TestRelayInfo; an upgraded connection drops it.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withServerUpgrade: (
                        upgraders: [upgrader],
                        completionHandler: { context in context.pipeline.removeHandler(name: TestRelayInfo.name, promise: nil) }))
                    try channel.pipeline.syncOperations.addHandler(TestRelayInfo(state: state), name: TestRelayInfo.name)
                }
            }
            .bind(host: host, port: port).get()
        self.port = serverChannel.localAddress?.port ?? 0
        let hostPart = host.contains(":") ? "[\(host)]" : host
        url = try RelayURL("\(tls ? "wss" : "ws")://\(hostPart):\(self.port)", allowLoopback: true)
    }

    /// Replaces the knobs; connections opened afterwards see the new ones.
    public func setBehavior(_ behavior: TestRelayBehavior) { state.withLock { $0.behavior = behavior } }

    /// Adds events to the store.
    public func add(_ events: [Event]) { state.withLock { $0.events.append(contentsOf: events) } }

    /// Stops listening and closes every connection.
    public func stop() async {
        try? await serverChannel.close()
    }

    /// The events to answer one filter with, newest first, after the knobs.
    static func select(_ filter: Filter, from events: [Event], behavior: TestRelayBehavior) -> [Event] {
        var matching = events.filter { event in
            if behavior.exclusiveUntil, let until = filter.until, event.createdAt >= until { return false }
            if let since = filter.since, event.createdAt < since { return false }
            if let until = filter.until, event.createdAt > until { return false }
            if behavior.ignoreKindsAndAuthors { return true }
            return filter.matches(event)
        }
        matching.sort { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id < $1.id }
        var count = matching.count
        if !behavior.ignoreLimit, let limit = filter.limit { count = min(count, limit) }
        if let cap = behavior.pageCap { count = min(count, cap) }
        matching.removeLast(matching.count - count)
        if behavior.shuffle { matching.shuffle() }
        return matching
    }
}
