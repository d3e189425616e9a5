public import Nostr
public import Probes
public import Transport

/// The checks the Monitor can run, by the names its config section and NIP-66's `c` tags
/// use.
public enum MonitorCheck: String, Sendable, CaseIterable, Hashable, Comparable {
    /// The NIP-11 information document.
    case nip11
    /// Round trips: open, read and write (NIP-66 `rtt`).
    case rtt
    /// NIP-42: does the relay challenge, and take the monitor key's answer.
    case auth
    /// NIP-77: does the relay answer NEG-OPEN.
    case nip77
    /// The certificate of a wss relay, and whether it is valid (NIP-66 `ssl`).
    case ssl
    /// Where the relay's address is, from GeoLite2 City (NIP-66 `geo`).
    case geo
    /// Whose network the address is in, from GeoLite2 ASN (NIP-66 `net`).
    case net
    /// A relay name's A, AAAA, CNAME, NS and PTR records (NIP-66 `dns`).
    case dns
    /// The upgrade response's Server and X-Powered-By headers (NIP-66 `http`).
    case http
    /// DNS, TCP, TLS and upgrade times of the connection (beyond NIP-66).
    case phases

    public static func < (a: MonitorCheck, b: MonitorCheck) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// How one check runs: its longest wait and how often it is tried.
public struct CheckPolicy: Sendable, Hashable {
    public var enabled: Bool
    public var timeout: Duration
    public var retry: RetryPolicy

    public init(enabled: Bool = true, timeout: Duration = .seconds(10), retry: RetryPolicy = RetryPolicy()) {
        self.enabled = enabled
        self.timeout = timeout
        self.retry = retry
    }
}

/// The Monitor's kind 0 profile (each field left out when empty).
public struct MonitorProfile: Sendable, Hashable {
    public var name = "brotr monitor"
    public var about = "Nostr relay monitoring (NIP-66)"
    public var picture = ""
    public var nip05 = ""
    public var website = ""
    public var banner = ""
    public var lud16 = ""

    public init() {}
}

/// What the Monitor publishes, where, and how often.
public struct MonitorPublishing: Sendable, Hashable {
    /// The relays events go to; none: nothing is published (results are still archived).
    public var relays: [RelayURL] = []
    /// One kind 30166 per checked relay.
    public var discovery = true
    /// Kind 10166, kind 0 and kind 10002, each at most once per its interval, in seconds.
    public var announcementInterval: Int64 = 86_400
    public var profileInterval: Int64 = 86_400
    public var relayListInterval: Int64 = 86_400
    /// The monitor's location for kind 10166's `g` tag (a geohash); empty: none.
    public var geohash = ""
    public var profile = MonitorProfile()
    /// The wait for a publish relay's OK to each event.
    public var timeout: Duration = .seconds(10)
    /// Tries per publish relay and batch of events.
    public var retry = RetryPolicy(attempts: 3)

    public init() {}
}

/// How the Monitor checks relays.
public struct MonitorSettings: Sendable, Hashable {
    /// A file holding the monitor's secret key (hex or nsec), read at start-up; the
    /// environment variable BROTR_MONITOR_KEY is used when it is empty.
    public var keyFile = ""
    /// Relays checked at once, in total and per network.
    public var concurrency = 32
    public var networkConcurrency: [RelayNetwork: Int] = [.clearnet: 32, .tor: 4, .i2p: 2, .loki: 2, .loopback: 32]
    /// Relays checked per cycle at most (least recently checked first).
    public var maxPerCycle = 5_000
    /// Results are recorded (and published) for this many relays at a time, so that a
    /// crash loses at most one chunk of checks.
    public var chunkSize = 200
    /// A relay is checked again this many seconds after its last check (NIP-66's
    /// `frequency`).
    public var checkInterval: Int64 = 14_400
    /// A relay that failed every check `n` times in a row waits `checkInterval * 2^n`, at most
    /// this long: it is checked less often, never dropped.
    public var maxBackoff: Int64 = 7 * 86_400
    /// Each check's switch, timeout and retries (BigBrotr's deployment: nip11 3 tries, rtt,
    /// ssl, dns and http 2; geo and net 1; auth and nip77 once, since a refusal is an answer). http and phases
    /// read the round-trip check's connection, and open one of their own only when rtt is off.
    public var checks: [MonitorCheck: CheckPolicy] = [
        .nip11: CheckPolicy(retry: RetryPolicy(attempts: 3)),
        .rtt: CheckPolicy(retry: RetryPolicy(attempts: 2)),
        .auth: CheckPolicy(retry: RetryPolicy(attempts: 1)),
        .nip77: CheckPolicy(retry: RetryPolicy(attempts: 1)),
        .ssl: CheckPolicy(retry: RetryPolicy(attempts: 2)),
        .geo: CheckPolicy(retry: RetryPolicy(attempts: 1)),
        .net: CheckPolicy(retry: RetryPolicy(attempts: 1)),
        .dns: CheckPolicy(timeout: .seconds(5), retry: RetryPolicy(attempts: 2)),
        .http: CheckPolicy(retry: RetryPolicy(attempts: 2)),
        .phases: CheckPolicy(retry: RetryPolicy(attempts: 1)),
    ]
    /// The connection settings every check starts from (its own timeout replaces the read
    /// timeout).
    public var connection = ConnectionOptions(connectTimeout: .seconds(10), readTimeout: .seconds(10))
    /// The DNS server the dns check asks: nil for the system's (the first nameserver of
    /// /etc/resolv.conf).
    public var dnsServer: DNSServer?
    /// The GeoLite2 City and ASN files (MaxMind DB); a missing one turns its check off until
    /// it appears. brotr fills in DIR/geoip/GeoLite2-City.mmdb and GeoLite2-ASN.mmdb.
    public var geoipCity = ""
    public var geoipASN = ""
    /// Characters of the geohash of a relay's place (`g`).
    public var geohashPrecision = 9
    /// The largest NIP-11 document read.
    public var nip11MaxBytes = 64 << 10
    /// The most proof of work mined for the write probe.
    public var maxPowDifficulty = 24
    public var publishing = MonitorPublishing()

    public init() {}

    /// The checks that are on, in order.
    public var enabledChecks: [MonitorCheck] {
        MonitorCheck.allCases.filter { checks[$0]?.enabled == true }
    }

    func policy(_ check: MonitorCheck) -> CheckPolicy? {
        checks[check].flatMap { $0.enabled ? $0 : nil }
    }

    /// When a relay last checked at `checkedAt`, with `failures` in a row, is due again.
    public func nextCheck(after checkedAt: Int64, failures: Int) -> Int64 {
        var wait = checkInterval
        for _ in 0..<min(failures, 32) where wait < maxBackoff { wait *= 2 }
        return checkedAt + min(wait, max(checkInterval, maxBackoff))
    }
}
