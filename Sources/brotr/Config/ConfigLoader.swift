import Archive
import Foundation

/// Finds and reads the config file: `--config FILE` when given (it must exist), else
/// `DIR/brotr.yaml` when present, else the defaults.
enum ConfigLoader {
    struct Loaded {
        var config: BrotrConfig
        /// The file read, or nil when every option has its default.
        var file: String?
    }

    static func load(explicit: String?, data: DataDirectory?) throws -> Loaded {
        let candidate: String?
        if let explicit {
            guard FileManager.default.fileExists(atPath: explicit) else {
                throw ConfigError(file: explicit, line: nil, keyPath: nil, message: "no such file (given with --config)")
            }
            candidate = explicit
        } else if let data, FileManager.default.fileExists(atPath: data.defaultConfigFile) {
            candidate = data.defaultConfigFile
        } else {
            candidate = nil
        }
        guard let file = candidate else { return Loaded(config: BrotrConfig(), file: nil) }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file, line: nil, keyPath: nil, message: "cannot read the file as UTF-8 text: \(error.localizedDescription)")
        }
        return Loaded(config: try BrotrConfig(yaml: text, file: file), file: file)
    }
}
