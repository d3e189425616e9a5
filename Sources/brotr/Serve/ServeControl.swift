import Logging
import ServiceLifecycle
import UnixSignals

/// The signals `brotr serve` (and `brotr run STAGE`) answer, trapped from the start of the
/// command, before the archive is opened: SIGTERM or SIGINT stops it cleanly whenever it
/// comes (during recovery, between two service groups of a reload), and SIGHUP asks for
/// the configuration to be read again.
actor ServeControl {
    private var group: ServiceGroup?
    private var pending: BrotrConfig?
    /// SIGTERM or SIGINT came: no group starts any more.
    private(set) var stopping = false
    private var watchers: [Task<Void, Never>] = []

    /// Traps the signals; with `reload`, SIGHUP too. Call first thing in the command.
    static func trapping(reload: (@Sendable () throws -> BrotrConfig)?) async -> ServeControl {
        let control = ServeControl()
        let stops = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        await control.watch(Task { for await _ in stops { await control.stop() } })
        if let reload {
            let hangups = await UnixSignalsSequence(trapping: .sighup)
            await control.watch(
                Task {
                    for await _ in hangups {
                        // Made now, not before: logging is set up after the signals are trapped.
                        let logger = Logger(label: "brotr")
                        do {
                            await control.request(try reload())
                        } catch {
                            logger.error("configuration not reloaded: the one in force stays", metadata: ["error": "\(error)"])
                        }
                    }
                })
        }
        return control
    }

    private func watch(_ task: Task<Void, Never>) { watchers.append(task) }

    /// Ends the running group as SIGTERM would, and every one after it.
    func stop() async {
        stopping = true
        pending = nil
        await group?.triggerGracefulShutdown()
    }

    /// Records the group about to run; false when a stop came first (it must not run).
    func starting(_ group: ServiceGroup) -> Bool {
        guard !stopping else { return false }
        self.group = group
        return true
    }

    /// Keeps `config` for the next group and ends the running one.
    func request(_ config: BrotrConfig) async {
        guard !stopping else { return }
        pending = config
        await group?.triggerGracefulShutdown()
    }

    /// The configuration of the next group, if a reload asked for one.
    func next() -> BrotrConfig? {
        defer { pending = nil }
        return stopping ? nil : pending
    }

    /// Stops watching signals.
    func finish() {
        for watcher in watchers { watcher.cancel() }
    }
}
