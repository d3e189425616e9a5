import NIOCore
import NIOHTTP1

/// What ``TestRelay`` answers to a plain HTTP GET (no WebSocket upgrade): with NIP-11's
/// Accept header, its ``TestRelayBehavior/information`` document as the behaviour gives
/// it; otherwise a short text page, as relays serve browsers.
final class TestRelayInfo: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    static let name = "brotr-test-relay-info"

    private let state: TestRelay.Store

    init(state: TestRelay.Store) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let information = state.withLock { $0.behavior.information }
        let status: HTTPResponseStatus, contentType: String, body: [UInt8]
        if head.headers.first(name: "Accept") == "application/nostr+json" {
            if let information {
                (status, contentType, body) = (.ok, information.contentType, information.body)
            } else {
                (status, contentType, body) = (.notFound, "text/plain", Array("no information document".utf8))
            }
        } else {
            (status, contentType, body) = (.ok, "text/plain", Array("a Nostr relay: use a Nostr client".utf8))
        }
        context.writeHTTPResponse(version: head.version, status: status, contentType: contentType, body: body)
    }
}
