import Glibc

/// A file descriptor with positional reads and writes. Owned by one task at a time (the
/// writer actor or a reader), so it is not Sendable.
final class RawFile {
    let path: String
    let fd: Int32

    enum Mode { case readOnly, readWrite, create }

    init(_ path: String, mode: Mode) throws {
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY | O_CLOEXEC
        case .readWrite: flags = O_RDWR | O_CLOEXEC
        case .create: flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC
        }
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw RawFile.error("cannot open", path) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    static func error(_ what: String, _ path: String, offset: Int64? = nil) -> ArchiveError {
        ArchiveError(.io, "\(what): \(String(cString: strerror(errno)))", file: path, offset: offset)
    }

    var size: Int64 {
        get throws {
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw RawFile.error("cannot stat", path) }
            return Int64(st.st_size)
        }
    }

    /// Reads up to `count` bytes at `offset` (fewer only at the end of the file).
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        // Not zeroed first: the read overwrites all it returns.
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
        }
    }

    /// Fills `buffer` from `offset`, or as much of it as the file holds; returns the count.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RawFile.error("cannot read", path, offset: offset)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RawFile.error("cannot write", path, offset: offset)
            }
            done += n
        }
    }

    /// fdatasync: the data and the size are durable when this returns.
    func sync() throws {
        guard fdatasync(fd) == 0 else { throw RawFile.error("cannot sync", path) }
    }

    func truncate(to size: Int64) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw RawFile.error("cannot truncate", path, offset: size) }
    }

    /// Makes the creation or removal of entries in `directory` durable.
    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RawFile.error("cannot open directory", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw RawFile.error("cannot sync directory", directory) }
    }
}
