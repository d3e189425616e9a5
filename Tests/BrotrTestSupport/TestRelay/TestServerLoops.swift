public import NIOPosix

/// The event loops every test server runs on, apart from the singleton group that brotr's
/// own connections use: a test relay flooding hundreds of MiB down one connection would
/// otherwise hold up every client channel that shares its loop, and the other suites'
/// timeouts would fire for no fault of theirs.
public enum TestServerLoops {
    public static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
}
