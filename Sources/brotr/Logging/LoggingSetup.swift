import Logging

/// Installs brotr's log handler once per process.
enum LoggingSetup {
    static func bootstrap(format: LogFormat, level: LogLevel) {
        let swiftLevel = Logger.Level(rawValue: level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            switch format {
            case .logfmt: LogfmtLogHandler(label: label, logLevel: swiftLevel)
            case .json: JSONLogHandler(label: label, logLevel: swiftLevel)
            }
        }
    }
}
