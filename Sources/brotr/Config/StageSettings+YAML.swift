import Nostr
import Services
import Transport

// Each stage's keys, read straight into the settings type the stage takes. A settings
// type's defaults are the documented defaults; `StageConfig` reads `enabled` and `interval`
// and checks that no key is left unread.

extension SeederSettings {
    /// `seeder:`
    init(_ section: ConfigReader) throws {
        self.init()
        builtin = try section.value("builtin", default: builtin)
        file = try section.optional("file")
        toRelays = try section.value("to_relays", default: toRelays)
    }
}

extension FinderSettings {
    /// `finder:`
    init(_ section: ConfigReader) throws {
        self.init()
        batchSize = try section.value("batch_size", default: batchSize)
        maxEventsPerCycle = try section.value("max_events_per_cycle", default: maxEventsPerCycle)
        let sources = try section.section("sources")
        for url in sources.keys {
            let s = try sources.section(url)
            let d = HTTPSource(url: url)
            let source = HTTPSource(
                url: url, path: try s.value("path", default: d.path), cooldown: try s.seconds("cooldown", default: d.cooldown),
                timeout: try s.duration("timeout", default: d.timeout), maxBytes: try s.value("max_bytes", default: d.maxBytes))
            try sources.check(url.hasPrefix("https://") || url.hasPrefix("http://"), url, "expected an http:// or https:// URL")
            try s.check((1...256 << 20).contains(source.maxBytes), "max_bytes", "expected 1 to 256 MiB")
            try s.finish()
            self.sources.append(source)
        }
        try sources.finish()
        try section.check(batchSize >= 1, "batch_size", "expected 1 or more")
        try section.check(maxEventsPerCycle >= 1, "max_events_per_cycle", "expected 1 or more")
    }
}

extension ValidatorSettings {
    /// `validator:`
    init(_ section: ConfigReader) throws {
        self.init()
        concurrency = try section.value("concurrency", default: concurrency)
        maxPerCycle = try section.value("max_per_cycle", default: maxPerCycle)
        cooldown = try section.seconds("cooldown", default: cooldown)
        maxFailures = try section.value("max_failures", default: maxFailures)
        connection.connectTimeout = try section.duration("connect_timeout", default: connection.connectTimeout)
        connection.readTimeout = try section.duration("read_timeout", default: connection.readTimeout)
        allowInsecureFallback = try section.value("allow_insecure_fallback", default: allowInsecureFallback)
        try section.check((1...256).contains(concurrency), "concurrency", "expected 1 to 256")
        try section.check(maxPerCycle >= 1, "max_per_cycle", "expected 1 or more")
        try section.check(maxFailures >= 1, "max_failures", "expected 1 or more")
    }
}

extension SynchronizerSettings {
    /// `synchronizer:`
    init(_ section: ConfigReader) throws {
        self.init()
        concurrency = try section.value("concurrency", default: concurrency)
        endLag = try section.seconds("end_lag", default: endLag)
        start = Int64(try section.value("start", default: Int(start)))
        stream = StreamOptions(
            pageSize: try section.value("page_size", default: stream.pageSize),
            maxEventBytes: try section.value("max_event_bytes", default: stream.maxEventBytes),
            maxPageBytes: try section.value("max_page_bytes", default: stream.maxPageBytes))
        batchSize = try section.value("batch_size", default: batchSize)
        batchBytes = try section.value("batch_bytes", default: batchBytes)
        relayBudget = try section.duration("relay_budget", default: relayBudget)
        connection.connectTimeout = try section.duration("connect_timeout", default: connection.connectTimeout)
        connection.readTimeout = try section.duration("read_timeout", default: connection.readTimeout)
        connection.maxMessageBytes = try section.value("max_message_bytes", default: connection.maxMessageBytes)
        let filterTexts: [String] = try section.value("filters", default: [])
        negentropy = try section.value("negentropy", default: negentropy)
        negentropyFrameLimit = try section.value("negentropy_frame_limit", default: negentropyFrameLimit)
        idBatch = try section.value("id_batch", default: idBatch)
        negentropyTimeout = try section.duration("negentropy_timeout", default: negentropyTimeout)
        try section.check(negentropyFrameLimit == 0 || (4096...16 << 20).contains(negentropyFrameLimit), "negentropy_frame_limit", "expected 0 (no limit) or 4096 to 16 MiB")
        try section.check((1...1000).contains(idBatch), "id_batch", "expected 1 to 1000")
        try section.check((1...64).contains(concurrency), "concurrency", "expected 1 to 64")
        try section.check((1...100_000).contains(stream.pageSize), "page_size", "expected 1 to 100000")
        try section.check((1...1_000_000).contains(batchSize), "batch_size", "expected 1 to 1000000")
        try section.check((64 << 10...1 << 30).contains(batchBytes), "batch_bytes", "expected 64 KiB to 1 GiB")
        try section.check(start >= 0, "start", "expected a unix time, 0 or later")
        try section.check((1 << 10...64 << 20).contains(stream.maxEventBytes), "max_event_bytes", "expected 1 KiB to 64 MiB")
        try section.check(
            (stream.maxEventBytes...1 << 30).contains(stream.maxPageBytes), "max_page_bytes", "expected max_event_bytes to 1 GiB")
        try section.check(
            (stream.maxEventBytes...256 << 20).contains(connection.maxMessageBytes), "max_message_bytes", "expected max_event_bytes to 256 MiB")
        for (i, text) in filterTexts.enumerated() {
            do { filters.append(try Filter(json: text)) } catch {
                throw ConfigError(file: section.file, line: nil, keyPath: section.join("filters[\(i)]"), message: "not a NIP-01 filter: \(error)")
            }
        }
        let overridesSection = try section.section("overrides")
        for url in overridesSection.keys {
            let o = try overridesSection.section(url)
            // Keyed as the Synchronizer looks relays up: normalized (loopback or not, since
            // admission is the network settings' business, not the key's).
            let key = (try? RelayURL(url, allowLoopback: true).url) ?? url
            overrides[key] = RelayOverride(
                connectTimeout: try o.optional("connect_timeout").map { (d: ConfigDuration) in d.duration },
                readTimeout: try o.optional("read_timeout").map { (d: ConfigDuration) in d.duration }, pageSize: try o.optional("page_size"),
                allowInsecure: try o.optional("allow_insecure"), negentropy: try o.optional("negentropy"))
            try o.finish()
        }
        try overridesSection.finish()
    }
}
