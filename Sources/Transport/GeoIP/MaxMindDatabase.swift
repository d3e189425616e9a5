import CMaxMindDB
import Nostr
import Foundation
import Synchronization

/// A MaxMind DB file (GeoLite2 City or ASN) read through libmaxminddb, memory-mapped.
///
/// The file is looked at again before each lookup: one replaced on disk (a monthly
/// GeoLite2 update) is opened anew without a restart, and one that disappears makes
/// lookups say so, without failing anything else.
public final class MaxMindDatabase: Sendable {
    /// A value found at a path in a record.
    public enum Value: Sendable, Hashable {
        case string(String)
        case double(Double)
        case integer(UInt64)
        case bool(Bool)
    }

    /// The result of one lookup: the record's values at the paths asked for, and the
    /// network it belongs to (CIDR).
    public struct Record: Sendable, Hashable {
        public var values: [[String]: Value]
        public var network: String
    }

    public let path: String
    private let state = Mutex<Opened?>(nil)

    /// An open file and what identified it when it was opened.
    private final class Opened: @unchecked Sendable {
        var mmdb = MMDB_s()
        let identity: FileIdentity
        init(identity: FileIdentity) { self.identity = identity }
        deinit { MMDB_close(&mmdb) }
    }

    private struct FileIdentity: Equatable {
        let device: UInt64, inode: UInt64, size: Int64, modified: Int
        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec
        }
    }

    public init(path: String) { self.path = path }

    /// Whether the file is there to read.
    public var isAvailable: Bool { FileIdentity(path) != nil }

    /// The values at `paths` (each a list of map keys and array indexes, such as
    /// ["country", "iso_code"]) of the record for `ip`; nil when the database has none.
    /// - Throws: ``TransportError`` when the file is missing, not a MaxMind DB, or `ip` is
    ///   not an address.
    public func lookup(_ ip: String, paths: [[String]]) throws -> Record? {
        try state.withLock { opened in
            guard let identity = FileIdentity(path) else {
                opened = nil
                throw TransportError(.protocolError, "no GeoIP database at \(path)")
            }
            if opened?.identity != identity {
                let next = Opened(identity: identity)
                let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), &next.mmdb)
                guard status == MMDB_SUCCESS else {
                    opened = nil
                    throw TransportError(.protocolError, "\(path) is not a MaxMind DB: \(String(cString: MMDB_strerror(status)))")
                }
                opened = next
            }
            guard let db = opened else { return nil }
            var gaiError: Int32 = 0, mmdbError: Int32 = 0
            var result = MMDB_lookup_string(&db.mmdb, ip, &gaiError, &mmdbError)
            guard gaiError == 0 else { throw TransportError(.protocolError, "'\(ip)' is not an IP address") }
            guard mmdbError == MMDB_SUCCESS else { throw TransportError(.protocolError, "lookup failed: \(String(cString: MMDB_strerror(mmdbError)))") }
            guard result.found_entry else { return nil }
            var values: [[String]: Value] = [:]
            for path in paths {
                if let value = Self.value(&result.entry, path) { values[path] = value }
            }
            return Record(values: values, network: Self.network(ip, prefix: Int(result.netmask), ipv6Tree: db.mmdb.metadata.ip_version == 6))
        }
    }

    private static func value(_ entry: inout MMDB_entry_s, _ path: [String]) -> Value? {
        var data = MMDB_entry_data_s()
        // A NULL-terminated array of C strings, alive for the call.
        let cStrings = path.map { strdup($0) } + [nil]
        defer { for pointer in cStrings { free(pointer) } }
        let status = cStrings.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return MMDB_INVALID_LOOKUP_PATH_ERROR }
            return base.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { MMDB_aget_value(&entry, &data, $0) }
        }
        guard status == MMDB_SUCCESS, data.has_data else { return nil }
        switch Int32(data.type) {
        case MMDB_DATA_TYPE_UTF8_STRING:
            guard let bytes = data.utf8_string else { return nil }
            return .string(String(decoding: UnsafeRawBufferPointer(start: bytes, count: Int(data.data_size)), as: UTF8.self))
        case MMDB_DATA_TYPE_DOUBLE: return .double(data.double_value)
        case MMDB_DATA_TYPE_FLOAT: return .double(Double(data.float_value))
        case MMDB_DATA_TYPE_UINT16: return .integer(UInt64(data.uint16))
        case MMDB_DATA_TYPE_UINT32: return .integer(UInt64(data.uint32))
        case MMDB_DATA_TYPE_UINT64: return .integer(data.uint64)
        case MMDB_DATA_TYPE_INT32: return data.int32 >= 0 ? .integer(UInt64(data.int32)) : .double(Double(data.int32))
        case MMDB_DATA_TYPE_BOOLEAN: return .bool(data.boolean)
        default: return nil
        }
    }

    /// The CIDR of `ip`'s network, `prefix` bits long (counted in the IPv6 tree, where an
    /// IPv4 address sits under 96 leading bits).
    private static func network(_ ip: String, prefix: Int, ipv6Tree: Bool) -> String {
        guard let address = IPAddress(ip) else { return ip }
        var bytes = address.bytes
        let bits = bytes.count == 4 && ipv6Tree ? max(0, prefix - 96) : prefix
        for i in bytes.indices {
            let keep = max(0, min(8, bits - i * 8))
            bytes[i] &= keep == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        return "\(IPAddress(bytes: bytes)?.description ?? ip)/\(bits)"
    }
}
