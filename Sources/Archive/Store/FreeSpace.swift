import Foundation

extension DataDirectory {
    /// Bytes free for this process on the file system holding the directory (statvfs's
    /// available blocks, not those kept for root); nil when it cannot be asked.
    public var freeBytes: Int64? {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path) else { return nil }
        if let number = attributes[.systemFreeSize] as? NSNumber { return number.int64Value }
        return attributes[.systemFreeSize] as? Int64
    }
}
