import NIOSSL
import Synchronization

/// The two TLS client contexts, built once: loading the system trust store is slow.
enum TLSContexts {
    private static let cache = Mutex<(verified: NIOSSLContext?, insecure: NIOSSLContext?)>((nil, nil))

    static func context(insecure: Bool) throws -> NIOSSLContext {
        try cache.withLock { cache in
            if let context = insecure ? cache.insecure : cache.verified { return context }
            var configuration = TLSConfiguration.makeClientConfiguration()
            if insecure { configuration.certificateVerification = .none }
            let context = try NIOSSLContext(configuration: configuration)
            if insecure { cache.insecure = context } else { cache.verified = context }
            return context
        }
    }
}
