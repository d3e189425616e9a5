import ArgumentParser
import Archive

/// What a command that is not built yet does: say so on standard error and exit with
/// status 69 (EX_UNAVAILABLE). It never pretends to have worked.
enum NotImplemented {
    static let exitCode = ExitCode(69)

    static func fail(_ command: String) -> ExitCode {
        printError("brotr \(command): not implemented yet in this version of brotr (\(BrotrVersion.current)).")
        return exitCode
    }
}

/// Prints a line to standard error.
func printError(_ message: String) {
    LogLine.emit(message)
}
