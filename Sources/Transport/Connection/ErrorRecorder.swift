import NIOCore
import Synchronization

/// Keeps the first error that passed through the pipeline. When the channel closes right
/// after an error (an oversized frame, a TLS failure), the reader sees the end of the stream
/// and asks this handler why.
final class ErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    private let first = Mutex<(any Error)?>(nil)

    var error: (any Error)? { first.withLock { $0 } }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        first.withLock { if $0 == nil { $0 = error } }
        context.fireErrorCaught(error)
    }
}
