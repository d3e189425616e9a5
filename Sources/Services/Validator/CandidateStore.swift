public import Archive
import Foundation
public import Nostr

/// A relay URL waiting to be validated: BigBrotr's candidate row, kept in the archive's
/// service state (service `validator`, key `candidate:<url>`, the rest as JSON), which a
/// reindex carries over.
public struct Candidate: Sendable, Equatable, Codable {
    public var url: String
    public var network: String
    /// Failed validation attempts so far.
    public var failures: Int
    /// Unix seconds of the last attempt (nil: never tried).
    public var lastAttempt: Int64?
    public var discoveredAt: Int64
}

/// Reads and writes the candidates of an archive.
public struct CandidateStore: Sendable {
    public static let service = "validator"
    static let prefix = "candidate:"

    let archive: Archive

    public init(archive: Archive) { self.archive = archive }

    static func key(_ url: String) -> String { prefix + url }

    /// Every candidate, in no particular order.
    public func all() throws -> [Candidate] {
        let decoder = JSONDecoder()
        return try archive.state(service: Self.service).compactMap { key, value in
            guard key.hasPrefix(Self.prefix) else { return nil }
            return try? decoder.decode(Candidate.self, from: Data(value.utf8))
        }
    }

    /// The state update that stores `candidate` (or removes it, with `remove`).
    static func update(_ candidate: Candidate, remove: Bool = false, at now: Int64) -> ServiceStateUpdate {
        let value = remove ? nil : (try? JSONEncoder().encode(candidate)).map { String(decoding: $0, as: UTF8.self) }
        return ServiceStateUpdate(service: service, key: key(candidate.url), value: value, updatedAt: now)
    }

    /// Adds the URLs that are neither relays nor candidates yet, together with `alsoCommit`
    /// in one transaction. Returns how many were new.
    @discardableResult
    public func add(_ urls: [RelayURL], at now: Int64, alsoCommit: [ServiceStateUpdate] = []) async throws -> Int {
        guard let writer = archive.writer else { throw StageError.readOnlyArchive }
        let known = Set(try archive.relays().map(\.url)).union(try all().map(\.url))
        var seen = Set<String>()
        let fresh = urls.filter { !known.contains($0.url) && seen.insert($0.url).inserted }
        let updates = fresh.map {
            Self.update(Candidate(url: $0.url, network: $0.network.rawValue, failures: 0, lastAttempt: nil, discoveredAt: now), at: now)
        }
        if !(updates + alsoCommit).isEmpty { try await writer.setState(updates + alsoCommit) }
        return fresh.count
    }
}
