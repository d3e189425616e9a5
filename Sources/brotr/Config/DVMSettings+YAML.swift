import Archive
import Nostr
import Services

extension DVMSettings {
    /// `dvm:`
    init(_ section: ConfigReader) throws {
        self.init()
        let relayTexts: [String] = try section.value("relays", default: [])
        for (i, text) in relayTexts.enumerated() {
            // Loopback is the operator's explicit choice here, as for the monitor's publish relays.
            guard let relay = try? RelayURL(text, allowLoopback: true) else {
                throw ConfigError(file: section.file, line: nil, keyPath: section.join("relays[\(i)]"), message: "not a relay URL: '\(text.prefix(80))'")
            }
            relays.append(relay)
        }
        keyFile = try section.value("key_file", default: keyFile)
        dTag = try section.value("d_tag", default: dTag)
        name = try section.value("name", default: name)
        about = try section.value("about", default: about)
        acceptUntargeted = try section.value("accept_untargeted", default: acceptUntargeted)
        maxAge = try section.seconds("max_age", default: maxAge)
        ratePerMinute = try section.value("rate_per_minute", default: ratePerMinute)
        processingAfter = try section.duration("processing_after", default: processingAfter)
        timeout = try section.duration("timeout", default: timeout)
        announceInterval = try section.seconds("announce_interval", default: announceInterval)
        limits.defaultLimit = try section.value("default_page_size", default: limits.defaultLimit)
        limits.maxLimit = try section.value("max_page_size", default: limits.maxLimit)
        queryTimeout = try section.duration("query_timeout", default: queryTimeout)
        maxRequests = try section.value("max_requests", default: maxRequests)
        let list = try section.section("tables")
        for name in list.keys {
            try list.check(AnalyticsTables.table(name) != nil, name, "not an analytics table (tables: \(AnalyticsTables.names.joined(separator: ", ")))")
            let table = try list.section(name)
            let enabled: Bool = try table.value("enabled", default: true)
            let price = Int64(try table.value("price", default: 0) as Int)
            try table.check(price >= 0, "price", "expected millisats, 0 or more")
            tables[name] = enabled ? price : nil
            try table.finish()
        }
        try list.finish()
        try section.check(!dTag.isEmpty, "d_tag", "expected a name")
        try section.check(maxAge >= 60, "max_age", "expected 1m or more")
        try section.check(ratePerMinute >= 1, "rate_per_minute", "expected 1 or more")
        try section.check((1...10_000).contains(limits.maxLimit), "max_page_size", "expected 1 to 10000")
        try section.check((1...limits.maxLimit).contains(limits.defaultLimit), "default_page_size", "expected 1 to max_page_size")
        try section.check((1...10_000).contains(maxRequests), "max_requests", "expected 1 to 10000")
    }
}
