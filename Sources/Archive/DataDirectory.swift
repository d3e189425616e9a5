/// The layout of a brotr data directory (docs/data-directory.md).
///
///     DIR/lock                   held by the one writing process
///     DIR/segments/NNNNNNNN.seg  append-only LZ4 segments: the source of truth
///     DIR/index.sqlite           the derived index, rebuilt by `brotr reindex`
///     DIR/geoip/                 optional GeoLite2 .mmdb files
///
/// Paths only: opening, locking and creating them is the archive's job.
public struct DataDirectory: Sendable, Hashable {
    /// The directory itself, as given.
    public let path: String

    /// - Parameter path: the data directory; a trailing slash is dropped.
    public init(path: String) {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    /// The lock file a writing process holds.
    public var lockFile: String { path + "/lock" }
    /// The folder of segment files.
    public var segmentsDirectory: String { path + "/segments" }
    /// The SQLite index.
    public var indexFile: String { path + "/index.sqlite" }
    /// The folder of optional GeoLite2 databases.
    public var geoIPDirectory: String { path + "/geoip" }
    /// The config file read when no `--config` is given, if it exists.
    public var defaultConfigFile: String { path + "/brotr.yaml" }

    /// The path of segment number `number` (`segments/00000042.seg`).
    public func segmentFile(_ number: UInt32) -> String {
        let digits = String(number)
        return segmentsDirectory + "/" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".seg"
    }
}
