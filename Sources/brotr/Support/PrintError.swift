/// Prints a line to standard error.
func printError(_ message: String) {
    LogLine.emit(message)
}
