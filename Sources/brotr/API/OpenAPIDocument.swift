import Archive
import Nostr

/// The OpenAPI 3 description of the REST API, made from the same catalogue and config
/// that the server uses, served at /v1/openapi.json. docs/openapi.json is this document
/// for the default config (a test checks it). Filter values are described by patterns
/// that accept exactly what the server accepts.
enum OpenAPIDocument {
    static func make(_ config: APIConfig) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        var schemas: [String: JSONValue] = [
            "Error": object(["type": "object", "required": .array(["error"]), "properties": .object(["error": object(["type": "string"])])])
        ]
        let tables = config.servedTables
        paths["/v1/schema"] = get(
            "listTables", "The tables served, by name.",
            responses: [
                "200": ok(
                    object([
                        "type": "object", "required": .array(["data"]),
                        "properties": .object([
                            "data": object([
                                "type": "array",
                                "items": object([
                                    "type": "object", "required": .array(["name", "is_view", "columns", "has_primary_key"]),
                                    "properties": .object([
                                        "name": object(["type": "string"]), "is_view": object(["type": "boolean"]),
                                        "columns": object(["type": "integer"]), "has_primary_key": object(["type": "boolean"]),
                                    ]),
                                ]),
                            ])
                        ]),
                    ]))
            ])
        paths["/v1/schema/{table}"] = get(
            "describeTable", "A table's columns, their types, and its key.",
            parameters: [pathParameter("table", object(["type": "string"]))],
            responses: [
                "200": ok(
                    object([
                        "type": "object", "required": .array(["data"]),
                        "properties": .object(["data": object(["type": "object", "required": .array(["name", "is_view", "columns", "primary_key"])])]),
                    ])), "404": failure("The table is not served."),
            ])
        paths["/v1/events"] = get(
            "events", "Events from the segments by NIP-01 filter, newest first, with the relays each was seen at.",
            parameters: eventParameters(config),
            responses: [
                "200": ok(
                    object([
                        "type": "object", "required": .array(["data", "meta"]),
                        "properties": .object([
                            "data": object(["type": "array", "items": object(["type": "object", "required": .array(["event", "relays"])])]),
                            "meta": object(["type": "object", "required": .array(["limit", "count"])]),
                        ]),
                    ])), "400": failure("A parameter is unknown or does not parse."), "503": failure("The archive could not be read."),
            ])
        for table in tables {
            let row = "\(table.name)_row"
            schemas[row] = rowSchema(table)
            let reference = object(["$ref": .string("#/components/schemas/\(row)")])
            paths["/v1/\(table.name)"] = get(
                "list_\(table.name)", "Rows of \(table.name): filters `column=value` or `column=op:value`, `sort`, `limit`, `offset`.",
                parameters: listParameters(table, config),
                responses: [
                    "200": ok(
                        object([
                            "type": "object", "required": .array(["data", "meta"]),
                            "properties": .object([
                                "data": object(["type": "array", "items": reference]),
                                "meta": object([
                                    "type": "object", "required": .array(["total", "limit", "offset", "table"]),
                                    "properties": .object([
                                        "total": object(["type": "integer"]), "limit": object(["type": "integer"]),
                                        "offset": object(["type": "integer"]), "table": object(["type": "string"]),
                                    ]),
                                ]),
                            ]),
                        ])), "400": failure("A parameter is unknown or its value does not fit its column."),
                    "503": failure("The archive could not be read."), "504": failure("The query ran past api.request_timeout."),
                ])
            let keyPath = table.primaryKey.map { "{\($0)}" }.joined(separator: "/")
            paths["/v1/\(table.name)/\(keyPath)"] = get(
                "get_\(table.name)", "One row of \(table.name) by its key.",
                parameters: table.primaryKey.compactMap { name in table.column(name).map { pathParameter(name, valueSchema($0, operators: false)) } },
                responses: [
                    "200": ok(object(["type": "object", "required": .array(["data"]), "properties": .object(["data": reference])])),
                    "400": failure("A key value does not fit its column."), "404": failure("No such row."),
                    "503": failure("The archive could not be read."), "504": failure("The query ran past api.request_timeout."),
                ])
        }
        return object([
            "openapi": "3.0.3",
            "info": object([
                "title": "brotr API", "version": "1",
                "description": .string(
                    "Read-only access to a brotr archive's analytics tables (BigBrotr's paths, parameters and answers) and to its events."),
            ]),
            "paths": .object(paths),
            "components": object(["schemas": .object(schemas)]),
        ])
    }

    // MARK: Parts

    static let operatorPrefix = "(=:|>:|<:|>=:|<=:)?"

    /// What a value of `column` may be, in a filter (`operators`) or a key.
    static func valueSchema(_ column: AnalyticsTable.Column, operators: Bool) -> JSONValue {
        let prefix = operators ? operatorPrefix : ""
        if column.isInteger { return object(["type": "string", "pattern": .string("^\(prefix)[+-]?[0-9]{1,18}$")]) }
        if column.isReal { return object(["type": "string", "pattern": .string("^\(prefix)[+-]?[0-9]{1,15}(\\.[0-9]{1,15})?$")]) }
        if column.isBinary { return object(["type": "string", "pattern": .string("^\(prefix)([0-9a-fA-F]{2})*$")]) }
        return object(["type": "string"])
    }

    static func listParameters(_ table: AnalyticsTable, _ config: APIConfig) -> [JSONValue] {
        let sortable = table.columns.filter { !$0.fromSegment }.map(\.name)
        var parameters = [
            queryParameter("limit", object(["type": "integer", "format": "int64"]), "Rows per page, 1 to \(config.maxPageSize) (others are clamped)."),
            queryParameter("offset", object(["type": "integer", "format": "int64"]), "Rows skipped, 0 to 100000 (others are clamped)."),
            queryParameter(
                "sort", object(["type": "string", "pattern": .string("^(\(sortable.joined(separator: "|")))(:([aA][sS][cC]|[dD][eE][sS][cC]))?$")]),
                "One column, ascending unless `:desc`."),
        ]
        for column in table.columns where !column.fromSegment && !column.isJSON {
            let ops = column.type == "text" ? "=, >, <, >=, <= or ilike" : "=, >, <, >= or <="
            parameters.append(queryParameter(column.name, valueSchema(column, operators: true), "`value` or `op:value`, op one of \(ops)."))
        }
        return parameters
    }

    /// 0 to 65535, leading zeros allowed.
    static let kind = "0*([0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"

    static func eventParameters(_ config: APIConfig) -> [JSONValue] {
        let hexList = object(["type": "string", "pattern": "^[0-9a-f]{64}(,[0-9a-f]{64})*$"])
        var parameters = [
            queryParameter("ids", hexList, "Event ids, comma-separated."), queryParameter("authors", hexList, "Public keys, comma-separated."),
            queryParameter("kinds", object(["type": "string", "pattern": .string("^\(kind)(,\(kind))*$")]), "Kinds, comma-separated (0 to 65535)."),
            queryParameter("since", object(["type": "integer", "format": "int64", "minimum": 0]), "Created at or after, Unix seconds."),
            queryParameter("until", object(["type": "integer", "format": "int64", "minimum": 0]), "Created at or before, Unix seconds."),
            queryParameter(
                "limit", object(["type": "integer", "format": "int64", "minimum": 0, "maximum": .number(JSONNumber(Int64(Int32.max)))]),
                "At most this many (\(config.defaultPageSize) by default, at most \(config.maxPageSize))."),
        ]
        for letter in ["a", "d", "e", "p", "t"] {
            parameters.append(queryParameter("#\(letter)", object(["type": "string"]), "Values of the `\(letter)` tag, comma-separated."))
        }
        return parameters
    }

    static func rowSchema(_ table: AnalyticsTable) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for column in table.columns {
            var schema: [String: JSONValue]
            switch column.type {
            case _ where column.isInteger: schema = ["type": "integer"]
            case _ where column.isReal: schema = ["type": "number"]
            case _ where column.isBinary: schema = ["type": "string", "pattern": "^([0-9a-f]{2})*$"]
            case "jsonb": schema = [:]
            case "text[]": schema = ["type": "array", "items": object(["type": "string", "nullable": true])]
            default: schema = ["type": "string"]
            }
            if column.nullable { schema["nullable"] = true }
            schema["description"] = .string("\(column.type)\(column.fromSegment ? ", read from the event's record in the segments" : "")")
            properties[column.name] = .object(schema)
        }
        return object([
            "type": "object", "required": .array(table.columns.filter { !$0.nullable }.map { .string($0.name) }), "properties": .object(properties),
        ])
    }

    static func get(_ id: String, _ summary: String, parameters: [JSONValue] = [], responses: [String: JSONValue]) -> JSONValue {
        object(["get": object(["operationId": .string(id), "summary": .string(summary), "parameters": .array(parameters), "responses": .object(responses)])])
    }

    static func ok(_ schema: JSONValue) -> JSONValue {
        object(["description": "OK", "content": object(["application/json": object(["schema": schema])])])
    }

    static func failure(_ description: String) -> JSONValue {
        object([
            "description": .string(description),
            "content": object(["application/json": object(["schema": object(["$ref": "#/components/schemas/Error"])])]),
        ])
    }

    static func queryParameter(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        object(["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema])
    }

    static func pathParameter(_ name: String, _ schema: JSONValue) -> JSONValue {
        object(["name": .string(name), "in": "path", "required": true, "schema": schema])
    }

    static func object(_ members: [String: JSONValue]) -> JSONValue { .object(members) }
}
