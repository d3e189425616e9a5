/// A read of one analytics table, as BigBrotr's API and DVM take it: column filters
/// `col=value` or `col=op:value` (op one of `=`, `>`, `<`, `>=`, `<=`, `ilike`), one sort
/// column `col[:asc|desc]`, `limit` and `offset`. Every name is checked against the
/// table's catalogue entry and every value is typed by its column before anything runs;
/// the SQL is made of catalogue names alone, with the values bound.
public struct AnalyticsQuery: Sendable {
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "=", greater = ">", less = "<", greaterOrEqual = ">=", lessOrEqual = "<=", ilike = "ilike"

        /// The prefixes that name an operator in a filter's value, longest first.
        static let prefixes: [(String, Operator)] = [
            (">=:", .greaterOrEqual), ("<=:", .lessOrEqual), ("ilike:", .ilike), ("=:", .equal), (">:", .greater), ("<:", .less),
        ]
    }

    /// A value typed by its column.
    public enum Value: Sendable, Equatable {
        case integer(Int64), real(Double), text(String), blob([UInt8])
    }

    public struct Condition: Sendable, Equatable {
        public let column: String
        public let op: Operator
        public let value: Value

        public init(column: String, op: Operator, value: Value) {
            self.column = column
            self.op = op
            self.value = value
        }
    }

    public struct Sort: Sendable, Equatable {
        public let column: String
        public let descending: Bool

        public init(column: String, descending: Bool) {
            self.column = column
            self.descending = descending
        }
    }

    /// A request that will not be run, with a message safe to show its sender.
    public struct Invalid: Error, Sendable, Equatable {
        public let message: String
        public init(_ message: String) { self.message = message }
    }

    /// Page sizes: `limit` is clamped to 1...maxLimit, `offset` to 0...maxOffset (as BigBrotr).
    public struct Limits: Sendable, Equatable {
        public var defaultLimit: Int
        public var maxLimit: Int
        public var maxOffset: Int

        public init(defaultLimit: Int = 100, maxLimit: Int = 1000, maxOffset: Int = 100_000) {
            self.defaultLimit = defaultLimit
            self.maxLimit = maxLimit
            self.maxOffset = maxOffset
        }
    }

    public let table: AnalyticsTable
    public private(set) var conditions: [Condition] = []
    public private(set) var sort: Sort?
    public private(set) var limit: Int
    public private(set) var offset = 0

    /// Reads request parameters: `limit`, `offset`, `sort`, and every other name a column
    /// filter. A column filtered twice must meet both conditions.
    public init(table: AnalyticsTable, parameters: [(name: String, value: String)], limits: Limits = Limits()) throws(Invalid) {
        self.table = table
        limit = max(1, min(limits.defaultLimit, limits.maxLimit))
        for (name, value) in parameters {
            switch name {
            case "limit":
                guard let n = Int(value) else { throw Invalid("Invalid limit or offset") }
                limit = max(1, min(n, limits.maxLimit))
            case "offset":
                guard let n = Int(value) else { throw Invalid("Invalid limit or offset") }
                offset = max(0, min(n, limits.maxOffset))
            case "sort":
                sort = try Self.sort(value, table: table)
            default:
                conditions.append(try Self.condition(name, value, table: table))
            }
        }
    }

    /// `col` or `col:asc|desc`.
    static func sort(_ text: String, table: AnalyticsTable) throws(Invalid) -> Sort {
        var name = Substring(text), direction = "ASC"
        if let colon = text.lastIndex(of: ":") {
            name = text[..<colon]
            direction = text[text.index(after: colon)...].uppercased()
        }
        guard let column = table.column(String(name)), !column.fromSegment else { throw Invalid("Unknown sort column: \(clip(name))") }
        guard direction == "ASC" || direction == "DESC" else { throw Invalid("Invalid sort direction: \(clip(direction))") }
        return Sort(column: column.name, descending: direction == "DESC")
    }

    /// One filter, `value` being `op:value` or a plain value (`=`).
    public static func condition(_ name: String, _ text: String, table: AnalyticsTable) throws(Invalid) -> Condition {
        guard let column = table.column(name) else { throw Invalid("Unknown column: \(clip(name))") }
        guard !column.fromSegment, !column.isJSON else { throw Invalid("Column \(column.name) cannot be filtered") }
        var op = Operator.equal, raw = Substring(text)
        for (prefix, candidate) in Operator.prefixes where text.lowercased().hasPrefix(prefix) {
            op = candidate
            raw = text.dropFirst(prefix.count)
            break
        }
        if op == .ilike, column.type != "text" { throw Invalid("ilike applies to text columns; \(column.name) is \(column.type)") }
        return Condition(column: column.name, op: op, value: try value(String(raw), for: column))
    }

    /// A value as its column stores it: integers and numbers parsed, bytea from hex.
    public static func value(_ text: String, for column: AnalyticsTable.Column) throws(Invalid) -> Value {
        if column.isInteger {
            guard isDecimal(text, whole: 18, fraction: 0), let n = Int64(text) else {
                throw Invalid("Invalid filter value for column \(column.name): \(clip(text))")
            }
            return .integer(n)
        }
        if column.isReal {
            guard isDecimal(text, whole: 15, fraction: 15), let x = Double(text) else {
                throw Invalid("Invalid filter value for column \(column.name): \(clip(text))")
            }
            return .real(x)
        }
        if column.isBinary {
            guard let bytes = hexBytes(text) else { throw Invalid("Invalid hex value for column \(column.name): \(clip(text))") }
            return .blob(bytes)
        }
        return .text(text)
    }

    /// A row's key from the path segments after the table's name (each percent-decoded),
    /// one per key column in key order. A relay URL holds slashes: a `relay_url` key column
    /// takes whatever segments the other columns leave.
    public static func key(_ segments: [String], table: AnalyticsTable) throws(Invalid) -> [Condition] {
        let key = table.primaryKey
        var values = segments
        if segments.count > key.count, let i = key.firstIndex(of: "relay_url") {
            let extra = segments.count - key.count
            values = Array(segments[..<i]) + [segments[i...(i + extra)].joined(separator: "/")] + Array(segments[(i + extra + 1)...])
        }
        guard values.count == key.count else { throw Invalid("Expected \(key.count) key values: \(key.joined(separator: ", "))") }
        var conditions: [Condition] = []
        for (name, text) in zip(key, values) {
            guard let column = table.column(name) else { continue }
            conditions.append(Condition(column: name, op: .equal, value: try value(text, for: column)))
        }
        return conditions
    }

    /// Whether `text` is an optional sign, 1 to `whole` digits, and when `fraction` > 0 an
    /// optional point and 1 to `fraction` digits: plain decimals, nothing else a number
    /// parser would take (exponents, hex, infinities).
    static func isDecimal(_ text: String, whole: Int, fraction: Int) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        func digits(_ s: Substring, _ most: Int) -> Bool { (1...most).contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber } }
        guard let first = parts.first, digits(first, whole) else { return false }
        return parts.count == 1 || (fraction > 0 && digits(parts[1], fraction))
    }

    /// Bytes from an even number of hex digits (either case); nil for anything else.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// Echoed input, cut short.
    public static func clip(_ text: some StringProtocol) -> String {
        text.count > 64 ? String(text.prefix(64)) + "…" : String(text)
    }
}
