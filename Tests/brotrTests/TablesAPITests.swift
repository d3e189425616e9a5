import Archive
import BrotrTestSupport
import Foundation
import GRDB
import Glibc
import Nostr
import Testing

@testable import brotr

/// BigBrotr's table API over real HTTP on 127.0.0.1, against `brotr serve` on an archive
/// whose analytics the refresher has built: every parameter form, hostile input answered
/// with its documented status and nothing inner leaked, and a fuzz run after which the
/// server still answers.
@Suite(.serialized) struct TablesAPITests {
    @Test func parametersBecomeAQueryOrANamedRefusal() throws {
        let table = try #require(AnalyticsTables.table("kind_counts"))
        let q = try AnalyticsQuery(
            table: table, parameters: [("kind", ">=:1"), ("kind", "<:9"), ("category", "ILIKE:reg%"), ("sort", "event_count:DESC"), ("limit", "5"), ("offset", "2")])
        #expect(q.conditions == [
            .init(column: "kind", op: .greaterOrEqual, value: .integer(1)), .init(column: "kind", op: .less, value: .integer(9)),
            .init(column: "category", op: .ilike, value: .text("reg%")),
        ])
        #expect(q.sort == .init(column: "event_count", descending: true) && q.limit == 5 && q.offset == 2)
        // Clamped as BigBrotr clamps: limit to 1...max, offset to 0...100,000.
        let limits = AnalyticsQuery.Limits(defaultLimit: 10, maxLimit: 50)
        #expect(try AnalyticsQuery(table: table, parameters: [], limits: limits).limit == 10)
        #expect(try AnalyticsQuery(table: table, parameters: [("limit", "0"), ("offset", "-4")], limits: limits).limit == 1)
        #expect(try AnalyticsQuery(table: table, parameters: [("limit", "999999"), ("offset", "999999999")], limits: limits).offset == 100_000)
        #expect(try AnalyticsQuery(table: table, parameters: [("limit", "999999")], limits: limits).limit == 50)
        #expect(try AnalyticsQuery(table: table, parameters: [("kind", "7")]).conditions == [.init(column: "kind", op: .equal, value: .integer(7))])
        let refused: [(String, [(String, String)], String)] = [
            ("kind_counts", [("limit", "1.5")], "Invalid limit or offset"), ("kind_counts", [("offset", "x")], "Invalid limit or offset"),
            ("kind_counts", [("nope", "1")], "Unknown column: nope"), ("kind_counts", [("sort", "nope")], "Unknown sort column: nope"),
            ("kind_counts", [("sort", "kind:sideways")], "Invalid sort direction: SIDEWAYS"),
            ("kind_counts", [("kind", "1; DROP TABLE event")], "Invalid filter value for column kind"),
            ("kind_counts", [("kind", "ilike:1%")], "ilike applies to text columns"),
            ("relay_metadata_latest", [("metadata_id", "zz")], "Invalid hex value for column metadata_id"),
            ("relay_metadata_latest", [("metadata_id", "abc")], "Invalid hex value"),
            ("relay_metadata_latest", [("data", "{}")], "Column data cannot be filtered"),
            ("events_replaceable_latest", [("content", "x")], "Column content cannot be filtered"),
            ("relay_stats", [("avg_rtt_open", ">:nan")], "Invalid filter value"),
        ]
        for (name, parameters, message) in refused {
            let table = try #require(AnalyticsTables.table(name))
            #expect(throws: AnalyticsQuery.Invalid.self) { try AnalyticsQuery(table: table, parameters: parameters) }
            do { _ = try AnalyticsQuery(table: table, parameters: parameters) } catch { #expect(error.message.hasPrefix(message), "\(error.message)") }
        }
        // A key: one segment per column; a relay URL keeps its slashes.
        let byRelay = try #require(AnalyticsTables.table("kind_counts_by_relay"))
        #expect(try AnalyticsQuery.key(["1", "ws:", "", "127.0.0.1:7777"], table: byRelay).map(\.value) == [.integer(1), .text("ws://127.0.0.1:7777")])
        let latest = try #require(AnalyticsTables.table("relay_metadata_latest"))
        #expect(try AnalyticsQuery.key(["wss:", "", "a.example", "nip11_info"], table: latest).map(\.value) == [.text("wss://a.example"), .text("nip11_info")])
        #expect(throws: AnalyticsQuery.Invalid.self) { try AnalyticsQuery.key(["1"], table: byRelay) }
        #expect(throws: AnalyticsQuery.Invalid.self) { try AnalyticsQuery.key(["x", "ws://a"], table: byRelay) }
    }

    /// An archive with events at two relays, analytics built, and `brotr serve` on it.
    final class Served: Sendable {
        let tmp: TempDirectory
        let data: URL
        let port: Int
        let serve: ChildProcess
        let events: [Event]
        var base: String { "http://127.0.0.1:\(port)" }

        private init(tmp: TempDirectory, data: URL, port: Int, serve: ChildProcess, events: [Event]) {
            self.tmp = tmp
            self.data = data
            self.port = port
            self.serve = serve
            self.events = events
        }

        /// - Parameters:
        ///   - padding: rows of made-up authors added to pubkey_counts, for queries that take a while.
        ///   - stagesOn: the stages that run besides the HTTP server (none by default).
        ///   - extraConfig: more of brotr.yaml; `KEYFILE` in it becomes the path of a new key.
        static func start(
            _ name: String, apiConfig: String = "", padding: Int = 0, stagesOn: Set<String> = [], extraConfig: String = "", dvmKey: Bool = false
        ) async throws -> Served {
            let tmp = try TempDirectory(name)
            let data = tmp.url.appendingPathComponent("data")
            var generator = CorpusGenerator(seed: 3, authors: 6, start: 1_700_000_000)
            let events = (0..<150).map { _ in generator.next() }
            let file = tmp.url.appendingPathComponent("events.jsonl")
            try Data(events.prefix(100).map { $0.jsonText + "\n" }.joined().utf8).write(to: file)
            let second = tmp.url.appendingPathComponent("more.jsonl")
            try Data(events.suffix(80).map { $0.jsonText + "\n" }.joined().utf8).write(to: second)
            for (relay, path) in [("ws://127.0.0.1:7777", file.path), ("ws://127.0.0.1:7778", second.path)] {
                let run = try await BrotrCLI.run(["import", "--data", data.path, "--relay", relay, "--allow-loopback", path])
                #expect(run.status == 0, "\(run.stderr)")
            }
            let refresh = try await BrotrCLI.run(["run", "refresher", "--once", "--data", data.path])
            #expect(refresh.status == 0 && refresh.stdout.hasPrefix("rebuilt: events 150, observations 180"), "\(refresh.stdout) \(refresh.stderr)")
            if padding > 0 {
                let index = try DatabaseQueue(path: data.appendingPathComponent("index.sqlite").path)
                try await index.write { db in
                    try db.execute(
                        sql: """
                            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                            INSERT INTO pubkey_counts SELECT printf('%064x', i), 1, 1, 0, 0 FROM n
                            """, arguments: [padding])
                }
            }
            let port = try ServeCLITests.freePort()
            var extra = extraConfig
            if dvmKey {
                let keyFile = tmp.url.appendingPathComponent("dvm.key")
                try SecretKey.generate().hex.write(to: keyFile, atomically: true, encoding: .utf8)
                extra = extra.replacingOccurrences(of: "KEYFILE", with: keyFile.path)
            }
            let off = ["seeder", "finder", "validator", "monitor", "synchronizer", "refresher", "dvm"].filter { !stagesOn.contains($0) }
            try (off.map { "\($0):\n  enabled: false\n" }.joined() + "http:\n  listen: 127.0.0.1:\(port)\n" + apiConfig + extra).write(
                to: data.appendingPathComponent("brotr.yaml"), atomically: true, encoding: .utf8)
            let served = Served(tmp: tmp, data: data, port: port, serve: try launch(data, tmp), events: events)
            try await served.waitUntilReady()
            return served
        }

        private static func launch(_ data: URL, _ tmp: TempDirectory) throws -> ChildProcess {
            try BrotrCLI.start(["serve", "--data", data.path], stderrFile: tmp.url.appendingPathComponent("serve-\(UUID().uuidString.prefix(8)).log"))
        }

        private func waitUntilReady() async throws {
            var ready = false
            for _ in 0..<300 where !ready && serve.process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                ready = (try? await ServeCLITests.get("\(base)/v1/schema"))?.status == 200
            }
            #expect(ready, "\(serve.stderr.suffix(2000))")
        }

        func stop() {
            serve.kill()
            tmp.remove()
        }

        /// GET `path`, the body parsed as JSON.
        func get(_ path: String) async throws -> (status: Int, json: JSONValue, body: String) {
            let (status, body) = try await ServeCLITests.get(base + path)
            return (status, (try? JSONValue(parsing: body)) ?? .null, body)
        }
    }

    static func rows(_ json: JSONValue) -> [[String: JSONValue]] {
        guard case .array(let items)? = json.objectValue?["data"] else { return [] }
        return items.compactMap(\.objectValue)
    }

    static func int(_ value: JSONValue?) -> Int64? { if case .number(let n)? = value { n.int64Value } else { nil } }

    @Test func everyParameterFormOverHTTP() async throws {
        let s = try await Served.start("api-tables")
        defer { s.stop() }
        let events = s.events

        // The schema.
        let schema = try await s.get("/v1/schema")
        #expect(schema.status == 200)
        #expect(Self.rows(schema.json).compactMap { $0["name"]?.stringValue } == AnalyticsTables.names.sorted())
        let kinds = try await s.get("/v1/schema/kind_counts")
        #expect(kinds.body == #"{"data":{"columns":[{"name":"kind","nullable":false,"type":"integer"},{"name":"event_count","nullable":false,"type":"bigint"},{"name":"unique_pubkeys","nullable":false,"type":"bigint"},{"name":"category","nullable":false,"type":"text"}],"is_view":true,"name":"kind_counts","primary_key":["kind"]}}"#)
        #expect(try await s.get("/v1/schema/sqlite_master").status == 404)

        // A list: the default page, and the totals BigBrotr's clients read.
        let byKind = Dictionary(grouping: events, by: \.kind)
        let list = try await s.get("/v1/kind_counts")
        #expect(list.status == 200)
        #expect(list.json.objectValue?["meta"] == .object([
            "total": .number(JSONNumber(Int64(byKind.count))), "limit": .number(JSONNumber(100)), "offset": .number(JSONNumber(0)),
            "table": .string("kind_counts"),
        ]))
        for row in Self.rows(list.json) {
            let kind = try #require(Self.int(row["kind"]))
            #expect(Self.int(row["event_count"]) == Int64(byKind[UInt16(kind)]?.count ?? -1))
        }
        // Filters, each operator, sort both ways, paging.
        let notes = Int64(byKind[1]?.count ?? 0)
        #expect(Self.rows(try await s.get("/v1/kind_counts?kind=1").json).map { Self.int($0["event_count"]) } == [notes])
        #expect(Self.rows(try await s.get("/v1/kind_counts?kind==:1").json).count == 1)
        let ge = Self.rows(try await s.get("/v1/kind_counts?event_count=%3E%3D:\(notes)").json)
        #expect(ge.allSatisfy { (Self.int($0["event_count"]) ?? 0) >= notes } && !ge.isEmpty)
        #expect(Self.rows(try await s.get("/v1/kind_counts?event_count=%3E:\(notes)").json).allSatisfy { (Self.int($0["event_count"]) ?? 0) > notes })
        #expect(Self.rows(try await s.get("/v1/kind_counts?kind=%3C:2&kind=%3C%3D:1").json).allSatisfy { (Self.int($0["kind"]) ?? 9) <= 1 })
        let descending = Self.rows(try await s.get("/v1/kind_counts?sort=event_count:desc").json).compactMap { Self.int($0["event_count"]) }
        #expect(descending == descending.sorted(by: >) && descending.count == byKind.count)
        let ascending = Self.rows(try await s.get("/v1/kind_counts?sort=kind").json).compactMap { Self.int($0["kind"]) }
        #expect(ascending == byKind.keys.map(Int64.init).sorted())
        let page = Self.rows(try await s.get("/v1/kind_counts?sort=kind:asc&limit=2&offset=1").json).compactMap { Self.int($0["kind"]) }
        #expect(page == Array(ascending.dropFirst().prefix(2)))
        let regular = Self.rows(try await s.get("/v1/kind_counts?category=ilike:REG%25").json)
        #expect(!regular.isEmpty && regular.allSatisfy { $0["category"] == .string("regular") })
        #expect(Self.rows(try await s.get("/v1/kind_counts?category=ilike:re+ular").json).isEmpty)  // '+' is a space
        // Clamps.
        let clamped = try await s.get("/v1/pubkey_counts?limit=0&offset=-3")
        #expect(clamped.json.objectValue?["meta"]?.objectValue?["limit"] == .number(JSONNumber(1)) && Self.rows(clamped.json).count == 1)
        let huge = try await s.get("/v1/pubkey_counts?limit=99999999&offset=99999999999")
        #expect(huge.status == 200 && huge.json.objectValue?["meta"]?.objectValue?["limit"] == .number(JSONNumber(1000)))
        #expect(huge.json.objectValue?["meta"]?.objectValue?["offset"] == .number(JSONNumber(100_000)) && Self.rows(huge.json).isEmpty)

        // Binary columns in hex, both ways; the latest replaceable events whole, from the segments.
        let author = events[0].pubkey
        let profile = events.filter { $0.pubkey == author && $0.kind == 10002 || $0.pubkey == author && $0.kind == 0 }
        let replaceable = Self.rows(try await s.get("/v1/events_replaceable_latest?pubkey=\(author.hex.uppercased())").json)
        #expect(replaceable.count == Set(profile.map(\.kind)).count)
        for row in replaceable {
            let id = try #require(row["id"]?.stringValue)
            let event = try #require(events.first { $0.id.hex == id })
            #expect(row["content"] == .string(event.content) && row["sig"] == .string(event.sig.hex) && row["pubkey"] == .string(author.hex))
            #expect(row["tags"] == .array(event.tags.map { .array($0.map(JSONValue.string)) }))
        }
        // Details: a key of one column, of two with a relay URL, a URL alone; missing rows.
        #expect(Self.int(try await s.get("/v1/kind_counts/1").json.objectValue?["data"]?.objectValue?["event_count"]) == notes)
        let relay = try await s.get("/v1/relay_stats/ws://127.0.0.1:7777")
        #expect(Self.int(relay.json.objectValue?["data"]?.objectValue?["event_count"]) == 100, "\(relay.body)")
        let pair = try await s.get("/v1/kind_counts_by_relay/1/ws%3A%2F%2F127.0.0.1%3A7778")
        #expect(Self.int(pair.json.objectValue?["data"]?.objectValue?["event_count"]) == Int64(events.suffix(80).filter { $0.kind == 1 }.count))
        #expect(try await s.get("/v1/pubkey_counts/\(author.hex)").status == 200)
        let missing = try await s.get("/v1/kind_counts/65535")
        #expect(missing.status == 404 && missing.body == #"{"error":"not found"}"#)
        #expect(try await s.get("/v1/kind_counts/abc").status == 400)
        #expect(try await s.get("/v1/kind_counts_by_relay/1").status == 400)

        // The archive's own events stay at /v1/events; the api's series are in /metrics.
        #expect(try await s.get("/v1/events?limit=1").status == 200)
        let metrics = try await ServeCLITests.get(s.base + "/metrics").body
        #expect(metrics.contains(#"service_gauge{service="api",name="tables_exposed"} 14"#))
        #expect(metrics.contains(#"api_request_duration_seconds_count{service="api"}"#))
        #expect(metrics.contains(#"service_counter_total{service="api",name="requests_failed"}"#))
    }

    @Test func aSlowQueryIsA504AndTheServerGoesOn() async throws {
        let s = try await Served.start("api-timeout", apiConfig: "api:\n  request_timeout: 5ms\n", padding: 300_000)
        defer { s.stop() }
        // A pattern no row matches, over 300,000 rows: far longer than 5 ms.
        let slow = try await s.get("/v1/pubkey_counts?pubkey=ilike:%25zz%25")
        #expect(slow.status == 504 && slow.body == #"{"error":"Query timeout"}"#, "\(slow.body)")
        #expect(try await s.get("/v1/kind_counts/1").status == 200)
    }

    @Test func hostileRequestsGetTheirStatusAndLeakNothing() async throws {
        let s = try await Served.start("api-hostile", apiConfig: "api:\n  tables:\n    pubkey_counts_by_relay:\n      enabled: false\n")
        defer { s.stop() }
        let cases: [(String, Int)] = [
            ("/v1/kind_counts?kind=1%3B%20DROP%20TABLE%20event", 400), ("/v1/kind_counts?category=x'%20OR%20'1'='1", 200),
            ("/v1/kind_counts?kind%20OR%201=1", 400), ("/v1/kind_counts?sort=kind;DELETE", 400), ("/v1/kind_counts?sort=kind:asc;--", 400),
            ("/v1/kind_counts?sort=(SELECT%201)", 400), ("/v1/kind_counts?event_count=%3E%3D:1e999", 400),
            ("/v1/sqlite_master", 404), ("/v1/event", 404), ("/v1/analytics_hour", 404), ("/v1/pubkey_counts_by_relay", 404),
            ("/v1/schema/pubkey_counts_by_relay", 404), ("/v1/kind_counts?limit=-1", 200), ("/v1/kind_counts?limit=1e3", 400),
            ("/v1/kind_counts?offset=99999999999999999999999", 400), ("/v1/kind_counts?kind=>=:", 400), ("/v1/kind_counts?=1", 400),
            ("/v1/relay_metadata_latest?metadata_id=0g", 400), ("/v1/events_addressable_latest?id=abc", 400),
            ("/v1/kind_counts?kind=" + String(repeating: "9", count: 10_000), 400), ("/v1/kind_counts/1%ZZ", 400),
            ("/v1/relay_stats/" + String(repeating: "x", count: 5000), 404),
        ]
        for (path, status) in cases {
            let (got, body) = try await Self.rawGet(port: s.port, target: path)
            #expect(got == status, "\(path.prefix(60)): \(body.prefix(200))")
            #expect(body.hasPrefix(#"{"#), "\(path.prefix(60)): \(body.prefix(200))")
            // Only what the request itself said may come back.
            let asked = path.removingPercentEncoding ?? path
            for secret in ["sqlite", "SQLite", "SELECT", "analytics_", "FROM", s.data.path, ".swift", "Error(", "GRDB"] where !asked.contains(secret) {
                #expect(!body.contains(secret), "\(path.prefix(60)) leaks \(secret): \(body.prefix(200))")
            }
        }
        #expect(!(try await s.get("/v1/schema").body.contains("pubkey_counts_by_relay")))

        // Fuzz: random query strings and paths, from a seeded generator. No 500, no crash.
        var rng = SplitMix64(seed: 99)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz_0123456789=&:%+-.,;'\"()*<>!~/?#[]{}|\\^` ")
        let tables = AnalyticsTables.names + ["schema", "events", "x", ""]
        let columns = AnalyticsTables.all.flatMap { $0.columns.map(\.name) } + ["limit", "offset", "sort"]
        func pick<T>(_ list: [T]) -> T { list[Int(rng.next() % UInt64(list.count))] }
        func noise(_ n: Int) -> String {
            var out = ""
            for _ in 0..<n {
                let c = pick(alphabet)
                out += c == " " ? "%20" : c == "#" ? "%23" : String(c)
            }
            return out
        }
        var statuses: [Int: Int] = [:]
        for i in 0..<2500 {
            var target = "/v1/" + pick(tables)
            if i % 3 == 0 { target += "/" + noise(Int(rng.next() % 20)) }
            let pairs = (0..<Int(rng.next() % 4)).map { _ in
                pick(columns) + "=" + pick(["", ">=:", "<:", "ilike:", "=:", noise(3)]) + noise(Int(rng.next() % 12))
            }
            if !pairs.isEmpty || i % 5 == 0 { target += "?" + (pairs.isEmpty ? noise(30) : pairs.joined(separator: "&")) }
            let (status, body) = try await Self.rawGet(port: s.port, target: target)
            statuses[status, default: 0] += 1
            #expect(status != 500 && status != 0, "\(target): \(body.prefix(200))")
            if status >= 500 { break }
        }
        #expect((statuses[200] ?? 0) > 100 && (statuses[400] ?? 0) > 100, "\(statuses)")
        #expect(s.serve.process.isRunning)
        #expect(try await s.get("/v1/kind_counts?kind=1").status == 200)  // still answering
    }

    /// A GET with the request target sent as it is (URL types would refuse or re-encode
    /// the broken ones), over a plain socket; the status and the body.
    static func rawGet(port: Int, target: String) async throws -> (Int, String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (0, "cannot connect") }
        let request = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while response.count < 4 << 20 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = Int(text.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }
}
