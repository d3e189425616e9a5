import Yams

/// Reads one YAML mapping of the config file, tracking which keys were consumed so that
/// unknown keys are reported instead of silently ignored.
///
/// Sections are read with ``section(_:)``, values with ``value(_:default:)``; ``finish()``
/// then fails on any key nobody asked for, naming it and the keys that are known.
final class ConfigReader {
    let file: String?
    let path: String
    private let pairs: [(key: String, value: Node, line: Int)]
    private var known: [String] = []

    /// Reads a whole document; an empty document is an empty mapping.
    convenience init(yaml: String, file: String?) throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(file: file, line: nil, keyPath: nil, message: "not valid YAML: \(error)")
        }
        try self.init(node: root ?? Node.mapping(.init([])), file: file, path: "")
    }

    init(node: Node, file: String?, path: String) throws {
        self.file = file
        self.path = path
        guard case .mapping(let mapping) = node else {
            throw ConfigError(
                file: file, line: node.mark.map { $0.line }, keyPath: path.isEmpty ? nil : path,
                message: "expected a mapping of keys to values")
        }
        // Yams rejects duplicate keys while composing, so each key appears once here.
        var pairs: [(String, Node, Int)] = []
        for (k, v) in mapping {
            let line = k.mark?.line ?? 0
            guard case .scalar(let scalar) = k else {
                throw ConfigError(file: file, line: line, keyPath: path.isEmpty ? nil : path, message: "keys must be plain strings")
            }
            pairs.append((scalar.string, v, line))
        }
        self.pairs = pairs
    }

    /// The keys of this mapping, in file order (for mappings keyed by name, such as URLs).
    var keys: [String] { pairs.map(\.key) }

    func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func node(_ key: String) -> (Node, Int)? {
        known.append(key)
        return pairs.first { $0.key == key }.map { ($0.value, $0.line) }
    }

    /// A nested section; absent sections read as empty, so every value takes its default.
    func section(_ key: String) throws -> ConfigReader {
        guard let (node, _) = node(key) else {
            return try ConfigReader(node: .mapping(.init([])), file: file, path: join(key))
        }
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" {
            return try ConfigReader(node: .mapping(.init([])), file: file, path: join(key))
        }
        return try ConfigReader(node: node, file: file, path: join(key))
    }

    /// A value, or `defaultValue` when the key is absent.
    func value<T: ConfigValue>(_ key: String, default defaultValue: T) throws -> T {
        guard let (node, line) = node(key) else { return defaultValue }
        do {
            return try T.decode(node)
        } catch let problem as ConfigValueProblem {
            throw ConfigError(file: file, line: node.mark?.line ?? line, keyPath: join(key), message: problem.message)
        }
    }

    /// An optional value: absent or `null` gives nil.
    func optional<T: ConfigValue>(_ key: String) throws -> T? {
        guard let (node, line) = node(key) else { return nil }
        if case .scalar(let s) = node, s.string == "null" || s.string == "~" || s.string.isEmpty { return nil }
        do {
            return try T.decode(node)
        } catch let problem as ConfigValueProblem {
            throw ConfigError(file: file, line: node.mark?.line ?? line, keyPath: join(key), message: problem.message)
        }
    }

    /// A duration value, or `defaultValue` when the key is absent.
    func duration(_ key: String, default defaultValue: Duration) throws -> Duration {
        try value(key, default: ConfigDuration(defaultValue)).duration
    }

    /// A duration value in whole seconds, or `defaultValue` when the key is absent.
    func seconds(_ key: String, default defaultValue: Int64) throws -> Int64 {
        try duration(key, default: .seconds(defaultValue)).components.seconds
    }

    /// Fails with `message` about `key` unless `ok`.
    func check(_ ok: Bool, _ key: String, _ message: String) throws {
        guard ok else { throw ConfigError(file: file, line: nil, keyPath: join(key), message: message) }
    }

    /// Fails on keys that were never read.
    func finish() throws {
        let knownSet = Set(known)
        if let unknown = pairs.first(where: { !knownSet.contains($0.key) }) {
            throw ConfigError(
                file: file, line: unknown.line, keyPath: join(unknown.key),
                message: "unknown key (known here: \(known.joined(separator: ", ")))")
        }
    }
}

/// Why a YAML value could not become the expected type.
struct ConfigValueProblem: Error {
    let message: String
}

/// A type a config value can be read as.
protocol ConfigValue {
    static func decode(_ node: Node) throws -> Self
}

extension ConfigValue {
    static func scalar(_ node: Node, expected: String) throws -> String {
        guard case .scalar(let s) = node else { throw ConfigValueProblem(message: "expected \(expected), got a \(node.kindName)") }
        return s.string
    }
}

extension Node {
    var kindName: String {
        switch self {
        case .scalar: "scalar"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }
}

extension Bool: ConfigValue {
    static func decode(_ node: Node) throws -> Bool {
        switch try scalar(node, expected: "true or false") {
        case "true": return true
        case "false": return false
        case let other: throw ConfigValueProblem(message: "expected true or false, got '\(other.prefix(40))'")
        }
    }
}

extension Int: ConfigValue {
    static func decode(_ node: Node) throws -> Int {
        let text = try scalar(node, expected: "an integer")
        guard let value = Int(text) else { throw ConfigValueProblem(message: "expected an integer, got '\(text.prefix(40))'") }
        return value
    }
}

extension String: ConfigValue {
    static func decode(_ node: Node) throws -> String {
        try scalar(node, expected: "a string")
    }
}

extension Array: ConfigValue where Element: ConfigValue {
    static func decode(_ node: Node) throws -> [Element] {
        guard case .sequence(let seq) = node else { throw ConfigValueProblem(message: "expected a list, got a \(node.kindName)") }
        return try seq.enumerated().map { i, item in
            do { return try Element.decode(item) } catch let p as ConfigValueProblem {
                throw ConfigValueProblem(message: "item \(i): \(p.message)")
            }
        }
    }
}

/// String-backed enums (log formats, levels) read by their raw value.
protocol ConfigEnum: ConfigValue, RawRepresentable, CaseIterable where RawValue == String {}

extension ConfigEnum {
    static func decode(_ node: Node) throws -> Self {
        let choices = allCases.map(\.rawValue).joined(separator: ", ")
        let text = try scalar(node, expected: "one of \(choices)")
        guard let value = Self(rawValue: text) else {
            throw ConfigValueProblem(message: "expected one of \(choices), got '\(text.prefix(40))'")
        }
        return value
    }
}
