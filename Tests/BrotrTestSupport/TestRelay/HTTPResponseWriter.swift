import NIOCore
import NIOHTTP1

extension ChannelHandlerContext {
    /// Writes one whole HTTP response to a request of `version`, then closes the
    /// connection: what the test servers answer a plain GET with.
    func writeHTTPResponse(
        version: HTTPVersion, status: HTTPResponseStatus, contentType: String, body: [UInt8], extraHeaders: [(String, String)] = []
    ) {
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.count)), ("Connection", "close")])
        headers.add(contentsOf: extraHeaders)
        write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: body)))), promise: nil)
        writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in self.close(promise: nil) }
    }
}
