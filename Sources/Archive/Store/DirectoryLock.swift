import Glibc

/// The exclusive lock on `DIR/lock` that the one writing process holds (flock). The file
/// holds the holder's PID, so a second writer can say who is in the way. The lock goes
/// with the process, even on SIGKILL.
final class DirectoryLock: @unchecked Sendable {
    // @unchecked: fd is set once in init and only closed in deinit.
    private let fd: Int32

    init(_ directory: DataDirectory) throws {
        let path = directory.lockFile
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RawFile.error("cannot open the lock file", path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 32, 0)
            close(fd)
            let pid = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingTrailingNewline : "unknown"
            throw ArchiveError(
                .locked,
                "the data directory is in use by another brotr process (PID \(pid)); stop it first, or use a read-only command",
                file: path)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension String {
    fileprivate var trimmingTrailingNewline: String {
        var s = self
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return s
    }
}
