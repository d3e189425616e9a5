import Dispatch

/// Runs blocking work (waiting for a child process, a synchronous CLI run) on a Dispatch
/// thread, so that it does not hold one of the few threads of Swift's cooperative pool
/// (two on a two-core machine), which the other tests' tasks and the in-process relays'
/// consumers need.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
