extension Filter {
    /// Parses a filter object from JSON text.
    /// - Throws: ``NostrError``: `malformedJSON`, or `invalidFilter` naming the field
    ///   (unknown field, wrong type, malformed id or key, bound exceeded).
    public init(json: String, limits: Limits = Limits()) throws {
        var copy = json
        self = try copy.withUTF8 { buffer in
            var scanner = JSONScanner(UnsafeRawBufferPointer(buffer))
            let filter = try Filter.read(from: &scanner, limits: limits)
            try scanner.expectEnd()
            return filter
        }
    }

    /// Parses a filter object from UTF-8 JSON bytes.
    public init(json bytes: [UInt8], limits: Limits = Limits()) throws {
        self = try bytes.withUnsafeBytes { buffer in
            var scanner = JSONScanner(buffer)
            let filter = try Filter.read(from: &scanner, limits: limits)
            try scanner.expectEnd()
            return filter
        }
    }

    static func read(from scanner: inout JSONScanner, limits: Limits = Limits()) throws -> Filter {
        func fail(_ field: String, _ message: String) -> NostrError { NostrError(.invalidFilter, field: field, message) }
        guard scanner.consume(UInt8(ascii: "{")) else { throw NostrError(.invalidFilter, "a filter must be a JSON object") }
        var ids: Set<EventID>?, authors: Set<PublicKey>?, kinds: Set<UInt16>?
        var tags: [String: Set<String>] = [:]
        var since: Int64?, until: Int64?, limit: Int?, search: String?
        var seen: Set<String> = []

        /// Reads an array, calling `element` for each item, with the count bounded.
        func readList(_ field: String, _ element: (inout JSONScanner, Int) throws -> Void) throws {
            guard scanner.consume(UInt8(ascii: "[")) else { throw fail(field, "must be an array") }
            if scanner.consume(UInt8(ascii: "]")) { return }
            var i = 0
            repeat {
                guard i < limits.maxValues else { throw fail(field, "has more than \(limits.maxValues) values") }
                try element(&scanner, i)
                i += 1
            } while try scanner.nextElement(close: UInt8(ascii: "]"))
        }
        func readHex32(_ s: inout JSONScanner, _ field: String) throws -> Bytes32 {
            guard s.peek() == UInt8(ascii: "\"") else { throw fail(field, "values must be strings") }
            guard let v = try s.withString({ Bytes32(hexUTF8: $0) }) else {
                throw fail(field, "values must be 64 lowercase hex digits")
            }
            return v
        }

        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                guard scanner.peek() == UInt8(ascii: "\"") else { throw scanner.error("expected a field name") }
                let key = try scanner.readString()
                try scanner.expect(UInt8(ascii: ":"))
                guard seen.insert(key).inserted else { throw fail(String(key.prefix(20)), "appears more than once") }
                switch key {
                case "ids":
                    var set = Set<EventID>()
                    try readList(key) { s, _ in set.insert(EventID(storage: try readHex32(&s, key))) }
                    ids = set
                case "authors":
                    var set = Set<PublicKey>()
                    try readList(key) { s, _ in set.insert(PublicKey(storage: try readHex32(&s, key))) }
                    authors = set
                case "kinds":
                    var set = Set<UInt16>()
                    try readList(key) { s, _ in
                        set.insert(UInt16(try s.readInteger(in: 0...65535, field: key, code: .invalidFilter)))
                    }
                    kinds = set
                case "since": since = try scanner.readInteger(in: 0...Int64.max, field: key, code: .invalidFilter)
                case "until": until = try scanner.readInteger(in: 0...Int64.max, field: key, code: .invalidFilter)
                case "limit":
                    limit = Int(try scanner.readInteger(in: 0...Int64(limits.maxLimit), field: key, code: .invalidFilter))
                case "search":
                    guard scanner.peek() == UInt8(ascii: "\"") else { throw fail(key, "must be a string") }
                    search = try scanner.readString()
                default:
                    guard key.hasPrefix("#") else { throw fail(String(key.prefix(20)), "unknown filter field") }
                    let name = String(key.dropFirst())
                    guard Filter.isTagName(name) else {
                        throw fail(String(key.prefix(20)), "tag filters take a single letter a-z or A-Z")
                    }
                    var set = Set<String>()
                    try readList(key) { s, _ in
                        guard s.peek() == UInt8(ascii: "\"") else { throw fail(key, "values must be strings") }
                        let value = try s.readString()
                        guard value.utf8.count <= limits.maxTagValueBytes else {
                            throw fail(key, "a value of \(value.utf8.count) bytes exceeds \(limits.maxTagValueBytes)")
                        }
                        set.insert(value)
                    }
                    tags[name] = set
                }
            } while try scanner.nextElement(close: UInt8(ascii: "}"))
        }
        return try Filter(
            ids: ids, authors: authors, kinds: kinds, tags: tags, since: since, until: until, limit: limit,
            search: search, limits: limits)
    }

    /// The filter as compact JSON with a stable field order and sorted values.
    public var jsonText: String {
        var out: [UInt8] = []
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func appendJSON(to out: inout [UInt8]) {
        var first = true
        func key(_ k: String) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            JSONWriter.appendString(k, to: &out, style: .standard)
            out.append(UInt8(ascii: ":"))
        }
        func list(_ values: [String]) {
            out.append(UInt8(ascii: "["))
            for (i, v) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(v, to: &out, style: .standard)
            }
            out.append(UInt8(ascii: "]"))
        }
        if let ids { key("ids"); list(ids.sorted().map(\.hex)) }
        if let authors { key("authors"); list(authors.sorted().map(\.hex)) }
        if let kinds {
            key("kinds")
            out.append(contentsOf: ("[" + kinds.sorted().map(String.init).joined(separator: ",") + "]").utf8)
        }
        for name in tags.keys.sorted() { key("#" + name); list(tags[name, default: []].sorted()) }
        if let since { key("since"); out.append(contentsOf: String(since).utf8) }
        if let until { key("until"); out.append(contentsOf: String(until).utf8) }
        if let limit { key("limit"); out.append(contentsOf: String(limit).utf8) }
        if let search { key("search"); JSONWriter.appendString(search, to: &out, style: .standard) }
        if first { out.append(UInt8(ascii: "{")) }
        out.append(UInt8(ascii: "}"))
    }
}
