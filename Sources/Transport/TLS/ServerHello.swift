import NIOCore
import Synchronization

/// The cipher suite a server chose, read from its ServerHello, which TLS sends in the
/// clear (in 1.3 too): NIOSSL does not say which suite was negotiated.
public struct CipherSuite: Sendable, Hashable {
    /// The IANA code.
    public var code: UInt16
    /// The IANA name, or the code in hex for a suite not in the table.
    public var name: String { Self.known[code]?.name ?? "0x" + String(code, radix: 16, uppercase: true) }
    /// The symmetric key size, when known.
    public var bits: Int? { Self.known[code]?.bits }

    static let known: [UInt16: (name: String, bits: Int)] = [
        0x1301: ("TLS_AES_128_GCM_SHA256", 128), 0x1302: ("TLS_AES_256_GCM_SHA384", 256),
        0x1303: ("TLS_CHACHA20_POLY1305_SHA256", 256), 0xC02B: ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 128),
        0xC02C: ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 256), 0xC02F: ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 128),
        0xC030: ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 256), 0xCCA8: ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 256),
        0xCCA9: ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 256), 0xC013: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 128),
        0xC014: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 256), 0x009C: ("TLS_RSA_WITH_AES_128_GCM_SHA256", 128),
        0x009D: ("TLS_RSA_WITH_AES_256_GCM_SHA384", 256), 0x002F: ("TLS_RSA_WITH_AES_128_CBC_SHA", 128),
        0x0035: ("TLS_RSA_WITH_AES_256_CBC_SHA", 256),
    ]
}

/// Watches the first bytes from the server, before TLS decrypts anything, for the
/// ServerHello and its cipher suite; passes every byte on unchanged.
final class ServerHelloReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Where the suite goes once read.
    final class Found: Sendable {
        private let value = Mutex<CipherSuite?>(nil)
        func set(_ suite: CipherSuite) { value.withLock { $0 = $0 ?? suite } }
        var suite: CipherSuite? { value.withLock { $0 } }
    }

    private let found: Found
    private var seen: [UInt8] = []
    private var done = false

    init(_ found: Found) { self.found = found }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !done {
            seen += Array(unwrapInboundIn(data).readableBytesView)
            if let suite = Self.cipherSuite(seen) {
                found.set(suite)
                done = true
            } else if seen.count > 16 << 10 {
                done = true  // no ServerHello where one belongs: stop looking
            }
            if done { seen = [] }
        }
        context.fireChannelRead(data)
    }

    /// The suite of a ServerHello at the start of `bytes`: a handshake record (22), a
    /// ServerHello (2), then version, random and session id before the suite. Nil until
    /// enough bytes are there (or when they are something else).
    static func cipherSuite(_ bytes: [UInt8]) -> CipherSuite? {
        guard bytes.count >= 6, bytes[0] == 22, bytes[5] == 2 else { return nil }
        let sessionLength = 5 + 4 + 2 + 32
        guard bytes.count > sessionLength else { return nil }
        let suiteAt = sessionLength + 1 + Int(bytes[sessionLength])
        guard bytes.count >= suiteAt + 2 else { return nil }
        return CipherSuite(code: UInt16(bytes[suiteAt]) << 8 | UInt16(bytes[suiteAt + 1]))
    }
}
