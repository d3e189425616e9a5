import Foundation
import NIOCore
import NIOPosix

/// A DNS server's address and port.
public struct DNSServer: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int = 53) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 in brackets) or a bare host (port 53).
    public init?(_ text: String) {
        if let proxy = try? SOCKSProxy(text) {
            self.init(host: proxy.host, port: proxy.port)
        } else if !text.isEmpty, !text.contains(":") || text.filter({ $0 == ":" }).count > 1 {
            self.init(host: text.hasPrefix("[") ? String(text.dropFirst().dropLast()) : text)
        } else {
            return nil
        }
    }

    /// The first nameserver of /etc/resolv.conf; 127.0.0.1 when there is none.
    public static func system(resolvConf: String = "/etc/resolv.conf") -> DNSServer {
        let text = (try? String(contentsOfFile: resolvConf, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count >= 2, words[0] == "nameserver" { return DNSServer(host: String(words[1])) }
        }
        return DNSServer(host: "127.0.0.1")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Asks one DNS server over UDP, one question at a time, within a timeout: the few lookups
/// the monitor's dns check makes, against the system's resolver or a configured server
/// (a test's, on 127.0.0.1).
public struct DNSClient: Sendable {
    public let server: DNSServer
    public let timeout: Duration

    /// The answer to one question.
    public struct Answer: Sendable {
        /// RFC 1035's response code: 0 no error, 2 server failure, 3 no such name, ...
        public var rcode: Int
        public var records: [DNSRecord]
    }

    public init(server: DNSServer, timeout: Duration = .seconds(5)) {
        self.server = server
        self.timeout = timeout
    }

    /// Asks for `type` records of `name`.
    /// - Throws: ``TransportError``: no answer in time, or an answer that does not parse.
    public func query(_ name: String, _ type: DNSRecordType) async throws -> Answer {
        let id = UInt16.random(in: .min ... .max)
        let question = try DNSMessage.query(id: id, name: name, type: type)
        let address = try SocketAddress.makeAddressResolvingHost(server.host, port: server.port)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: address.protocol == .inet6 ? "::" : "0.0.0.0", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        let timeout = timeout
        let server = server
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Answer?.self) { group in
                group.addTask {
                    try await outbound.write(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: question)))
                    // Bounded: stray datagrams (another id, garbage) are skipped, at most 16.
                    var seen = 0
                    for try await envelope in inbound {
                        seen += 1
                        if let answer = try? DNSMessage.answer(Array(envelope.data.readableBytesView), id: id) {
                            return Answer(rcode: answer.rcode, records: answer.records)
                        }
                        if seen >= 16 { break }
                    }
                    throw TransportError(.protocolError, "no usable DNS answer from \(server)")
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let answer = first else {
                    throw TransportError(.readTimeout, "no DNS answer from \(server) within \(timeout)")
                }
                return answer
            }
        }
    }
}
