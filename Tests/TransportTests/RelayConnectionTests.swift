import BrotrTestSupport
import NIOCore
import NIOPosix
import Nostr
import Testing
import Transport

/// Connection failures are ``TransportError`` values with the right code, within the
/// configured time, whatever the other end does.
struct RelayConnectionTests {
    /// Generous timeouts: these tests share a loaded machine with the rest of the suite.
    let options = ConnectionOptions(connectTimeout: .seconds(90), readTimeout: .seconds(90))

    func code(_ url: RelayURL, _ options: ConnectionOptions) async -> TransportError.Code? {
        do {
            try await RelayConnection.withConnection(to: url, options: options) { _ in }
            return nil
        } catch {
            return (error as? TransportError)?.code
        }
    }

    /// A TCP server that accepts connections and never says a word.
    func silentServer() async throws -> (any Channel, Int) {
        let channel = try await ServerBootstrap(group: TestServerLoops.group)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, channel.localAddress?.port ?? 0)
    }

    @Test func refusedConnection() async throws {
        // Port 1 (tcpmux) is privileged and unused here: the connection is refused.
        let url = try RelayURL("ws://127.0.0.1:1", allowLoopback: true)
        // A generous deadline: refusal is immediate, however loaded the machine.
        #expect(await code(url, ConnectionOptions(connectTimeout: .seconds(30))) == .connectFailed)
    }

    @Test func relayThatNeverAnswersTheUpgradeTimesOut() async throws {
        let (server, port) = try await silentServer()
        defer { server.close(promise: nil) }
        let url = try RelayURL("ws://127.0.0.1:\(port)", allowLoopback: true)
        // The deadline covers the upgrade, not only TCP: without it this would wait forever.
        #expect(await code(url, ConnectionOptions(connectTimeout: .milliseconds(800))) == .connectTimeout)
    }

    @Test func tlsToAPlainServerFails() async throws {
        let relay = try await TestRelay()
        defer { Task { await relay.stop() } }
        let url = try RelayURL("wss://127.0.0.1:\(relay.port)", allowLoopback: true)
        let code = await code(url, ConnectionOptions(connectTimeout: .seconds(20), readTimeout: .seconds(20)))
        #expect(code == .tlsFailed || code == .closed, "\(String(describing: code))")
    }

    @Test func messagesFlowBothWays() async throws {
        let event = try Event.sign(kind: 1, content: "hello", createdAt: 1_700_000_000, with: SecretKey.generate())
        let relay = try await TestRelay(events: [event])
        defer { Task { await relay.stop() } }
        let received = try await RelayConnection.withConnection(to: relay.url, options: options) { connection -> [RelayMessage] in
            try await connection.send(.req(SubscriptionID("s"), [Filter()]))
            var messages: [RelayMessage] = []
            for _ in 0..<10 {
                guard case .message(let message, _) = try await connection.receive() else { continue }
                messages.append(message)
                if case .eose = message { break }
            }
            #expect(connection.bytesReceived > 0)
            return messages
        }
        #expect(received == [.event(subscription: "s", event), .eose(subscription: "s")])
    }
}

extension RelayConnectionTests {
    @Test func anOverlayRelayWithoutAProxyFailsAtOnce() async throws {
        let onion = try RelayURL("ws://" + String(repeating: "a", count: 56) + ".onion")
        #expect(onion.network == .tor)
        #expect(await code(onion, ConnectionOptions(connectTimeout: .seconds(30))) == .invalidProxy)
    }
}
