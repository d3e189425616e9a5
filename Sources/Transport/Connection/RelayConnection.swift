public import Nostr
import NIOCore
import NIOSSL
import NIOWebSocket

/// One WebSocket connection to a relay, used by the task that opened it.
///
/// Open it with ``withConnection(to:options:_:)``; the connection is closed when the body
/// returns or throws. Everything the relay does wrong surfaces as a ``TransportError`` or a
/// ``Received/malformed(_:)`` value: garbage, oversized messages, stalls and resets are
/// bounded by the options and never trap.
public final class RelayConnection {
    /// What one read produced.
    public typealias Received = RelayReceived<RelayMessage>

    /// The relay this connection talks to.
    public let url: RelayURL
    /// Bytes of WebSocket payload received so far.
    public private(set) var bytesReceived = 0
    /// What opening the connection took and showed.
    public let handshake: ConnectionHandshake

    private var inbound: NIOAsyncChannelInboundStream<WebSocketFrame>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    private let allocator = ByteBufferAllocator()
    private let errors: ErrorRecorder

    private init(
        url: RelayURL, inbound: NIOAsyncChannelInboundStream<WebSocketFrame>, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>,
        errors: ErrorRecorder, handshake: ConnectionHandshake
    ) {
        self.url = url
        self.errors = errors
        self.handshake = handshake
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects to `url`, runs `body` with the open connection, and closes it.
    public static func withConnection<Result>(
        to url: RelayURL, options: ConnectionOptions = ConnectionOptions(),
        _ body: (RelayConnection) async throws -> Result
    ) async throws -> Result {
        let (channel, errors, recorder) = try await connect(url, options: options)
        let handshake = recorder.handshake
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RelayConnection(url: url, inbound: inbound, outbound: outbound, errors: errors, handshake: handshake))
        }
    }

    /// Sends one client message.
    public func send(_ message: ClientMessage) async throws {
        let bytes = message.jsonBytes
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer))
    }

    /// Reads the next relay message. Pings are answered on the way.
    /// - Throws: ``TransportError`` when the relay closes, stalls or breaks the protocol.
    public func receive() async throws -> Received {
        try await receive(decoding: RelayMessage.init(jsonUTF8:))
    }

    /// Reads the next relay message, an event left packed: how a stream of many events
    /// reads them.
    public func receivePacked() async throws -> RelayReceived<PackedRelayMessage> {
        try await receive(decoding: PackedRelayMessage.init(jsonUTF8:))
    }

    private func receive<Message>(decoding decode: (UnsafeRawBufferPointer) throws -> Message) async throws -> RelayReceived<Message> {
        while true {
            let next: WebSocketFrame?
            do { next = try await inbound.next() } catch { throw Self.transportError(errors.error ?? error) }
            guard let frame = next else {
                throw errors.error.map(Self.transportError) ?? TransportError(.closed, "the relay closed the connection")
            }
            switch frame.opcode {
            case .text, .binary:
                bytesReceived += frame.data.readableBytes
                return frame.data.withUnsafeReadableBytes { bytes in
                    do {
                        return .message(try decode(bytes), bytes: bytes.count)
                    } catch {
                        return .malformed("\(error)")
                    }
                }
            case .ping:
                try await write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData))
            case .connectionClose:
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode().map { " (code \($0))" } ?? ""
                try? await write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: allocator.buffer(capacity: 0)))
                throw TransportError(.closed, "the relay closed the WebSocket\(code)")
            default:
                continue  // pong, or a fragment the aggregator already folded
            }
        }
    }

    private func write(_ frame: WebSocketFrame) async throws {
        do { try await outbound.write(frame) } catch { throw Self.transportError(errors.error ?? error) }
    }

    static func transportError(_ error: any Error) -> TransportError {
        switch error {
        case let error as TransportError: return error
        case NIOWebSocketError.invalidFrameLength: return TransportError(.messageTooLarge, "a frame over the size cap")
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge, NIOWebSocketFrameAggregator.Error.tooManyFragments:
            return TransportError(.messageTooLarge, "a message over the size cap")
        case let error as NIOSSLError: return TransportError(.tlsFailed, "\(error)")
        case let error as BoringSSLError: return TransportError(.tlsFailed, "\(error)")
        case let error as IOError: return TransportError(.closed, "connection error: \(error)")
        case ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.eof:
            return TransportError(.closed, "the connection is closed")
        case is CancellationError: return TransportError(.closed, "cancelled")
        default: return TransportError(.protocolError, "\(error)")
        }
    }
}

/// What one read from a relay produced.
public enum RelayReceived<Message: Sendable>: Sendable {
    /// A well-formed relay message, with its size on the wire.
    case message(Message, bytes: Int)
    /// A WebSocket message that is not a valid relay message, and why.
    case malformed(String)
}
