import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One bounded HTTP GET: a total timeout, a cap on the body, and an error value that says
/// which of them failed (or what the server answered).
public enum HTTPFetch {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// What a server answered.
    public struct Response: Sendable {
        public let status: Int
        /// Header values by lowercased name (repeated headers joined with ", ").
        public let headers: [String: String]
        /// The body, or nil when it was larger than the cap (it is not read past it).
        public let body: [UInt8]?

        /// The media type of Content-Type, lowercased, without its parameters.
        public var mediaType: String? {
            headers["content-type"].map { value in
                let type = value.prefix { $0 != ";" }.drop { $0 == " " || $0 == "\t" }
                return String(type.reversed().drop { $0 == " " || $0 == "\t" }.reversed()).lowercased()
            }
        }
    }

    /// The body of `url`, if the server answers 200 within `timeout` with at most
    /// `maxBytes` bytes.
    public static func get(_ url: String, timeout: Duration, maxBytes: Int) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "brotr")
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw Failure(description: "GET \(url) failed: \(error)")
        }
        guard response.status == .ok else {
            throw Failure(description: "GET \(url) answered \(response.status.code) \(response.status.reasonPhrase)")
        }
        do {
            let body = try await response.body.collect(upTo: maxBytes)
            return Array(body.readableBytesView)
        } catch {
            throw Failure(description: "GET \(url): the body is larger than \(maxBytes) bytes or was cut: \(error)")
        }
    }
}
