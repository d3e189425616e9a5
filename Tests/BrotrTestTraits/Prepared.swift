import BrotrTestSupport
public import Testing

/// A suite trait that computes a suite's expensive fixtures (signed corpora held in static
/// properties) on a thread outside the cooperative pool, before the suite's first test.
///
/// A static property is computed by whichever test touches it first, on a pool thread,
/// and every other test that touches it waits on that thread: signing thousands of events
/// in a debug build took both pool threads of a two-core machine for half a minute, and
/// stalled every async test of every suite meanwhile.
public struct Prepared: SuiteTrait, TestScoping {
    let prepare: @Sendable () -> Void

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await offThePool(prepare)
        try await function()
    }
}

extension Trait where Self == Prepared {
    /// Runs `prepare` off the cooperative pool before the suite's tests.
    public static func prepared(_ prepare: @escaping @Sendable () -> Void) -> Self { Prepared(prepare: prepare) }
}
