public import Foundation

/// A size-limited tmpfs mounted on a fresh directory, for running out of disk for real.
/// Mounting needs root (CAP_SYS_ADMIN), as on the CI machine; without it the test that
/// asked fails with that reason rather than passing without the check.
public final class SmallFileSystem: Sendable {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Where it is mounted.
    public let path: String

    /// Mounts a tmpfs of `megabytes` MiB.
    public init(megabytes: Int) throws {
        let dir = try TempDirectory("smallfs").path
        path = dir
        try Self.mount(["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", dir])
    }

    /// Changes its size: more room, as when files elsewhere on a disk are deleted.
    public func resize(megabytes: Int) throws {
        try Self.mount(["-o", "remount,size=\(megabytes)m", path])
    }

    /// Unmounts it and removes the directory.
    public func remove() {
        _ = try? Self.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func mount(_ arguments: [String]) throws {
        let (status, output) = try run("/bin/mount", arguments)
        guard status == 0 else {
            throw Unavailable(description: "mount \(arguments.joined(separator: " ")) failed (\(status)): \(output); this test mounts a small tmpfs and needs root")
        }
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
