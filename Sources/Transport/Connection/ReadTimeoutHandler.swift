import NIOCore

/// Turns the idle event of an `IdleStateHandler` into a ``TransportError`` in the pipeline,
/// so a reader waiting on the channel gets a timeout error rather than waiting forever.
final class ReadTimeoutHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    let timeout: Duration

    init(timeout: Duration) { self.timeout = timeout }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.fireErrorCaught(TransportError(.readTimeout, "the relay sent nothing for \(timeout)"))
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
