public import Nostr

/// A relay information document (NIP-11), parsed tolerantly.
///
/// Every field NIP-11 names today is kept when it has the type NIP-11 gives it, and so
/// are the fields it removed in 2026 (privacy_policy, retention, relay_countries,
/// language_tags, tags, posting_policy), which relays still send. A value of the wrong
/// type (a number where a string belongs, a string in `supported_nips`) is dropped and
/// named in ``dropped``; it never makes the whole document fail. Fields NIP-11 does not
/// know are dropped silently, so that a document is a relay's answer to NIP-11 and not
/// whatever else it chose to send. `supported_nips` is sorted and without repeats.
///
/// The kept fields are those BigBrotr 6.6.9 keeps, typed as it types them (a boolean is
/// never an integer), so that a relay's document gets the same content address in both.
public struct NIP11Document: Sendable, Hashable {
    /// The kept fields, as JSON.
    public let fields: [String: JSONValue]
    /// Paths of the ill-typed values dropped (`limitation.max_limit`, `supported_nips[2]`).
    public let dropped: [String]

    /// Parses a document.
    /// - Throws: ``NostrError`` when `body` is not JSON or not a JSON object.
    public init(parsing body: [UInt8]) throws {
        let value = try JSONValue(parsing: body, options: .init(maxDepth: 16, allowDuplicateKeys: true))
        guard case .object(let object) = value else {
            throw NostrError(.invalidMetadata, "a NIP-11 document must be a JSON object")
        }
        self.init(object: object)
    }

    /// Keeps the well-typed fields of `object`.
    public init(object: [String: JSONValue]) {
        var dropped: [String] = []
        var fields = Self.keep(object, schema: Self.schema, path: "", dropped: &dropped)
        if let nips = fields["supported_nips"]?.arrayValue {
            let numbers = Set(nips.compactMap { $0.integer }).sorted()
            fields["supported_nips"] = .array(numbers.map { .number(JSONNumber(Int64($0))) })
        }
        self.fields = fields
        self.dropped = dropped
    }

    // MARK: What the monitor reads

    public var name: String? { fields["name"]?.stringValue }
    public var software: String? { fields["software"]?.stringValue }
    public var version: String? { fields["version"]?.stringValue }
    public var supportedNIPs: [Int] { fields["supported_nips"]?.arrayValue?.compactMap { $0.integer } ?? [] }
    public var limitation: [String: JSONValue] { fields["limitation"]?.objectValue ?? [:] }
    public var minPowDifficulty: Int? { limitation["min_pow_difficulty"]?.integer }
    public var authRequired: Bool? { limitation["auth_required"]?.boolValue }
    public var paymentRequired: Bool? { limitation["payment_required"]?.boolValue }
    public var restrictedWrites: Bool? { limitation["restricted_writes"]?.boolValue }
    /// NIP-11's `tags`: the relay's own topic tags.
    public var tags: [String] { fields["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    public var languageTags: [String] { fields["language_tags"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    // MARK: The schema

    /// The type a field must have to be kept.
    indirect enum FieldType: Sendable {
        case string
        case integer
        case boolean
        /// An array: elements of the wrong type are dropped one by one.
        case array(of: FieldType)
        case object([String: FieldType])
        /// A kind, or a `[from, to]` range of kinds (NIP-11's retention).
        case kindOrRange
    }

    /// Every field NIP-11 names, with those it removed in 2026-02, and `attributes`.
    static let schema: [String: FieldType] = {
        let fee: FieldType = .object(["amount": .integer, "unit": .string, "period": .integer, "kinds": .array(of: .integer)])
        var fields: [String: FieldType] = [:]
        for name in [
            "name", "description", "banner", "icon", "pubkey", "self", "contact", "software", "version", "terms_of_service",
            "payments_url", "privacy_policy", "posting_policy",
        ] { fields[name] = .string }
        fields["supported_nips"] = .array(of: .integer)
        var limitation: [String: FieldType] = [:]
        for name in [
            "max_message_length", "max_subscriptions", "max_limit", "max_subid_length", "max_event_tags", "max_content_length",
            "min_pow_difficulty", "created_at_lower_limit", "created_at_upper_limit", "default_limit",
        ] { limitation[name] = .integer }
        for name in ["auth_required", "payment_required", "restricted_writes"] { limitation[name] = .boolean }
        fields["limitation"] = .object(limitation)
        fields["fees"] = .object(["admission": .array(of: fee), "subscription": .array(of: fee), "publication": .array(of: fee)])
        fields["retention"] = .array(of: .object(["kinds": .array(of: .kindOrRange), "time": .integer, "count": .integer]))
        for name in ["relay_countries", "language_tags", "tags", "attributes"] { fields[name] = .array(of: .string) }
        return fields
    }()

    /// The members of `object` that `schema` knows and whose values have its types.
    static func keep(_ object: [String: JSONValue], schema: [String: FieldType], path: String, dropped: inout [String]) -> [String: JSONValue] {
        var kept: [String: JSONValue] = [:]
        for (key, value) in object {
            guard let type = schema[key] else { continue }
            // null is how JSON says "not set" (retention's `time`, for one): not a wrong type.
            if case .null = value { continue }
            let at = path.isEmpty ? key : "\(path).\(key)"
            if let value = keep(value, as: type, path: at, dropped: &dropped) { kept[key] = value } else { dropped.append(at) }
        }
        return kept
    }

    /// `value` if it has `type` (an array or object with its wrong parts dropped), else nil.
    static func keep(_ value: JSONValue, as type: FieldType, path: String, dropped: inout [String]) -> JSONValue? {
        switch (type, value) {
        case (.string, .string), (.boolean, .bool): return value
        case (.integer, .number(let n)), (.kindOrRange, .number(let n)): return n.isInteger ? value : nil
        case (.kindOrRange, .array(let pair)):
            return pair.count == 2 && pair.allSatisfy({ $0.integer != nil }) ? value : nil
        case (.array(let element), .array(let elements)):
            var kept: [JSONValue] = []
            for (i, e) in elements.enumerated() {
                if let e = keep(e, as: element, path: "\(path)[\(i)]", dropped: &dropped) { kept.append(e) } else { dropped.append("\(path)[\(i)]") }
            }
            return .array(kept)
        case (.object(let members), .object(let object)):
            return .object(keep(object, schema: members, path: path, dropped: &dropped))
        default:
            return nil
        }
    }
}

extension JSONValue {
    /// The value as an Int, when it is an integer number that fits.
    var integer: Int? {
        guard case .number(let n) = self, let v = n.int64Value else { return nil }
        return Int(exactly: v)
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}
